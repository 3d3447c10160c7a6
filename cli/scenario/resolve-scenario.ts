// A scenario as it will run: durations in ms, rates scaled, thresholds parsed, defaults filled in.
// `--duration` stretches or squeezes every phase by the same factor to the given total, and
// `--rate-scale` multiplies every open-model rate; the result also goes into the report as written.
import {SEED_RESOURCE_COUNT} from '../../contracts/seed.js'
import {UserError} from '../errors.js'
import type {PhaseLoad} from '../load/types.js'
import {parseThreshold, type Threshold} from '../report/thresholds.js'
import {formatDuration, parseDuration} from './duration.js'
import type {IdentityFile, IdGeneratorFile, PhaseFile, RequestTemplateFile, ScenarioFile} from './scenario-schema.js'

/** A phase shorter than this after --duration would measure nothing. */
export const MIN_PHASE_MS = 250
const DEFAULT_KNEE_FOR_MS = 2000
export const DEFAULT_ZIPF_S = 1.1

export interface KneeRule {
  when: Threshold[]
  forMs: number
  stop: boolean
}

export interface ResolvedPhase {
  name: string
  durationMs: number
  load: PhaseLoad
  knee?: KneeRule
}

export interface IdRange {
  distribution: 'uniform' | 'zipf'
  s: number
  min: number
  max: number
}

export interface ResolvedTemplate {
  name: string
  weight: number
  method: string
  path: string
  headers: Record<string, string>
  body?: string
  identity: string
  ids: IdRange
}

export interface ResolvedScenario {
  name: string
  description: string
  /** `gateway`, `balancer` or a URL. */
  target: string
  identities: Record<string, IdentityFile>
  requests: ResolvedTemplate[]
  phases: ResolvedPhase[]
  totalMs: number
  thresholds: Threshold[]
  setup: {flushCaches: boolean; admin?: {email: string; password: string}}
  /** The scenario file as run (--duration and --rate-scale applied), for the report. */
  asRun: ScenarioFile
}

export interface ResolveOptions {
  /** Total duration; every phase is scaled by the same factor. */
  durationMs?: number
  /** Multiplies every open-model rate. */
  rateScale?: number
}

export function resolveScenario(file: ScenarioFile, options: ResolveOptions = {}): ResolvedScenario {
  const rateScale = options.rateScale ?? 1
  if (!(rateScale > 0) || !Number.isFinite(rateScale)) throw new UserError(`--rate-scale must be a number > 0 (got ${options.rateScale}).`)
  const written = file.phases.map((p) => parseDuration(p.duration)!)
  const writtenTotal = written.reduce((a, b) => a + b, 0)
  let durations = written
  if (options.durationMs !== undefined) {
    if (!(options.durationMs > 0)) throw new UserError(`--duration must be longer than 0 (got ${options.durationMs} ms).`)
    const factor = options.durationMs / writtenTotal
    durations = written.map((ms) => Math.round(ms * factor))
    const tooShort = durations.findIndex((ms) => ms < MIN_PHASE_MS)
    if (tooShort !== -1) {
      throw new UserError(
        `--duration ${formatDuration(options.durationMs)} leaves phase ${file.phases[tooShort].name} only ${durations[tooShort]} ms; each phase needs at least ${MIN_PHASE_MS} ms.`,
        {hint: `Give a longer --duration (the scenario is ${formatDuration(writtenTotal)} as written).`},
      )
    }
  }

  const phases: ResolvedPhase[] = file.phases.map((phase, i) => ({
    name: phase.name,
    durationMs: durations[i],
    load: loadOf(phase, rateScale),
    ...(phase.knee
      ? {
          knee: {
            when: phase.knee.when.map(parseThreshold),
            forMs: phase.knee.for ? parseDuration(phase.knee.for)! : DEFAULT_KNEE_FOR_MS,
            stop: phase.knee.stop ?? true,
          },
        }
      : {}),
  }))

  const asRun: ScenarioFile = {
    ...file,
    phases: file.phases.map((phase, i) => ({...phase, duration: formatDuration(durations[i]), ...scaledRate(phase, rateScale)})),
  }

  return {
    name: file.name,
    description: file.description,
    target: file.target ?? 'gateway',
    identities: {anonymous: {kind: 'anonymous'}, ...file.identities},
    requests: file.requests.map((template, i) => resolveTemplate(template, i, file.ids)),
    phases,
    totalMs: durations.reduce((a, b) => a + b, 0),
    thresholds: (file.thresholds ?? []).map(parseThreshold),
    setup: {flushCaches: file.setup?.flushCaches ?? false, ...(file.setup?.admin ? {admin: file.setup.admin} : {})},
    asRun,
  }
}

function scaledRate(phase: PhaseFile, scale: number): Partial<PhaseFile> {
  if (phase.rate === undefined || scale === 1) return {}
  return {rate: typeof phase.rate === 'number' ? round(phase.rate * scale) : {from: round(phase.rate.from * scale), to: round(phase.rate.to * scale)}}
}

function loadOf(phase: PhaseFile, scale: number): PhaseLoad {
  if (phase.connections !== undefined) return {model: 'closed', connections: phase.connections, ...(phase.pipelining ? {pipelining: phase.pipelining} : {})}
  const rate = phase.rate!
  if (typeof rate === 'number') return {model: 'open', rate: {kind: 'constant', perSecond: round(rate * scale)}}
  return {model: 'open', rate: {kind: 'ramp', from: round(rate.from * scale), to: round(rate.to * scale)}}
}

function resolveTemplate(template: RequestTemplateFile, index: number, defaultIds: IdGeneratorFile | undefined): ResolvedTemplate {
  const method = template.method ?? 'GET'
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(template.headers ?? {})) headers[name.toLowerCase()] = value
  let body: string | undefined
  if (typeof template.body === 'string') body = template.body
  else if (template.body !== undefined) {
    body = JSON.stringify(template.body)
    headers['content-type'] ??= 'application/json'
  }
  const ids = template.ids ?? defaultIds
  return {
    name: template.name ?? `${method} ${template.path}#${index + 1}`,
    weight: template.weight ?? 1,
    method,
    path: template.path,
    headers,
    ...(body !== undefined ? {body} : {}),
    identity: template.identity ?? 'anonymous',
    ids: {
      distribution: ids?.distribution ?? 'uniform',
      s: ids?.s ?? DEFAULT_ZIPF_S,
      min: ids?.min ?? 1,
      max: ids?.max ?? SEED_RESOURCE_COUNT,
    },
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100
}
