// The small languages of an experiment file, parsed once when the file is read:
//
//   steady-state checks   error_rate < 1% · p99 < 250ms · cache_hit_rate > 50% · breaker redis closed ·
//                         breakers closed · gateway ready · fleet ready · fleet in rotation
//   detection signals     breaker redis open · api-2 out of rotation · gateway degraded ·
//                         rate limiter fail-open · client errors · stale serves · steady state deviates
//   expectations          <signal> within 5s of fault · steady state within 20s of rollback ·
//                         <figure> <op> <value> [during baseline|fault|recovery] (e.g. lost_writes = 0)
//   abort rules           <metric check> for 5s
//
// Each parser throws ExpressionError saying what was expected, so the file loader can point at the field.
import {DEPENDENCIES} from './vocabulary.js'
import {parseDuration} from '../scenario/duration.js'
import {compare, parseThreshold, ThresholdSyntaxError, type ThresholdMetric} from '../report/thresholds.js'

export class ExpressionError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ExpressionError'
  }
}

export type CompareOp = '<' | '<=' | '>' | '>=' | '='

export const STAGE_KINDS = ['baseline', 'fault', 'recovery'] as const
export type StageKind = (typeof STAGE_KINDS)[number]

/** Metrics a check can judge on a window of seconds (what the per-second data carries). */
export type WindowMetric = Extract<ThresholdMetric, 'p50' | 'p90' | 'p95' | 'p99' | 'p999' | 'max' | 'mean' | 'errorRate' | 'rateLimitedRate' | 'cacheHitRate'>
const WINDOW_METRICS: readonly string[] = ['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean', 'errorRate', 'rateLimitedRate', 'cacheHitRate']

export type Check =
  | {kind: 'metric'; expression: string; metric: WindowMetric; op: CompareOp; value: number}
  /** Every breaker (of one dependency, or all) closed on every instance. */
  | {kind: 'breakers-closed'; expression: string; dependency: string | null}
  /** /ready answers `ready` (`fleet`: every API instance). */
  | {kind: 'ready'; expression: string; service: string}
  /** Every backend healthy and not ejected at the balancer. */
  | {kind: 'in-rotation'; expression: string}

export type Signal =
  | {kind: 'breaker-open'; text: string; dependency: string}
  | {kind: 'out-of-rotation'; text: string; instance: string}
  | {kind: 'degraded'; text: string; service: string}
  | {kind: 'fail-open'; text: string}
  | {kind: 'client-errors'; text: string}
  | {kind: 'stale-serves'; text: string}
  /** Any steady-state check fails on its window. */
  | {kind: 'deviation'; text: string}

/** Counts over a stage, from the system's metrics or the write check. */
export const COUNT_FIGURES = ['fail_open', 'breaker_trips', 'stale_serves', 'ejections', 'lost_writes', 'errors', 'requests'] as const
export type CountFigure = (typeof COUNT_FIGURES)[number]
const COUNT_ALIASES: Record<string, CountFigure> = {
  fail_open: 'fail_open',
  ratelimit_fail_open: 'fail_open',
  rate_limit_fail_open: 'fail_open',
  breaker_trips: 'breaker_trips',
  trips: 'breaker_trips',
  stale_serves: 'stale_serves',
  ejections: 'ejections',
  lost_writes: 'lost_writes',
  lost: 'lost_writes',
  errors: 'errors',
  requests: 'requests',
}

export type Figure = {kind: 'window'; metric: WindowMetric} | {kind: 'count'; metric: CountFigure}

export type Expectation =
  /** `step`: the step named after "of" (null: "of fault", the first step). */
  | {kind: 'detected'; expression: string; signal: Signal; withinMs: number; step: string | null}
  | {kind: 'recovered'; expression: string; withinMs: number}
  | {kind: 'figure'; expression: string; figure: Figure; op: CompareOp; value: number; stage: StageKind | null}

export interface AbortRule {
  expression: string
  check: Extract<Check, {kind: 'metric'}>
  forMs: number
}

const CHECK_FORMS =
  'a check such as "error_rate < 1%", "p99 < 250ms", "cache_hit_rate > 50%", "breaker redis closed", "breakers closed", "gateway ready", "fleet ready" or "fleet in rotation"'
const SIGNAL_FORMS =
  'a signal such as "breaker redis open", "api-2 out of rotation", "gateway degraded", "rate limiter fail-open", "client errors", "stale serves" or "steady state deviates"'
