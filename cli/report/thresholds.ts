// Threshold expressions as scenario files write them, and their verdict against a run's figures:
//
//   p95 < 100ms during baseline      latency percentile (p50 p90 p95 p99 p999 max mean) in ms
//   error_rate < 1%                  5xx + socket errors + timeouts, of all requests
//   rate_429 > 30% during abuse      429 answers, of all requests
//   achieved_rate >= 95% during x    requests sent, of the open-model target rate
//   achieved_rate >= 900             requests sent per second (also 900/s, 900rps)
//   cache_hit_rate > 50%             from the system's own metrics
//
// Without `during` a threshold holds over the whole run. A threshold whose figure could not be
// measured fails, and its note says why: a gate that cannot see must not pass.
import type {PhaseReport, Report, SystemReport, ThresholdResult} from './schema.js'

export type ThresholdOp = '<' | '<=' | '>' | '>='
export type ThresholdMetric =
  | 'p50'
  | 'p90'
  | 'p95'
  | 'p99'
  | 'p999'
  | 'max'
  | 'mean'
  | 'errorRate'
  | 'rateLimitedRate'
  | 'achievedRate'
  | 'achievedRatio'
  | 'cacheHitRate'

export interface Threshold {
  /** As written, trimmed. */
  expression: string
  metric: ThresholdMetric
  op: ThresholdOp
  /** ms for latencies, 0..1 for rates and ratios, req/s for achievedRate. */
  value: number
  phase: string | null
}

export class ThresholdSyntaxError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ThresholdSyntaxError'
  }
}

const LATENCY_METRICS = ['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean'] as const
type LatencyMetric = (typeof LATENCY_METRICS)[number]

/** Names a scenario may use → the report's metric name (snake_case and the report's camelCase both work). */
const METRIC_NAMES: Record<string, 'errorRate' | 'rateLimitedRate' | 'achieved' | 'cacheHitRate'> = {
  error_rate: 'errorRate',
  errorrate: 'errorRate',
  rate_429: 'rateLimitedRate',
  rate_limited_rate: 'rateLimitedRate',
  ratelimitedrate: 'rateLimitedRate',
  achieved_rate: 'achieved',
  achievedrate: 'achieved',
  cache_hit_rate: 'cacheHitRate',
  cachehitrate: 'cacheHitRate',
}

export const THRESHOLD_METRIC_NAMES = [...LATENCY_METRICS, 'error_rate', 'rate_429', 'achieved_rate', 'cache_hit_rate'] as const

const EXPRESSION = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|<|>)\s*([0-9]*\.?[0-9]+)\s*([A-Za-z%/µ]*)\s*(?:during\s+(\S+))?\s*$/
const EXPECTED_FORM = 'expected "<metric> <op> <value> [during <phase>]", e.g. "p95 < 100ms during baseline" or "error_rate < 1%"'

/** Parses one expression; throws ThresholdSyntaxError saying what was expected. */
export function parseThreshold(expression: string): Threshold {
  const match = EXPRESSION.exec(expression)
  if (!match) throw new ThresholdSyntaxError(`"${expression}" is not a threshold: ${EXPECTED_FORM}.`)
  const [, name, op, amountText, unitText, phase] = match
  const amount = Number(amountText)
  const unit = unitText.toLowerCase()
  const base = {expression: expression.trim(), op: op as ThresholdOp, phase: phase ?? null}
  const lower = name.toLowerCase()

  if ((LATENCY_METRICS as readonly string[]).includes(lower)) {
    const factor = LATENCY_UNITS[unit]
    if (factor === undefined) throw new ThresholdSyntaxError(`"${expression}": ${name} is a latency; give it in ms (or s, us), e.g. "${name} < 100ms".`)
    return {...base, metric: lower as LatencyMetric, value: amount * factor}
  }
  const kind = METRIC_NAMES[lower]
  if (!kind) {
    throw new ThresholdSyntaxError(`"${expression}": unknown metric "${name}"; use one of ${THRESHOLD_METRIC_NAMES.join(', ')}.`)
  }
  if (kind === 'achieved') {
    if (unit === '%') return {...base, metric: 'achievedRatio', value: amount / 100}
    if (unit === '' || unit === '/s' || unit === 'rps' || unit === 'req/s') return {...base, metric: 'achievedRate', value: amount}
    throw new ThresholdSyntaxError(`"${expression}": achieved_rate is a % of the target rate (e.g. 95%) or requests per second (e.g. 900/s).`)
  }
  return {...base, metric: kind, value: ratioOf(expression, name, amount, unit)}
}

