// From what a bench run measured (the engines' phase results, their per-second samples, the system
// sampler's series) to the report. Nothing here measures: every figure is carried over or derived
// exactly (whole-run percentiles from merged HDR histograms, never averaged percentiles).
import {mergeHistograms, summarizeLatency} from '../load/latency-histogram.js'
import {addOutcomes, emptyOutcomes} from '../load/outcomes.js'
import type {LatencySummary, OutcomeCounts, PhaseResult, SecondSample} from '../load/types.js'
import {formatMetricValue} from './format.js'
import type {Environment, LoadSecond, Outcomes, Percentiles, PhaseReport, Report, SystemReport} from './schema.js'
import {REPORT_SCHEMA_VERSION} from './schema.js'
import {evaluateThresholds, failureLine, type Threshold} from './thresholds.js'

export interface PhaseRecord {
  result: PhaseResult
  /** Seconds from the start of the run to the start of this phase. */
  startOffsetS: number
  /** Cache hit rate over the phase's seconds, from the system's metrics. */
  cacheHitRate: number | null
  /** Present for phases with a knee rule: where it was found (null: not within the phase). */
  knee?: PhaseReport['knee']
}

export interface BuildReportInput {
  id: string
  startedAt: Date
  finishedAt: Date
  interrupted: boolean
  command: string[]
  scenario: Report['scenario']
  target: Report['target']
  environment: Environment
  phases: PhaseRecord[]
  series: LoadSecond[]
  system: SystemReport
  thresholds: readonly Threshold[]
  /** Phases of the scenario that did not run (stopped early). */
  notRun: string[]
}

export function buildReport(input: BuildReportInput): Report {
  const phases = input.phases.map(phaseReport)
  const results = input.phases.map((p) => p.result)
  const outcomes = sumOutcomes(results.map((r) => r.outcomes))
  const counted = outcomesOf(outcomes)
  const activeS = results.reduce((sum, r) => sum + r.durationMs / 1000, 0)
  const sent = results.reduce((sum, r) => sum + r.totals.sent, 0)
  const merged = results.length ? summarizeLatency(mergeHistograms(results.map((r) => r.histogram))) : null
  const lastPhase = input.phases[input.phases.length - 1]
  const summary: Report['summary'] = {
    durationS: lastPhase ? roundTo(lastPhase.startOffsetS + lastPhase.result.durationMs / 1000, 3) : 0,
    latencyMs: reportPercentiles(merged),
    requests: {total: counted.total, ok: counted.ok, errors: counted.errors, rateLimited: counted.rateLimited, clientErrors: counted.clientErrors},
    achievedRate: activeS > 0 ? roundTo(sent / activeS, 2) : 0,
    errorRate: share(counted.errors, counted.total),
    rateLimitedRate: share(counted.rateLimited, counted.total),
    cacheHitRate: input.system.available ? input.system.totals.cacheHitRate : null,
    breakerTrips: input.system.available ? input.system.totals.breakerTrips : null,
    generatorBehind: phases.reduce((sum, p) => sum + p.generator.behind, 0),
    generatorSaturated: phases.some((p) => p.generator.saturated),
    generatorRssMb: generatorMemory(input.series),
  }
  const thresholds = evaluateThresholds(input.thresholds, {phases, summary, system: input.system})
  const failures = thresholds.filter((t) => !t.passed).map((t) => failureLine(t, formatMetricValue))
  if (input.interrupted) {
    failures.push(`The run was stopped early${input.notRun.length ? `; phases not run: ${input.notRun.join(', ')}` : ''}: the report is partial.`)
  }
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    kind: 'bench',
    id: input.id,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    interrupted: input.interrupted,
    command: input.command,
    scenario: input.scenario,
    target: input.target,
    environment: input.environment,
    phases,
    summary,
    series: input.series,
    system: input.system,
    thresholds,
    verdict: {passed: failures.length === 0, failures},
  }
}

export function phaseReport(record: PhaseRecord): PhaseReport {
  const {result} = record
  const outcomes = outcomesOf(result.outcomes)
  const load = result.load
  const report: PhaseReport = {
    name: result.name ?? 'phase',
    model: result.model,
    startOffsetS: roundTo(record.startOffsetS, 3),
    durationS: roundTo(result.durationMs / 1000, 3),
    targetRate:
      load.model === 'open'
        ? {
            from: load.rate.kind === 'constant' ? load.rate.perSecond : load.rate.from,
            to: load.rate.kind === 'constant' ? load.rate.perSecond : load.rate.to,
            mean: roundTo(result.targetRate ?? 0, 2),
          }
        : null,
    connections: load.model === 'closed' ? load.connections : null,
    pipelining: load.model === 'closed' ? (load.pipelining ?? 1) : null,
    achievedRate: roundTo(result.achievedRate, 2),
    outcomes,
    errorRate: share(outcomes.errors, outcomes.total),
    rateLimitedRate: share(outcomes.rateLimited, outcomes.total),
    latencyMs: reportPercentiles(result.latencyMs),
    generator: {
      behind: behindOf(result.outcomes, result.generatorBehind),
      cpuPercentMean: roundTo(result.generator.cpuMean * 100, 2),
      cpuPercentMax: roundTo(result.generator.cpuMax * 100, 2),
      saturated: result.generator.saturated,
    },
    cacheHitRate: record.cacheHitRate,
  }
  if (record.knee !== undefined) report.knee = record.knee
  return report
}

