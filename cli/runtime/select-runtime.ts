// Choosing the runtime: each way of running the lab is a small strategy (can it run here? make
// one). `--runtime auto` takes Docker when an engine answers and the lab's images are already on
// this machine (auto never starts a download nobody asked for; it says how to get them); a running
// lab is always driven by the runtime that started it (recorded in its state file).
import type {RuntimeName} from '../../contracts/topology.js'
import Docker from 'dockerode'
import {UserError} from '../errors.js'
import {probeDockerEngine, type DockerEngineProbe} from './docker/docker-engine.js'
import {DockerRuntime} from './docker/docker-runtime.js'
import type {ImageSource} from './docker/image-refs.js'
import {labImagesPresent} from './docker/lab-images.js'
import {LocalRuntime} from './local/local-runtime.js'
import {packageRoot} from './package-root.js'
import {resolveStateDir, runtimeOfStateFile} from './state-dir.js'
import type {LabRuntime, RuntimeContext, RuntimeStrategy} from './types.js'

export type RuntimeRequest = RuntimeName | 'auto'
export const RUNTIME_REQUESTS: readonly RuntimeRequest[] = ['auto', 'local', 'docker']

export const localStrategy: RuntimeStrategy = {
  name: 'local',
  async isAvailable() {
    return {available: true, reason: 'local processes'}
  },
  create: (context) => new LocalRuntime(context),
}

export const dockerStrategy: RuntimeStrategy = {
  name: 'docker',
  async isAvailable() {
    const engine = await probeDockerEngine()
    return engine.reachable
      ? {available: true, reason: engine.detail}
      : {available: false, reason: `${engine.detail}; start Docker (or set DOCKER_HOST)`}
  },
  create: (context) => new DockerRuntime(context),
}

export const DEFAULT_STRATEGIES: readonly RuntimeStrategy[] = [dockerStrategy, localStrategy]

export interface RuntimeChoice {
  runtime: LabRuntime
  /** One line saying what was chosen and why (printed by `up`). */
  reason: string
}

export function runtimeContext(overrides: Partial<RuntimeContext> = {}): RuntimeContext {
  return {stateDir: overrides.stateDir ?? resolveStateDir(), packageRoot: overrides.packageRoot ?? packageRoot()}
}

export interface ChooseRuntimeOptions {
  context?: RuntimeContext
  strategies?: readonly RuntimeStrategy[]
  probeEngine?: () => Promise<DockerEngineProbe>
  /** `up --offline`: the Docker lab would run stand-in images. */
  offline?: boolean
  /** Whether the images a Docker lab needs are already on this machine (auto never starts a download). */
  imagesPresent?: (source: ImageSource) => Promise<{present: boolean; missing: string[]}>
}

/** For `up`: the runtime asked for (auto: Docker when usable, else local). A running lab keeps its own. */
export async function chooseRuntime(request: RuntimeRequest, options: ChooseRuntimeOptions = {}): Promise<RuntimeChoice> {
  const {context = runtimeContext(), strategies = DEFAULT_STRATEGIES, probeEngine = probeDockerEngine, imagesPresent = dockerImagesPresent} = options
  const byName = (name: RuntimeName) => strategies.find((s) => s.name === name)
  const running = runtimeOfStateFile(context.stateDir)
  if (running && (request === 'auto' || request === running) && byName(running)) {
    return {runtime: byName(running)!.create(context), reason: `${running} (the runtime of the lab in ${context.stateDir})`}
  }
  if (request !== 'auto') {
    const strategy = byName(request)
    if (!strategy) throw new UserError(`Unknown runtime "${request}".`, {hint: `Use one of: ${RUNTIME_REQUESTS.join(', ')}.`})
    const {available, reason} = await strategy.isAvailable()
    if (!available) {
      throw new UserError(`Cannot use --runtime ${request}: ${reason}.`, {hint: 'Use --runtime local (or leave --runtime auto).'})
    }
    return {runtime: strategy.create(context), reason: `${request} (asked for with --runtime)`}
  }
  const docker = byName('docker')
  if (docker) {
    const engine = await probeEngine()
    if (!engine.reachable) return {runtime: (byName('local') ?? localStrategy).create(context), reason: `local processes (auto: ${engine.detail})`}
    // Offline images are built from this machine's binaries: nothing to download, so no reason to hold back.
    if (options.offline) return {runtime: docker.create(context), reason: `docker (auto: ${engine.detail}, stand-in images)`}
    const images = await imagesPresent('official').catch((err: Error) => ({present: false, missing: [err.message]}))
    if (images.present) return {runtime: docker.create(context), reason: `docker (auto: ${engine.detail}, images present)`}
    return {
      runtime: (byName('local') ?? localStrategy).create(context),
      reason: `local processes (auto: ${engine.detail} answers, but the lab's images are not on this machine — missing ${images.missing.join(', ')}; \`scalelab images\` pulls them, \`--offline\` uses stand-ins built from this machine's binaries, or ask for --runtime docker)`,
    }
  }
  return {runtime: (byName('local') ?? localStrategy).create(context), reason: 'local processes'}
}

/** For status/down/logs and the fault verbs: the runtime of the lab in the state dir (local when none). */
export function openLabRuntime(context: RuntimeContext = runtimeContext(), strategies: readonly RuntimeStrategy[] = DEFAULT_STRATEGIES): LabRuntime {
  const running = runtimeOfStateFile(context.stateDir) ?? 'local'
  const strategy = strategies.find((s) => s.name === running) ?? localStrategy
  return strategy.create(context)
}

function dockerImagesPresent(source: ImageSource): Promise<{present: boolean; missing: string[]}> {
  return labImagesPresent(new Docker(), source)
}
