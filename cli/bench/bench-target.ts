// What a bench run aims at, and where it reads the system's metrics. The lab (through the runtime:
// brought up when it is not running, unless --no-up), or an already-running deployment named by
// --target or the scenario's own URL target (metrics from --metrics URLs, else unavailable).
import {fleet, findInstance} from '../../contracts/topology.js'
import {UserError} from '../errors.js'
import type {MetricsSource} from '../metrics/system-sampler.js'
import type {Environment} from '../report/schema.js'
import {formatProgress} from '../runtime/lab-text.js'
import {chooseRuntime, openLabRuntime, runtimeContext} from '../runtime/select-runtime.js'
import type {LabRuntime, UpRequest} from '../runtime/types.js'

export interface BenchTarget {
  url: string
  /** True when the target is this machine's lab. */
  lab: boolean
  runtime: Environment['runtime']
  /** One line for people: which runtime, and what bench did to the lab. */
  runtimeLabel: string
  apiInstances: number | null
  metrics: {sources: MetricsSource[]; lbStatusUrl?: string} | {unavailable: string}
  /** This bench run started the lab (and leaves it running). */
  startedLab: boolean
  /** Docker: the image each service runs, for the report's environment.images. */
  images?: Record<string, string>
}

export interface TargetRequest {
  /** The scenario's target: gateway, balancer or a URL. */
  scenarioTarget: string
  /** --target URL */
  target?: string
  /** --metrics URL... */
  metricsUrls?: string[]
  /** --api N: passed to up (starts or resizes the lab). */
  apiReplicas?: number
  portBase?: number
  /** --no-up: a lab that is not running is an error instead of being started. */
  noUp?: boolean
  signal?: AbortSignal
}

export async function prepareTarget(request: TargetRequest, notify: (line: string) => void): Promise<BenchTarget> {
  const external = request.target ?? (isUrl(request.scenarioTarget) ? request.scenarioTarget : undefined)
  if (external) return externalTarget(external, request.metricsUrls ?? [], request.target ? '--target' : 'the scenario’s target')
  if (request.metricsUrls?.length) throw new UserError('--metrics goes with --target (a deployment elsewhere); the lab’s own metrics are read without it.')
  return labTarget(request, notify)
}

function externalTarget(url: string, metricsUrls: string[], source: string): BenchTarget {
  for (const u of [url, ...metricsUrls]) {
    if (!isUrl(u)) throw new UserError(`"${u}" is not an http(s) URL.`, {hint: 'Give full URLs, e.g. --target http://10.0.0.5:8080 --metrics http://10.0.0.5:8080/metrics'})
  }
  return {
    url,
    lab: false,
    runtime: 'external',
    runtimeLabel: `external deployment at ${url} (${source}); the lab is not used`,
    apiInstances: null,
    metrics: metricsUrls.length
      ? {sources: metricsUrls.map((u) => ({url: u}))}
      : {unavailable: 'the target is an external deployment and no --metrics URLs were given'},
    startedLab: false,
  }
}

async function labTarget(request: TargetRequest, notify: (line: string) => void): Promise<BenchTarget> {
  const context = runtimeContext()
  let runtime: LabRuntime = openLabRuntime(context)
  const status = await runtime.status()
  const up: UpRequest = {apiReplicas: request.apiReplicas, portBase: request.portBase}
  const hooks = {signal: request.signal, onProgress: (event: Parameters<typeof formatProgress>[0]) => {
    const line = formatProgress(event)
    if (line) notify(line)
  }}
  let startedLab = false
  let label: string
  if (!status.running) {
    if (request.noUp) {
      throw new UserError(`The lab is not running (state in ${context.stateDir}) and --no-up was given.`, {hint: 'Start it with: scalelab up — or leave out --no-up and bench starts it.'})
    }
    const choice = await chooseRuntime('auto', {context})
    runtime = choice.runtime
    notify(`Runtime: ${choice.reason}. The lab is not running: starting it (state in ${context.stateDir})…`)
    const result = await runtime.up(up, hooks)
    startedLab = true
    label = `${choice.reason}; started by this run in ${result.seconds.toFixed(1)} s and left running (stop it with: scalelab down)`
  } else {
    label = `${runtime.name} (the running lab in ${context.stateDir})`
    if (request.apiReplicas !== undefined && status.options?.apiReplicas !== request.apiReplicas) {
      notify(`Runtime: ${label}. Resizing the API fleet to ${request.apiReplicas}…`)
      await runtime.up(up, hooks)
      label += `, fleet resized to ${request.apiReplicas}`
    } else {
      notify(`Runtime: ${label}.`)
    }
    if (!status.healthy) {
      const unhealthy = status.services.filter((s) => !s.healthy && s.kind === 'service').map((s) => `${s.name} (${s.state}, ${s.health})`)
      if (unhealthy.length) notify(`Warning: not every service is healthy: ${unhealthy.join(', ')}. The run goes on; see scalelab status.`)
    }
  }
  const topology = await runtime.topology()
  if (!topology) throw new UserError('The lab stopped while bench was preparing the run.', {hint: 'Check it with: scalelab status'})
  const entry = findInstance(topology, 'gateway')
  const balancer = findInstance(topology, 'balancer')
  const targetInstance = request.scenarioTarget === 'balancer' ? balancer : entry
  if (!targetInstance?.url) throw new UserError(`The lab has no ${request.scenarioTarget} to send traffic to.`)
  // Docker labs say which image each service runs; the report records them (status after up: a fresh lab's containers).
  const images = runtime.name === 'docker' ? (await runtime.status()).images : status.images
  const sources: MetricsSource[] = topology.instances
    .filter((i) => (i.service === 'gateway' || i.service === 'balancer' || i.service === 'api') && i.url)
    .map((i) => ({name: i.name, url: `${i.url}/metrics`}))
  return {
    url: targetInstance.url,
    lab: true,
    runtime: runtime.name,
    runtimeLabel: label,
    apiInstances: fleet(topology).length,
    metrics: {sources, lbStatusUrl: balancer?.url ? `${balancer.url}/lb/status` : undefined},
    startedLab,
    ...(images && Object.keys(images).length > 0 ? {images} : {}),
  }
}

function isUrl(text: string): boolean {
  return /^https?:\/\//i.test(text)
}