const LATENCY_UNITS: Record<string, number | undefined> = {'': 1, ms: 1, s: 1000, us: 0.001, 'µs': 0.001}

function ratioOf(expression: string, name: string, amount: number, unit: string): number {
  if (unit === '%') {
    if (amount > 100) throw new ThresholdSyntaxError(`"${expression}": ${name} is a share of requests; ${amount}% is more than 100%.`)
    return amount / 100
  }
  if (unit === '' && amount <= 1) return amount
  throw new ThresholdSyntaxError(`"${expression}": ${name} is a share of requests; write it as a percentage (e.g. 1%) or a ratio from 0 to 1.`)
}

export function compare(actual: number, op: ThresholdOp, value: number): boolean {
  switch (op) {
    case '<':
      return actual < value
    case '<=':
      return actual <= value
    case '>':
      return actual > value
    case '>=':
      return actual >= value
  }
}

/** What thresholds are evaluated against: the report's figures. */
export interface ThresholdFigures {
  phases: PhaseReport[]
  summary: Report['summary']
  system: SystemReport
}

type Measured = {actual: number; note?: undefined} | {actual: null; note: string}

export function evaluateThreshold(threshold: Threshold, figures: ThresholdFigures): ThresholdResult {
  const measured = measure(threshold, figures)
  const result: ThresholdResult = {
    expression: threshold.expression,
    metric: threshold.metric,
    op: threshold.op,
    value: threshold.value,
    phase: threshold.phase,
    actual: measured.actual === null ? null : round(measured.actual),
    passed: measured.actual !== null && compare(measured.actual, threshold.op, threshold.value),
  }
  if (measured.note) result.note = measured.note
  return result
}

export function evaluateThresholds(thresholds: readonly Threshold[], figures: ThresholdFigures): ThresholdResult[] {
  return thresholds.map((t) => evaluateThreshold(t, figures))
}

function measure(threshold: Threshold, figures: ThresholdFigures): Measured {
  const scope = threshold.phase === null ? 'the run' : `phase ${threshold.phase}`
  let phases: PhaseReport[] = figures.phases
  let phase: PhaseReport | undefined
  if (threshold.phase !== null) {
    phase = figures.phases.find((p) => p.name === threshold.phase)
    if (!phase) return {actual: null, note: `phase ${threshold.phase} did not run (the run was stopped before it)`}
    phases = [phase]
  }
  const total = phase ? phase.outcomes.total : figures.summary.requests.total
  switch (threshold.metric) {
    case 'p50':
    case 'p90':
    case 'p95':
    case 'p99':
    case 'p999':
    case 'max':
    case 'mean': {
      const latency = phase ? phase.latencyMs : figures.summary.latencyMs
      return latency ? {actual: latency[threshold.metric]} : {actual: null, note: `no responses in ${scope}`}
    }
    case 'errorRate':
      return total > 0 ? {actual: phase ? phase.errorRate : figures.summary.errorRate} : {actual: null, note: `no requests in ${scope}`}
    case 'rateLimitedRate':
      return total > 0 ? {actual: phase ? phase.rateLimitedRate : figures.summary.rateLimitedRate} : {actual: null, note: `no requests in ${scope}`}
    case 'achievedRate':
      return {actual: phase ? phase.achievedRate : figures.summary.achievedRate}
    case 'achievedRatio': {
      const open = phases.filter((p) => p.targetRate !== null && p.durationS > 0)
      if (open.length === 0) return {actual: null, note: `${scope} has no open-model (rate) phase, so there is no target rate to compare with`}
      const asked = open.reduce((sum, p) => sum + p.targetRate!.mean * p.durationS, 0)
      const sent = open.reduce((sum, p) => sum + p.achievedRate * p.durationS, 0)
      return asked > 0 ? {actual: sent / asked} : {actual: null, note: `the target rate of ${scope} was 0`}
    }
    case 'cacheHitRate': {
      if (!figures.system.available) return {actual: null, note: `system metrics unavailable${figures.system.reason ? `: ${figures.system.reason}` : ''}`}
      const rate = phase ? phase.cacheHitRate : figures.summary.cacheHitRate
      return rate === null ? {actual: null, note: `no cache lookups were counted in ${scope}`} : {actual: rate}
    }
  }
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000
}

/** One line of the verdict for a failed threshold. */
export function failureLine(result: ThresholdResult, format: (metric: string, value: number) => string): string {
  if (result.actual === null) return `${result.expression}: not measured (${result.note ?? 'no data'})`
  return `${result.expression}: was ${format(result.metric, result.actual)}`
}
