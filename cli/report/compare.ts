// `report compare`: is the current build slower than the baseline, or is the difference noise?
//
// Each side is one run or several repeats of the same scenario. Per phase and metric, a side's
// value is the median of its runs. The noise band is measured from the repeats: the spread
// (max − min) of each side's values relative to their median (for error and cache-hit rates, in
// percentage points), and the wider of the two sides counts. Rules:
// - repeats on both sides: a change is a regression (or improvement) only when it is beyond both
//   the limit and the noise band; beyond the limit but inside the band is inconclusive (too noisy);
//   inside the limit is ok.
// - a single run on a side: there is no noise band; beyond the limit is a regression (marked
//   single-run), inside it is inconclusive.
import {appendFile, writeFile} from 'node:fs/promises'
import {z} from 'zod'
import {UserError} from '../errors.js'
import {comparisonBenchmark, comparisonJunit, renderComparisonMarkdown} from './compare-output.js'
import {loadRunSet, type RunSet} from './run-set.js'
import type {PhaseReport} from './schema.js'
import {spreadOf} from './stats.js'

export const METRIC_KEYS = ['p50', 'p95', 'p99', 'achievedRate', 'errorRate', 'cacheHitRate'] as const
export type MetricKey = (typeof METRIC_KEYS)[number]

export interface MetricDefinition {
  key: MetricKey
  label: string
  unit: 'ms' | 'req/s' | 'ratio'
  better: 'lower' | 'higher'
  /** relative: change in % of the baseline; points: change in percentage points (ratios). */
  change: 'relative' | 'points'
  defaultLimit: number
  read(phase: PhaseReport): number | null
}

export const METRICS: Record<MetricKey, MetricDefinition> = {
  p50: {key: 'p50', label: 'p50', unit: 'ms', better: 'lower', change: 'relative', defaultLimit: 20, read: (p) => p.latencyMs?.p50 ?? null},
  p95: {key: 'p95', label: 'p95', unit: 'ms', better: 'lower', change: 'relative', defaultLimit: 20, read: (p) => p.latencyMs?.p95 ?? null},
  p99: {key: 'p99', label: 'p99', unit: 'ms', better: 'lower', change: 'relative', defaultLimit: 20, read: (p) => p.latencyMs?.p99 ?? null},
  achievedRate: {key: 'achievedRate', label: 'achieved rate', unit: 'req/s', better: 'higher', change: 'relative', defaultLimit: 10, read: (p) => p.achievedRate},
  errorRate: {key: 'errorRate', label: 'error rate', unit: 'ratio', better: 'lower', change: 'points', defaultLimit: 1, read: (p) => p.errorRate},
  // Not fixed by the brief: a 5-point drop in cache hit rate is where cache behaviour visibly changed.
  cacheHitRate: {key: 'cacheHitRate', label: 'cache hit rate', unit: 'ratio', better: 'higher', change: 'points', defaultLimit: 5, read: (p) => p.cacheHitRate},
}

const METRIC_ALIASES: Record<string, MetricKey[]> = {
  latency: ['p50', 'p95', 'p99'],
  rate: ['achievedRate'],
  achieved: ['achievedRate'],
  errors: ['errorRate'],
  cache: ['cacheHitRate'],
}

export const NOISE_BAND_METHOD =
  'spread (max − min) of each side’s repeats relative to their median (percentage points for error and cache-hit rates); the wider side counts'

/**
 * The `compare` section of a scenario file: limits per metric, in % of the baseline (latency
 * percentiles, achieved rate) or percentage points (errorRate, cacheHitRate). `latency` sets all
 * three percentiles. The scenario schema can import this to validate the section where it is read.
 */
export const CompareLimitsSection = z
  .object({
    p50: z.number().positive().optional(),
    p95: z.number().positive().optional(),
    p99: z.number().positive().optional(),
    latency: z.number().positive().optional(),
    achievedRate: z.number().positive().optional(),
    errorRate: z.number().positive().optional(),
    cacheHitRate: z.number().positive().optional(),
  })
  .strict()
