import {Flags} from '@oclif/core'
import Docker from 'dockerode'
import {BaseCommand} from '../base-command.js'
import {UserError} from '../errors.js'
import {engineUnavailable, probeDockerEngine} from '../runtime/docker/docker-engine.js'
import {scalelabVersion, type ImageSource} from '../runtime/docker/image-refs.js'
import {ensureLabImages, type ImageOutcome} from '../runtime/docker/lab-images.js'
import {packageRoot} from '../runtime/package-root.js'

export interface ImagesResult {
  source: ImageSource
  images: ImageOutcome[]
}

export default class Images extends BaseCommand {
  static override summary = 'Get the images of the Docker lab onto this machine: pull the official ones, or build stand-ins offline.'
  static override description = `Pulls redis:7, postgres:15, ghcr.io/shopify/toxiproxy and node:20-slim when they are missing (with progress), then builds the app image (system/Dockerfile) from the built services and the npm packages they need — nothing is compiled or downloaded for it.

With --offline (a host with no registry, e.g. air-gapped CI) it pulls nothing: stand-in Node, Redis and Postgres images are imported from this machine's own binaries and the libraries they load, the app image is built on the stand-in Node, and scalelab's own fault proxy takes Toxiproxy's place. Images whose inputs did not change are kept.

Exit codes: 0 every image is here, 1 a build failed, 2 no Docker engine, or an image cannot be pulled (the error says how to go offline).`
  static override examples = [
    {description: 'Pull the official images and build the app image', command: '<%= config.bin %> images'},
    {description: 'On a host with no registry: stand-ins from this machine', command: '<%= config.bin %> images --offline'},
    {description: 'Rebuild the stand-ins and the app image, as JSON', command: '<%= config.bin %> images --offline --rebuild --json'},
  ]
  static override enableJsonFlag = true
  static override flags = {
    offline: Flags.boolean({description: "Build stand-in images from this machine's binaries instead of pulling (no registry needed).", default: false}),
    rebuild: Flags.boolean({description: 'Rebuild the stand-ins and the app image even when their inputs did not change.', default: false}),
  }

  async run(): Promise<ImagesResult> {
    const {flags} = await this.parse(Images)
    const json = this.jsonEnabled()
    const engine = await probeDockerEngine()
    if (!engine.reachable) {
      throw new UserError(`Cannot get images: ${engine.detail}.`, {hint: 'Start Docker (e.g. `sudo systemctl start docker`, or `dockerd` as root) or set DOCKER_HOST.'})
    }
    const source: ImageSource = flags.offline ? 'offline' : 'official'
    const root = packageRoot()
    try {
      const {outcomes} = await ensureLabImages(new Docker(), {
        source,
        packageRoot: root,
        version: scalelabVersion(root),
        rebuild: flags.rebuild,
        onProgress: json ? undefined : (line) => this.log(`  ⋯ ${line}`),
      })
      if (!json) this.log(formatImages(outcomes, source))
      return {source, images: outcomes}
    } catch (err) {
      throw engineUnavailable(err) ?? err
    }
  }
}

function formatImages(outcomes: ImageOutcome[], source: ImageSource): string {
  const rows = outcomes.map((o) => [o.role, o.image, o.id.replace(/^sha256:/, '').slice(0, 12), o.action === 'present' ? 'present' : `${o.action} in ${o.seconds.toFixed(1)}s`, o.detail ?? ''])
  const table = [['ROLE', 'IMAGE', 'ID', 'ACTION', 'DETAIL'], ...rows]
  const widths = table[0].map((_, col) => Math.max(...table.map((r) => r[col].length)))
  const lines = table.map((r) => r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]))).join('  ').trimEnd())
  const next = source === 'offline' ? 'scalelab up --runtime docker --offline' : 'scalelab up --runtime docker'
  return ['', ...lines, '', `Every image of the Docker lab is here. Next: ${next}`].join('\n')
}
