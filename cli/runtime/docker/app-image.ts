// The app image (system/Dockerfile) built from what this machine already has: the built services
// (dist/system, dist/contracts) and the npm packages they need, sent as the build context. Nothing
// is compiled or downloaded, so it builds on a host with no registry, on any Node base image.
// The image carries a fingerprint of its inputs; an unchanged build is skipped.
import {spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'
import type Docker from 'dockerode'
import {UserError} from '../../errors.js'
import {followDockerStream} from './docker-stream.js'
import {LABELS} from './labels.js'
import {bareImports, dependencyClosure} from './service-dependencies.js'

export const DOCKERFILE = 'system/Dockerfile'
const SERVICE_DIRS = ['dist/system', 'dist/contracts']
const ENTRY = 'dist/system/container/start.js'

export interface AppImageRequest {
  packageRoot: string
  tag: string
  /** The Node image it is built on (NODE_IMAGE). */
  baseImage: string
  rebuild?: boolean
  /** Build output, one line at a time ("Step 3/12 : ..."). */
  onProgress?: (line: string) => void
}

export interface AppImageOutcome {
  tag: string
  action: 'present' | 'built'
  seconds: number
  /** Packages that went into the image's node_modules. */
  packages: number
}

export interface AppContext {
  /** Paths relative to the package root, as tar takes them. */
  paths: string[]
  packages: string[]
  fingerprint: string
}

/** What goes into the build context, and a fingerprint of it (base image, our files' contents, package versions). */
export function appBuildContext(packageRoot: string, baseImageId: string): AppContext {
  if (!existsSync(join(packageRoot, ENTRY))) {
    throw new UserError(`The services are not built (${ENTRY} is missing), so the app image cannot be built.`, {
      hint: 'Run `npm run build` in the scalelab checkout, then try again.',
    })
  }
  const packages = dependencyClosure(packageRoot, bareImports(SERVICE_DIRS.map((d) => join(packageRoot, d))))
  const paths = ['package.json', DOCKERFILE, ...SERVICE_DIRS, ...packages]
  const hash = createHash('sha256').update(`${baseImageId}\n`)
  const visit = (rel: string) => {
    const st = statSync(join(packageRoot, rel))
    if (st.isDirectory()) for (const entry of readdirSync(join(packageRoot, rel)).sort()) visit(`${rel}/${entry}`)
    // Contents, not mtimes: a rebuild of unchanged sources (npm run build) keeps the image.
    else if (included(rel)) hash.update(`${rel}\n`).update(readFileSync(join(packageRoot, rel)))
  }
  for (const p of ['package.json', DOCKERFILE, ...SERVICE_DIRS]) visit(p)
  for (const p of packages) hash.update(`${p}@${(JSON.parse(readFileSync(join(packageRoot, p, 'package.json'), 'utf8')) as {version?: string}).version}\n`)
  return {paths, packages, fingerprint: hash.digest('hex').slice(0, 16)}
}

const EXCLUDED = ['*.test.js', '*.map', '*.d.ts']

function included(rel: string): boolean {
  return !(rel.endsWith('.test.js') || rel.endsWith('.map') || rel.endsWith('.d.ts'))
}

export async function ensureAppImage(docker: Docker, request: AppImageRequest): Promise<AppImageOutcome> {
  const t0 = Date.now()
  const base = await docker.getImage(request.baseImage).inspect().catch(() => undefined)
  if (!base) throw new Error(`the base image ${request.baseImage} must be on this machine before the app image is built`)
  const context = appBuildContext(request.packageRoot, base.Id)
  const existing = await docker.getImage(request.tag).inspect().catch(() => undefined)
  if (!request.rebuild && existing?.Config?.Labels?.[LABELS.source] === context.fingerprint) {
    return {tag: request.tag, action: 'present', seconds: 0, packages: context.packages.length}
  }
  // tar -h: node_modules may be a symlink (a shared install); the image needs the files.
  const tar = spawn('tar', ['-c', '-h', ...EXCLUDED.map((p) => `--exclude=${p}`), '-C', request.packageRoot, ...context.paths], {stdio: ['ignore', 'pipe', 'pipe']})
  let tarErrors = ''
  tar.stderr.on('data', (d: Buffer) => (tarErrors += d.toString()))
  const tarDone = new Promise<number>((resolve) => tar.on('close', (code) => resolve(code ?? 1)))
  const stream = await docker.buildImage(tar.stdout, {
    t: request.tag,
    dockerfile: DOCKERFILE,
    buildargs: {NODE_IMAGE: request.baseImage},
    labels: {[LABELS.image]: 'app', [LABELS.source]: context.fingerprint},
    rm: true,
    forcerm: true,
  } as Docker.ImageBuildOptions)
  try {
    await followDockerStream(docker, stream, (event) => {
      const line = event.stream?.trim()
      if (line && request.onProgress && /^Step \d+\/\d+/.test(line)) request.onProgress(line)
    })
  } catch (err) {
    throw new Error(`building ${request.tag} failed: ${(err as Error).message}`, {cause: err})
  }
  // Exit 1 is "a file changed while being read"; 2 is fatal, and the build would have failed too.
  if ((await tarDone) > 1) throw new Error(`packing the build context failed: ${tarErrors.trim().split('\n').slice(-3).join(' ')}`)
  await removeDanglingAppImages(docker)
  return {tag: request.tag, action: 'built', seconds: (Date.now() - t0) / 1000, packages: context.packages.length}
}

/** Untagged images of earlier app builds and their build stages (never a tagged one; one in use stays). */
async function removeDanglingAppImages(docker: Docker): Promise<void> {
  const dangling = await docker.listImages({filters: {dangling: ['true'], label: [LABELS.image]}})
  for (const image of dangling) {
    const role = image.Labels?.[LABELS.image]
    if (role === 'app' || role === 'app-build-stage') await docker.getImage(image.Id).remove().catch(() => undefined)
  }
}