export type CompareLimitsSection = z.infer<typeof CompareLimitsSection>

export type LimitSource = 'default' | 'scenario' | 'flag'
export type Limits = Record<MetricKey, {limit: number; source: LimitSource}>

function expandKey(key: string): MetricKey[] | null {
  if ((METRIC_KEYS as readonly string[]).includes(key)) return [key as MetricKey]
  return METRIC_ALIASES[key] ?? null
}

/**
 * Parses `--limit p99=15` flags (also `p95=10,p99=15`); numbers are % or percentage points. A
 * metric named on its own wins over a shorthand such as `latency`, whatever the order.
 */
export function parseLimitFlags(flags: readonly string[]): Partial<Record<MetricKey, number>> {
  const fromShorthand: Partial<Record<MetricKey, number>> = {}
  const named: Partial<Record<MetricKey, number>> = {}
  const valid = [...METRIC_KEYS, ...Object.keys(METRIC_ALIASES)].join(', ')
  for (const item of flags.flatMap((flag) => flag.split(',')).map((s) => s.trim()).filter(Boolean)) {
    const match = /^([A-Za-z][A-Za-z0-9]*)\s*=\s*([0-9]*\.?[0-9]+)\s*(%|pp)?$/.exec(item)
    if (!match) throw new UserError(`--limit ${item} is not metric=number (e.g. --limit p99=15).`, {hint: `Metrics: ${valid}.`})
    const keys = expandKey(match[1])
    if (!keys) throw new UserError(`--limit ${item}: unknown metric "${match[1]}".`, {hint: `Metrics: ${valid}.`})
    const value = Number(match[2])
    if (!(value > 0)) throw new UserError(`--limit ${item}: the limit must be greater than 0.`)
    for (const key of keys) (keys.length === 1 && keys[0] === match[1] ? named : fromShorthand)[key] = value
  }
  return {...fromShorthand, ...named}
}

/** Limits in force: flags over the current run's scenario `compare` section over the defaults. */
export function resolveLimits(flagLimits: Partial<Record<MetricKey, number>>, current: RunSet): Limits {
  const resolved = current.runs[0]?.report.scenario.resolved
  const section = resolved && typeof resolved === 'object' && 'compare' in resolved ? (resolved as {compare: unknown}).compare : undefined
  let fromScenario: Partial<Record<MetricKey, number>> = {}
  if (section !== undefined && section !== null) {
    const parsed = CompareLimitsSection.safeParse(section)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new UserError(
        `The compare section of scenario "${current.scenario}" (in ${current.runs[0].path}) is invalid: ${issue.path.join('.') || 'compare'}: ${issue.message}.`,
        {hint: `Use numbers per metric (${METRIC_KEYS.join(', ')}, latency), e.g. compare: {p99: 15, errorRate: 1}; or override with --limit.`},
      )
    }
    const {latency, ...perMetric} = parsed.data
    fromScenario = {...(latency === undefined ? {} : {p50: latency, p95: latency, p99: latency}), ...perMetric}
  }
  const limits = {} as Limits
  for (const key of METRIC_KEYS) {
    if (flagLimits[key] !== undefined) limits[key] = {limit: flagLimits[key]!, source: 'flag'}
    else if (fromScenario[key] !== undefined) limits[key] = {limit: fromScenario[key]!, source: 'scenario'}
    else limits[key] = {limit: METRICS[key].defaultLimit, source: 'default'}
  }
  return limits
}

export type Status = 'ok' | 'regression' | 'improvement' | 'inconclusive'

export interface SideFigures {
  /** Runs in which the metric was measured. */
  runs: number
  values: number[]
  median: number | null
  min: number | null
  max: number | null
}

export interface MetricComparison {
  phase: string
  metric: MetricKey
  label: string
  unit: MetricDefinition['unit']
  better: MetricDefinition['better']
  /** Unit of change, noise band and limit: % of the baseline, or percentage points. */
  changeUnit: '%' | 'pp'
  baseline: SideFigures
  current: SideFigures
  /** current vs baseline median, signed; ±Infinity when the baseline was 0 and the current is not. */
  change: number | null
  /** null with a single run on a side (no band can be measured). */
  noiseBand: number | null
  limit: number
  limitSource: LimitSource
  status: Status
  singleRun: boolean
  reason: string
}

