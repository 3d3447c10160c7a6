// Getting every image a lab runs onto this machine: the official ones pulled (with progress) when
// missing, or, offline, stand-ins imported from this machine's binaries; then the app image built
// on top. A pull that cannot reach a registry is one sentence saying how to go offline.
import type Docker from 'dockerode'
import {UserError} from '../../errors.js'
import {ensureAppImage} from './app-image.js'
import type {LabImages} from './container-plan.js'
import {followDockerStream, type DockerProgressEvent} from './docker-stream.js'
import {OFFICIAL_IMAGES, offlineLabImages, officialLabImages, type ImageSource} from './image-refs.js'
import {ensureStandinImages, standinTags} from './standin-images.js'

export type ImageAction = 'present' | 'pulled' | 'built'

export interface ImageOutcome {
  /** What the image is for: node (the app's base), redis, postgres, faultproxy, app. */
  role: string
  image: string
  id: string
  action: ImageAction
  seconds: number
  detail?: string
}

export interface EnsureImagesOptions {
  source: ImageSource
  packageRoot: string
  version: string
  /** Rebuild the stand-ins and the app image even when their inputs did not change. */
  rebuild?: boolean
  /** One line per step worth showing (pull progress at most once a second per image, build steps). */
  onProgress?: (line: string) => void
}

export interface EnsuredImages {
  images: LabImages
  outcomes: ImageOutcome[]
}

export async function ensureLabImages(docker: Docker, options: EnsureImagesOptions): Promise<EnsuredImages> {
  const outcomes: ImageOutcome[] = []
  const say = options.onProgress ?? (() => undefined)
  let images: LabImages
  let base: string
  if (options.source === 'official') {
    images = officialLabImages(options.version)
    base = OFFICIAL_IMAGES.node
    for (const [role, ref] of [['node', base], ['redis', images.redis], ['postgres', images.postgres], ['faultproxy', images.faultproxy]] as const) {
      outcomes.push(await ensurePulled(docker, role, ref, say))
    }
  } else {
    const built = await ensureStandinImages(docker, {rebuild: options.rebuild, onProgress: say})
    const tags = await standinTags()
    images = offlineLabImages(options.version, tags)
    base = tags.node
    for (const s of built) outcomes.push({role: s.role, image: s.tag, id: await imageId(docker, s.tag), action: s.action, seconds: s.seconds, detail: `stand-in: ${s.description}`})
  }
  const app = await ensureAppImage(docker, {
    packageRoot: options.packageRoot,
    tag: images.app,
    baseImage: base,
    rebuild: options.rebuild,
    onProgress: (line) => say(`${images.app}: ${line}`),
  })
  outcomes.push({role: 'app', image: app.tag, id: await imageId(docker, app.tag), action: app.action, seconds: app.seconds, detail: `on ${base}, ${app.packages} npm packages`})
  if (images.faultProxyKind === 'scalelab') outcomes.push({...outcomes.at(-1)!, role: 'faultproxy', action: 'present', seconds: 0, detail: "scalelab's own fault proxy (Toxiproxy's image cannot be had here)"})
  return {images, outcomes}
}

/** Whether every image of this source is already here (`--runtime auto` uses Docker only then). */
export async function labImagesPresent(docker: Docker, source: ImageSource): Promise<{present: boolean; missing: string[]}> {
  const refs =
    source === 'official'
      ? [OFFICIAL_IMAGES.node, OFFICIAL_IMAGES.redis, OFFICIAL_IMAGES.postgres, OFFICIAL_IMAGES.toxiproxy]
      : Object.values(await standinTags().catch(() => ({}) as Record<string, string>))
  if (refs.length === 0) return {present: false, missing: ['stand-in sources']}
  const missing: string[] = []
  for (const ref of refs) if (!(await docker.getImage(ref).inspect().catch(() => undefined))) missing.push(ref)
  return {present: missing.length === 0, missing}
}

async function imageId(docker: Docker, ref: string): Promise<string> {
  return (await docker.getImage(ref).inspect()).Id
}

/** Pulls `ref` unless it is here; a pull that fails is a UserError saying how to go offline. */
export async function ensurePulled(docker: Docker, role: string, ref: string, say: (line: string) => void): Promise<ImageOutcome> {
  const existing = await docker.getImage(ref).inspect().catch(() => undefined)
  if (existing) return {role, image: ref, id: existing.Id, action: 'present', seconds: 0}
  const t0 = Date.now()
  say(`pulling ${ref}`)
  try {
    const stream = await docker.pull(ref)
    await followDockerStream(docker, stream, pullProgress(ref, say))
  } catch (err) {
    throw cannotPull(ref, err as Error)
  }
  const seconds = (Date.now() - t0) / 1000
  say(`pulled ${ref} in ${seconds.toFixed(1)}s`)
  return {role, image: ref, id: await imageId(docker, ref), action: 'pulled', seconds}
}

/** Sums the layers' bytes and prints at most once a second. */
export function pullProgress(ref: string, say: (line: string) => void, now = () => Date.now()): (event: DockerProgressEvent) => void {
  const layers = new Map<string, {current: number; total: number}>()
  let last = 0
  return (event) => {
    if (event.id && event.status === 'Downloading' && event.progressDetail?.total) {
      layers.set(event.id, {current: event.progressDetail.current ?? 0, total: event.progressDetail.total})
    } else if (event.id && event.status === 'Download complete') {
      const layer = layers.get(event.id)
      if (layer) layer.current = layer.total
    }
    if (now() - last < 1_000 || layers.size === 0) return
    last = now()
    const sum = [...layers.values()].reduce((acc, l) => ({current: acc.current + l.current, total: acc.total + l.total}), {current: 0, total: 0})
    say(`pulling ${ref}: ${(sum.current / 1e6).toFixed(1)} of ${(sum.total / 1e6).toFixed(1)} MB (${layers.size} layers)`)
  }
}

export function cannotPull(ref: string, err: Error): UserError {
  const reason = err.message.replace(/^\(HTTP code \d+\) [a-z ]+ - /, '').trim()
  return new UserError(`Cannot pull ${ref}: ${reason}.`, {
    hint: 'On a host with no registry, build stand-in images from this machine\'s own node, redis-server and postgres: `scalelab images --offline`, then `scalelab up --runtime docker --offline` (or use --runtime local).',
    cause: err,
  })
}
