// An experiment as it will run: times in ms (scaled by --duration), the background load as a
// resolved scenario with one open-model phase (its rate replaced by --rate), the fault steps as
// FaultSpecs with their detection signals, the expressions parsed.
import {UserError} from '../errors.js'
import {formatDuration, parseDuration} from '../scenario/duration.js'
import {resolveScenario, type ResolvedScenario} from '../scenario/resolve-scenario.js'
import {MIN_RECOVERY_MS, serviceVerbOf, stepName, type ExperimentFile, type StepFile} from './experiment-schema.js'
import {parseAbortRule, parseCheck, parseExpectation, parseSignal, type AbortRule, type Check, type Expectation, type Signal} from './expressions.js'
import {defaultSignals} from './faults/default-signals.js'
import type {FaultSpec} from './faults/fault.js'
import {isWriteTemplate, type LoadedExperiment} from './load-experiment.js'
import {TOXIC_NAME_PREFIX} from './vocabulary.js'

export const DEFAULT_WINDOW_MS = 3_000
export const DEFAULT_HOLD_FOR_MS = 3_000
/** An HTTP fault lifts by itself this long after its planned rollback, should nobody roll it back. */
const HTTP_FAULT_EXPIRY_MARGIN_MS = 30_000

export interface ResolvedStep {
  index: number
  name: string
  atMs: number
  forMs: number
  spec: FaultSpec
  detect: Signal[]
}

export interface ResolvedExperiment {
  name: string
  description: string
  file: string
  totalMs: number
  /** The background load: one open-model phase over the whole run. */
  load: ResolvedScenario
  loadScenarioFile: string | null
  /** Names of the load's templates that are writes (POST /api/v1/resources). */
  writeTemplates: string[]
  steps: ResolvedStep[]
  checks: Check[]
  windowMs: number
  holdForMs: number
  expectations: Expectation[]
  abortRules: AbortRule[]
  /** The experiment as run (--duration and --rate applied), for the report. */
  asRun: ExperimentFile
}

export interface ResolveExperimentOptions {
  durationMs?: number
  /** Requests per second of the background load, instead of the file's. */
  rate?: number
}

export function resolveExperiment(loaded: LoadedExperiment, options: ResolveExperimentOptions = {}): ResolvedExperiment {
  const {experiment} = loaded
  const writtenMs = parseDuration(experiment.duration)!
  if (options.durationMs !== undefined && !(options.durationMs > 0)) throw new UserError(`--duration must be longer than 0 (got ${options.durationMs} ms).`)
  if (options.rate !== undefined && !(options.rate > 0 && Number.isFinite(options.rate))) throw new UserError(`--rate must be a number of requests per second > 0 (got ${options.rate}).`)
  const totalMs = options.durationMs ?? writtenMs
  const factor = totalMs / writtenMs
  const scale = (text: string) => Math.round(parseDuration(text)! * factor)
  const rate = options.rate ?? experiment.load.rate

  const steps: ResolvedStep[] = experiment.method.map((step, index) => {
    const name = step.name ?? stepName(step)
    const atMs = scale(step.at)
    const forMs = scale(step.for)
    const spec = faultSpec(step, index, experiment.name, forMs)
    return {index, name, atMs, forMs, spec, detect: (step.detect ?? defaultSignals(spec)).map(parseSignal)}
  })
  const expectations = (experiment.expectations ?? []).map(parseExpectation)
  // A signal an expectation times must be watched after its step, whether the step lists it or not.
  for (const expectation of expectations) {
    if (expectation.kind !== 'detected') continue
    const step = expectation.step === null ? steps[0] : steps.find((s) => s.name === expectation.step)
    if (step && !step.detect.some((signal) => signal.text === expectation.signal.text)) step.detect.push(expectation.signal)
  }
  const tooLate = steps.find((s) => s.atMs + s.forMs > totalMs - MIN_RECOVERY_MS)
  if (tooLate) {
    throw new UserError(`--duration ${formatDuration(totalMs)} leaves step "${tooLate.name}" less than ${MIN_RECOVERY_MS / 1000}s of recovery after its rollback.`, {
      hint: `Give a longer --duration (the experiment is ${experiment.duration} as written).`,
    })
  }

  const load = resolveScenario({...loaded.load, phases: [{name: 'load', duration: formatDuration(totalMs), rate}]})
  const asRun: ExperimentFile = {
    ...experiment,
    duration: formatDuration(totalMs),
    load: {...experiment.load, rate},
    method: experiment.method.map((step, i) => ({...step, at: formatDuration(steps[i].atMs), for: formatDuration(steps[i].forMs)})),
  }
  return {
    name: experiment.name,
    description: experiment.description,
    file: loaded.file,
    totalMs,
    load,
    loadScenarioFile: loaded.loadScenarioFile,
    writeTemplates: load.requests.filter(isWriteTemplate).map((t) => t.name),
    steps,
    checks: experiment.steadyState.checks.map(parseCheck),
    windowMs: experiment.steadyState.window ? parseDuration(experiment.steadyState.window)! : DEFAULT_WINDOW_MS,
    holdForMs: experiment.steadyState.holdFor ? parseDuration(experiment.steadyState.holdFor)! : DEFAULT_HOLD_FOR_MS,
    expectations,
    abortRules: (experiment.abort ?? []).map(parseAbortRule),
    asRun,
  }
}

function faultSpec(step: StepFile, index: number, experiment: string, forMs: number): FaultSpec {
  const verb = serviceVerbOf(step)
  if (verb) return {kind: 'service', verb, target: step[verb]!}
  if (step.toxic) {
    const {link, type, stream = 'downstream', toxicity = 1, attributes = {}} = step.toxic
    return {kind: 'toxic', link, name: `${TOXIC_NAME_PREFIX}${experiment}-${index + 1}`, type, stream, toxicity, attributes}
  }
  if (step.cut) return {kind: 'cut', link: step.cut}
  const http = step.http!
  return {
    kind: 'http',
    instance: http.instance,
    errorRate: http.errorRate ?? 0,
    status: http.status ?? 500,
    delayMs: http.delay ? parseDuration(http.delay)! : 0,
    delayRate: http.delayRate ?? 1,
    ...(http.routes ? {routes: http.routes} : {}),
    expiresAfterMs: forMs + HTTP_FAULT_EXPIRY_MARGIN_MS,
  }
}