const EXPECTATION_FORMS =
  'an expectation such as "breaker redis opens within 5s of fault", "steady state within 20s of rollback", "error_rate < 1% during fault", "fail_open > 0 during fault" or "lost_writes = 0"'

const SERVICE = /^(gateway|balancer|fleet|api-[1-9][0-9]*)$/
const INSTANCE = /^(api-[1-9][0-9]*|any api)$/

export function parseCheck(text: string): Check {
  const expression = text.trim()
  const words = expression.toLowerCase().split(/\s+/)
  if (words.length === 2 && words[0] === 'breakers' && words[1] === 'closed') return {kind: 'breakers-closed', expression, dependency: null}
  if (words.length === 3 && words[0] === 'breaker' && words[2] === 'closed') return {kind: 'breakers-closed', expression, dependency: dependency(words[1], expression)}
  if (words.length === 2 && words[1] === 'ready') {
    if (!SERVICE.test(words[0])) throw new ExpressionError(`"${expression}": ${words[0]} is not a service with /ready; use gateway, balancer, fleet (every API instance) or api-N.`)
    return {kind: 'ready', expression, service: words[0]}
  }
  if (expression.toLowerCase() === 'fleet in rotation') return {kind: 'in-rotation', expression}
  if (/[<>=]/.test(expression)) return metricCheck(expression)
  throw new ExpressionError(`"${expression}" is not a steady-state check: expected ${CHECK_FORMS}.`)
}

function metricCheck(expression: string): Extract<Check, {kind: 'metric'}> {
  let threshold
  try {
    threshold = parseThreshold(expression)
  } catch (error) {
    if (error instanceof ThresholdSyntaxError) throw new ExpressionError(`${error.message} As a check: expected ${CHECK_FORMS}.`)
    throw error
  }
  if (threshold.phase !== null) throw new ExpressionError(`"${expression}": a steady-state check is judged on the last seconds' window; leave out "during".`)
  if (!WINDOW_METRICS.includes(threshold.metric)) throw new ExpressionError(`"${expression}": ${threshold.metric} cannot be judged per second; use a latency percentile, error_rate, rate_429 or cache_hit_rate.`)
  return {kind: 'metric', expression, metric: threshold.metric as WindowMetric, op: threshold.op, value: threshold.value}
}

export function parseSignal(text: string): Signal {
  const written = text.trim()
  const words = written.toLowerCase().split(/\s+/)
  const joined = words.join(' ')
  if (words.length === 3 && words[0] === 'breaker' && (words[2] === 'open' || words[2] === 'opens')) {
    const dep = dependency(words[1], written)
    return {kind: 'breaker-open', text: `breaker ${dep} open`, dependency: dep}
  }
  const rotation = /^(.+?) (?:is )?(?:out of rotation|ejected)$/.exec(joined)
  if (rotation) {
    if (!INSTANCE.test(rotation[1])) throw new ExpressionError(`"${written}": ${rotation[1]} is not an API instance; use api-N or "any api".`)
    return {kind: 'out-of-rotation', text: `${rotation[1]} out of rotation`, instance: rotation[1]}
  }
  const degraded = /^(.+?) (?:is )?(?:degraded|not ready)$/.exec(joined)
  if (degraded) {
    if (!SERVICE.test(degraded[1])) throw new ExpressionError(`"${written}": ${degraded[1]} is not a service with /ready; use gateway, balancer, fleet or api-N.`)
    return {kind: 'degraded', text: `${degraded[1]} degraded`, service: degraded[1]}
  }
  if (/^(rate ?limiter |ratelimit )?fail[- _]?opens?$/.test(joined)) return {kind: 'fail-open', text: 'rate limiter fail-open'}
  if (joined === 'client errors') return {kind: 'client-errors', text: 'client errors'}
  if (joined === 'stale serves') return {kind: 'stale-serves', text: 'stale serves'}
  if (/^(the )?steady[ -]state (deviates|breaks|broken|fails)$/.test(joined)) return {kind: 'deviation', text: 'steady state deviates'}
  throw new ExpressionError(`"${written}" is not a detection signal: expected ${SIGNAL_FORMS}.`)
}