/**
 * The engine's outcome classes in the report's terms. A final status outside 2xx–5xx (1xx, or
 * not HTTP at all) is a fault of the server; the generator's own failures (e.g. out of file
 * descriptors) are not the system's: they count as requests the generator fell behind on.
 */
export function outcomesOf(counts: OutcomeCounts): Outcomes {
  const serverErrors = counts.status5xx + counts.statusOther
  const errors = serverErrors + counts.socketErrors + counts.timeouts
  return {
    total: counts.status2xx + counts.status3xx + counts.status4xx + counts.status429 + errors,
    ok: counts.status2xx,
    redirects: counts.status3xx,
    clientErrors: counts.status4xx,
    rateLimited: counts.status429,
    serverErrors,
    socketErrors: counts.socketErrors,
    timeouts: counts.timeouts,
    errors,
  }
}

/** Dropped (no free connection at the intended time), sent late, or not sendable by the generator. */
export function behindOf(outcomes: OutcomeCounts, behind: {dropped: number; late: number}): number {
  return behind.dropped + behind.late + outcomes.otherErrors
}

/** The generator's RSS over the run (first, last, highest second), from the per-second series. */
export function generatorMemory(series: readonly LoadSecond[]): {first: number; last: number; max: number} | null {
  const rss = series.flatMap((s) => (s.rssMb === undefined ? [] : [s.rssMb]))
  if (!rss.length) return null
  return {first: rss[0], last: rss[rss.length - 1], max: Math.max(...rss)}
}

/** One second of the load series; `t` is seconds since the start of the run. */
export function loadSecond(sample: SecondSample, t: number, phase: string): LoadSecond {
  const o = sample.outcomes
  return {
    t,
    phase,
    targetRate: sample.targetRate === undefined ? null : roundTo(sample.targetRate, 2),
    rate: roundTo(sample.rate, 2),
    ok: o.status2xx,
    rateLimited: o.status429,
    clientErrors: o.status4xx,
    serverErrors: o.status5xx + o.statusOther,
    socketErrors: o.socketErrors,
    timeouts: o.timeouts,
    behind: behindOf(o, sample.generatorBehind),
    p50: sample.latencyMs ? roundTo(sample.latencyMs.p50, 3) : null,
    p95: sample.latencyMs ? roundTo(sample.latencyMs.p95, 3) : null,
    p99: sample.latencyMs ? roundTo(sample.latencyMs.p99, 3) : null,
    max: sample.latencyMs ? roundTo(sample.latencyMs.max, 3) : null,
    cpuPercent: roundTo(sample.cpu * 100, 2),
  }
}

/** A latency summary as the report keeps it: milliseconds to the microsecond. */
export function reportPercentiles(summary: LatencySummary | null): Percentiles | null {
  if (!summary) return null
  return {
    p50: roundTo(summary.p50, 3),
    p90: roundTo(summary.p90, 3),
    p95: roundTo(summary.p95, 3),
    p99: roundTo(summary.p99, 3),
    p999: roundTo(summary.p999, 3),
    max: roundTo(summary.max, 3),
    mean: roundTo(summary.mean, 3),
  }
}

function sumOutcomes(all: OutcomeCounts[]): OutcomeCounts {
  const total = emptyOutcomes()
  for (const o of all) addOutcomes(total, o)
  return total
}

function share(part: number, total: number): number {
  return total > 0 ? roundTo(part / total, 6) : 0
}

/** The system's figures when none were read: counts at zero, rates null (nothing to divide by). */
export function emptySystemTotals(): SystemReport['totals'] {
  return {
    cacheHitRate: null,
    cacheHitRateByLayer: {l1: null, l2: null},
    cacheLookups: 0,
    staleServes: 0,
    breakerTrips: 0,
    breakerTripsByDependency: {},
    rateLimit: {allowed: 0, limited: 0, failOpen: 0},
    perInstanceRequests: {},
    ejections: 0,
    maxPoolWaiting: 0,
  }
}

/** The system section of a run whose metrics were not read, saying why. */
export function unavailableSystem(reason: string): SystemReport {
  return {available: false, reason, sources: {}, totals: emptySystemTotals(), series: []}
}

export function roundTo(value: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}