export interface Comparison {
  scenario: string
  kind: string
  baseline: {source: string; runs: string[]}
  current: {source: string; runs: string[]}
  noiseBandMethod: string
  metrics: MetricComparison[]
  notes: string[]
  counts: Record<Status, number>
  regression: boolean
}

/** The verdict for one metric; pure so the rules can be tested on their own. */
export function judgeChange(input: {change: number; limit: number; noiseBand: number | null; better: 'lower' | 'higher'; changeUnit: '%' | 'pp'}): {status: Status; reason: string} {
  const {change, limit, noiseBand, better, changeUnit} = input
  const magnitude = Math.abs(change)
  const worse = better === 'lower' ? change > 0 : change < 0
  const unit = (value: number) => (changeUnit === '%' ? `${value.toFixed(1)}%` : `${value.toFixed(1)} pp`)
  const direction = worse ? 'worse' : 'better'
  if (noiseBand === null) {
    if (magnitude > limit) {
      return {status: worse ? 'regression' : 'improvement', reason: `${direction} by more than the ${unit(limit)} limit (single run on a side: no noise band)`}
    }
    return {status: 'inconclusive', reason: `inside the ${unit(limit)} limit, but a single run on a side gives no noise band to judge a small change by`}
  }
  if (magnitude <= limit) return {status: 'ok', reason: `inside the ${unit(limit)} limit`}
  if (magnitude <= noiseBand) return {status: 'inconclusive', reason: `beyond the ${unit(limit)} limit but inside the ${unit(noiseBand)} noise band (too noisy: run more repeats)`}
  return {status: worse ? 'regression' : 'improvement', reason: `${direction}, beyond both the ${unit(limit)} limit and the ${unit(noiseBand)} noise band`}
}

function sideFigures(values: number[]): SideFigures {
  if (values.length === 0) return {runs: 0, values, median: null, min: null, max: null}
  const spread = spreadOf(values)
  return {runs: values.length, values, median: spread.median, min: spread.min, max: spread.max}
}

function changeOf(definition: MetricDefinition, baseline: number, current: number): number {
  if (definition.change === 'points') return (current - baseline) * 100
  if (baseline === 0) return current === 0 ? 0 : current > 0 ? Infinity : -Infinity
  return ((current - baseline) / Math.abs(baseline)) * 100
}

function bandOf(definition: MetricDefinition, values: number[]): number {
  const spread = spreadOf(values)
  return definition.change === 'points' ? spread.range * 100 : spread.relativeRange * 100
}

