import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {CheckFailedError} from '../errors.js'
import {labFlags} from '../runtime/lab-flags.js'
import {COMPOSE_FILE, COMPOSE_LINKS_FILE, composeFiles} from '../runtime/docker/compose-file.js'
import {offlineLabImages, scalelabVersion} from '../runtime/docker/image-refs.js'
import {standinTags} from '../runtime/docker/standin-images.js'
import {packageRoot} from '../runtime/package-root.js'

export interface ComposeResult {
  files: string[]
  /** --check: files that differ from what the topology gives. */
  differ?: string[]
}

export default class Compose extends BaseCommand {
  static override summary = 'Write compose.yaml (and the fault proxy links beside it) from the topology.'
  static override description = `Writes the lab as a Compose file, derived from the same topology and container plans as \`scalelab up --runtime docker\`: healthchecks, depends_on with service_healthy (service_completed_successfully for the migrations), ports on 127.0.0.1, the API fleet behind one DNS name, Toxiproxy with its links from ${COMPOSE_LINKS_FILE}. Then \`docker compose up\` gives the same system without the CLI.

Without --output, prints compose.yaml. With --check, compares instead of writing.

Exit codes: 0 written (or, with --check, up to date), 3 --check found a difference.`
  static override examples = [
    {description: "Regenerate the repository's compose.yaml", command: '<%= config.bin %> compose --output compose.yaml'},
    {description: 'Fail when the committed file drifted from the topology', command: '<%= config.bin %> compose --output compose.yaml --check'},
    {description: 'Five API instances on another port range, printed', command: '<%= config.bin %> compose --api 5 --port-base 8400'},
    {description: 'A host with no registry: stand-in images (build them first with `scalelab images --offline`)', command: '<%= config.bin %> compose --offline --output /tmp/lab/compose.yaml'},
  ]
  static override enableJsonFlag = true
  static override flags = {
    ...labFlags,
    'fault-proxy': Flags.boolean({description: 'Route Redis and Postgres through Toxiproxy (default on).', allowNo: true, default: true}),
    output: Flags.string({char: 'o', description: `Write here (e.g. ${COMPOSE_FILE}); the links file goes beside it.`}),
    offline: Flags.boolean({description: "Use the stand-in images `scalelab images --offline` builds from this machine's binaries, and scalelab's fault proxy (no registry needed).", default: false}),
    check: Flags.boolean({description: 'Compare the files at --output with the topology instead of writing them.', default: false, dependsOn: ['output']}),
  }

  async run(): Promise<ComposeResult> {
    const {flags} = await this.parse(Compose)
    const version = scalelabVersion(packageRoot())
    const images = flags.offline ? offlineLabImages(version, await standinTags()) : undefined
    const files = composeFiles({apiReplicas: flags.api, portBase: flags['port-base'], faultProxy: flags['fault-proxy'], version, images})
    if (!flags.output) {
      if (!this.jsonEnabled()) process.stdout.write(files[COMPOSE_FILE])
      return {files: [COMPOSE_FILE]}
    }
    const target = resolve(flags.output)
    const paths = Object.entries(files).map(([name, content]) => ({path: name === COMPOSE_FILE ? target : join(dirname(target), name), content}))
    if (flags.check) {
      const differ = paths.filter((p) => !existsSync(p.path) || readFileSync(p.path, 'utf8') !== p.content).map((p) => p.path)
      if (differ.length) {
        throw new CheckFailedError(`${differ.join(' and ')} differ${differ.length === 1 ? 's' : ''} from the topology; regenerate with: scalelab compose --output ${flags.output}`)
      }
      if (!this.jsonEnabled()) this.log(`${paths.map((p) => p.path).join(' and ')} match the topology.`)
      return {files: paths.map((p) => p.path), differ: []}
    }
    for (const p of paths) writeFileSync(p.path, p.content)
    if (!this.jsonEnabled()) this.log(`Wrote ${paths.map((p) => p.path).join(' and ')}.`)
    return {files: paths.map((p) => p.path)}
  }
}