export function parseExpectation(text: string): Expectation {
  const expression = text.trim()
  const normalized = expression.replace(/\s+/g, ' ')
  const within = /^(.+?) within (\S+) of (.+)$/i.exec(normalized)
  if (within) {
    const [, subject, durationText, anchor] = within
    const withinMs = parseDuration(durationText)
    if (withinMs === undefined) throw new ExpressionError(`"${expression}": "${durationText}" is not a duration such as 5s or 1m.`)
    if (/^(the )?rollback$/i.test(anchor)) {
      if (!/^(the )?steady[ -]state( holds)?( again)?$/i.test(subject)) throw new ExpressionError(`"${expression}": what follows a rollback is "steady state within <duration> of rollback".`)
      return {kind: 'recovered', expression, withinMs}
    }
    const step = /^(the )?fault$/i.test(anchor) ? null : anchor
    return {kind: 'detected', expression, signal: parseSignal(subject), withinMs, step}
  }
  return figureExpectation(expression)
}

const FIGURE = /^\s*([A-Za-z_][A-Za-z0-9_. ]*?)\s*(<=|>=|==|=|<|>)\s*(\S+?)\s*(?:during\s+(\S+))?\s*$/

function figureExpectation(expression: string): Expectation {
  const match = FIGURE.exec(expression)
  if (!match) throw new ExpressionError(`"${expression}" is not an expectation: expected ${EXPECTATION_FORMS}.`)
  const [, name, opText, valueText, stageText] = match
  const op: CompareOp = opText === '==' ? '=' : (opText as CompareOp)
  const stage = stageText === undefined ? null : stageOf(stageText, expression)
  const key = name.trim().toLowerCase().replace(/[\s.]+/g, '_')
  const count = COUNT_ALIASES[key]
  if (count) {
    const value = Number(valueText)
    if (!Number.isFinite(value) || value < 0) throw new ExpressionError(`"${expression}": ${key} is a count; compare it with a number, e.g. "${key} > 0".`)
    if (count === 'lost_writes' && stage !== null) throw new ExpressionError(`"${expression}": writes are checked once, after recovery; leave out "during".`)
    return {kind: 'figure', expression, figure: {kind: 'count', metric: count}, op, value, stage}
  }
  if (op === '=') throw new ExpressionError(`"${expression}": compare ${key} with <, <=, > or >=.`)
  try {
    const threshold = parseThreshold(`${name.trim()} ${op} ${valueText}`)
    if (!WINDOW_METRICS.includes(threshold.metric)) throw new ExpressionError(`"${expression}": ${threshold.metric} is not measured per stage; use a latency percentile, error_rate, rate_429, cache_hit_rate or a count (${COUNT_FIGURES.join(', ')}).`)
    return {kind: 'figure', expression, figure: {kind: 'window', metric: threshold.metric as WindowMetric}, op, value: threshold.value, stage}
  } catch (error) {
    if (error instanceof ThresholdSyntaxError) {
      throw new ExpressionError(`"${expression}" is not an expectation: ${error.message.replace(/^"[^"]*": /, '')} Expected ${EXPECTATION_FORMS}.`)
    }
    throw error
  }
}

export function parseAbortRule(text: string): AbortRule {
  const expression = text.trim()
  const match = /^(.*\S)\s+for\s+(\S+)$/.exec(expression)
  if (!match) throw new ExpressionError(`"${expression}" is not an abort rule: expected "<check> for <duration>", e.g. "error_rate > 50% for 5s".`)
  const forMs = parseDuration(match[2])
  if (forMs === undefined || forMs < 1000) throw new ExpressionError(`"${expression}": "${match[2]}" is not a duration of at least 1s.`)
  const check = parseCheck(match[1])
  if (check.kind !== 'metric') throw new ExpressionError(`"${expression}": an abort rule watches a figure (error_rate, a latency percentile, rate_429, cache_hit_rate) crossing a line.`)
  return {expression, check, forMs}
}

export function compareValues(actual: number, op: CompareOp, value: number): boolean {
  return op === '=' ? Math.abs(actual - value) < 1e-9 : compare(actual, op, value)
}

function dependency(word: string, expression: string): string {
  if (!(DEPENDENCIES as readonly string[]).includes(word)) throw new ExpressionError(`"${expression}": ${word} is not a dependency with a breaker; use ${DEPENDENCIES.join(', ')}.`)
  return word
}

function stageOf(word: string, expression: string): StageKind {
  const lower = word.toLowerCase()
  if (!(STAGE_KINDS as readonly string[]).includes(lower)) throw new ExpressionError(`"${expression}": "during ${word}" names no stage; the stages are ${STAGE_KINDS.join(', ')}.`)
  return lower as StageKind
}