export function compareRunSets(baseline: RunSet, current: RunSet, limits: Limits): Comparison {
  if (baseline.scenario !== current.scenario || baseline.kind !== current.kind) {
    throw new UserError(
      `The baseline is ${baseline.kind} "${baseline.scenario}" but the current run is ${current.kind} "${current.scenario}": compare runs of the same scenario.`,
      {hint: 'Point both arguments at reports of one scenario (e.g. reports/baselines/<scenario> and the new run directory).'},
    )
  }
  const phaseNames = (set: RunSet) => [...new Set(set.runs.flatMap((run) => run.report.phases.map((p) => p.name)))]
  const baselinePhases = phaseNames(baseline)
  const currentPhases = phaseNames(current)
  const shared = baselinePhases.filter((name) => currentPhases.includes(name))
  const notes: string[] = []
  const onlyBaseline = baselinePhases.filter((name) => !currentPhases.includes(name))
  const onlyCurrent = currentPhases.filter((name) => !baselinePhases.includes(name))
  if (onlyBaseline.length) notes.push(`Phases only in the baseline (not compared): ${onlyBaseline.join(', ')}.`)
  if (onlyCurrent.length) notes.push(`Phases only in the current run (not compared): ${onlyCurrent.join(', ')}.`)
  if (shared.length === 0) {
    throw new UserError(`The baseline and the current run of "${current.scenario}" have no phase in common, so there is nothing to compare.`, {
      hint: 'The scenario changed its phases: record a new baseline from the current scenario.',
    })
  }
  if (baseline.runs.length === 1 || current.runs.length === 1) {
    notes.push('A single run on a side has no noise band: changes inside the limit are inconclusive. Use --repeat 3 or more on both sides.')
  }
  const interrupted = [...baseline.runs, ...current.runs].filter((run) => run.report.interrupted)
  if (interrupted.length) notes.push(`Partial (interrupted) runs included: ${interrupted.map((run) => run.path).join(', ')}.`)

  const metrics: MetricComparison[] = []
  for (const phase of shared) {
    for (const key of METRIC_KEYS) {
      const definition = METRICS[key]
      const valuesOf = (set: RunSet) =>
        set.runs.flatMap((run) => {
          const found = run.report.phases.find((p) => p.name === phase)
          const value = found ? definition.read(found) : null
          return value === null || !Number.isFinite(value) ? [] : [value]
        })
      const b = sideFigures(valuesOf(baseline))
      const c = sideFigures(valuesOf(current))
      if (b.runs === 0 && c.runs === 0) continue // Not measured anywhere (e.g. no system metrics): nothing to say.
      const {limit, source} = limits[key]
      const changeUnit = definition.change === 'points' ? 'pp' : '%'
      const base = {phase, metric: key, label: definition.label, unit: definition.unit, better: definition.better, changeUnit, baseline: b, current: c, limit, limitSource: source} as const
      if (b.runs === 0 || c.runs === 0) {
        metrics.push({...base, change: null, noiseBand: null, status: 'inconclusive', singleRun: false, reason: `not measured in the ${b.runs === 0 ? 'baseline' : 'current run'}`})
        continue
      }
      const singleRun = b.runs === 1 || c.runs === 1
      const change = changeOf(definition, b.median!, c.median!)
      const noiseBand = singleRun ? null : Math.max(bandOf(definition, b.values), bandOf(definition, c.values))
      const verdict = judgeChange({change, limit, noiseBand, better: definition.better, changeUnit})
      metrics.push({...base, change, noiseBand, singleRun, ...verdict})
    }
  }
  const counts: Record<Status, number> = {ok: 0, regression: 0, improvement: 0, inconclusive: 0}
  for (const metric of metrics) counts[metric.status]++
  return {
    scenario: current.scenario,
    kind: current.kind,
    baseline: {source: baseline.source, runs: baseline.runs.map((r) => r.path)},
    current: {source: current.source, runs: current.runs.map((r) => r.path)},
    noiseBandMethod: NOISE_BAND_METHOD,
    metrics,
    notes,
    counts,
    regression: counts.regression > 0,
  }
}

export interface CompareReportsOptions {
  baseline: string
  current: string
  /** Raw `--limit` flag values. */
  limits: readonly string[]
  benchmarkFile?: string
  junitFile?: string
  /** $GITHUB_STEP_SUMMARY: the Markdown is appended there when set. */
  stepSummaryFile?: string
}

/** The whole `report compare`: load both sides, judge every metric, write the requested files. */
export async function compareReports(options: CompareReportsOptions): Promise<{comparison: Comparison; markdown: string}> {
  const flagLimits = parseLimitFlags(options.limits)
  const baseline = await loadRunSet(options.baseline)
  const current = await loadRunSet(options.current)
  const comparison = compareRunSets(baseline, current, resolveLimits(flagLimits, current))
  const markdown = renderComparisonMarkdown(comparison)
  if (options.benchmarkFile) await writeFile(options.benchmarkFile, `${JSON.stringify(comparisonBenchmark(comparison), null, 2)}\n`, 'utf8')
  if (options.junitFile) await writeFile(options.junitFile, comparisonJunit(comparison), 'utf8')
  if (options.stepSummaryFile) await appendFile(options.stepSummaryFile, `${markdown}\n`, 'utf8')
  return {comparison, markdown}
}
