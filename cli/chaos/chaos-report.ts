// From what a chaos run measured to its report: the bench report of the background load (one
// open-model phase, the per-second series, the system's figures) plus the chaos section — faults
// with their times, the stages' errors and latency (from their own HDR histograms), detection and
// recovery times, the steady-state checks before the fault and after the recovery, each
// expectation's verdict, and the write check. The verdict fails on any of those.
import {mergeHistograms, summarizeLatency} from '../load/latency-histogram.js'
import {addOutcomes, emptyOutcomes} from '../load/outcomes.js'
import type {PhaseResult} from '../load/types.js'
import {buildReport, outcomesOf, reportPercentiles, roundTo} from '../report/build.js'
import {formatMetricValue} from '../report/format.js'
import type {ChaosReport, Environment, LoadSecond, Report, SystemReport, SystemSecond} from '../report/schema.js'
import type {Detection} from './detection.js'
import {compareValues, type CountFigure, type Expectation} from './expressions.js'
import type {ResolvedExperiment, ResolvedStep} from './resolve-experiment.js'
import {figures, type StageTotals} from './response-recorder.js'
import {figureOf, type CheckResult} from './steady-state.js'
import type {WriteCheck} from './write-ledger.js'

export interface FaultRecord {
  step: ResolvedStep
  action: string
  target: string
  /** ms since the start of the load; null when it never went in. */
  injectedAtMs: number | null
  rolledBackAtMs: number | null
}

export interface ChaosRunFigures {
  id: string
  startedAt: Date
  finishedAt: Date
  interrupted: boolean
  command: string[]
  experiment: ResolvedExperiment
  target: Report['target']
  environment: Environment
  phase: PhaseResult
  series: LoadSecond[]
  system: SystemReport
  stages: StageTotals[]
  faults: FaultRecord[]
  detection: Detection[]
  recovery: {startedAtMs: number | null; afterS: number | null}
  /** The checks as judged just before the first fault went in (undefined: none went in). */
  baselineChecks: CheckResult[] | undefined
  /** The checks over the settled seconds after recovery (undefined: no recovery stage). */
  recoveryChecks: CheckResult[] | undefined
  writes: WriteCheck
  abort: {reason: string} | undefined
  rollbackFailures: string[]
  cacheHitRateBetween(fromSecond: number, toSecond: number): number | null
}

export function buildChaosRunReport(run: ChaosRunFigures): Report {
  const durationS = run.phase.durationMs / 1000
  const bench = buildReport({
    id: run.id,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    interrupted: run.interrupted,
    command: run.command,
    scenario: {name: run.experiment.name, description: run.experiment.description, file: run.experiment.file, resolved: run.experiment.asRun},
    target: run.target,
    environment: run.environment,
    phases: [{result: run.phase, startOffsetS: 0, cacheHitRate: run.cacheHitRateBetween(0, Math.max(1, Math.ceil(durationS)))}],
    series: run.series,
    system: run.system,
    thresholds: [],
    notRun: [],
  })
  const chaos = chaosSection(run)
  const failures = [...bench.verdict.failures, ...chaosFailures(run, chaos)]
  return {...bench, kind: 'chaos', chaos, verdict: {passed: failures.length === 0, failures}}
}

export function chaosSection(run: ChaosRunFigures): ChaosReport {
  const checks = run.experiment.checks
  const steadyState: ChaosReport['steadyState'] = []
  const add = (results: CheckResult[] | undefined, stage: string) =>
    results?.forEach((r, i) => steadyState.push({check: checks[i].expression, passed: r.passed, actual: r.actual, stage}))
  add(run.baselineChecks, 'baseline')
  add(run.recoveryChecks, 'recovery')
  return {
    experiment: run.experiment.name,
    faults: run.faults
      .filter((f) => f.injectedAtMs !== null)
      .map((f) => ({step: f.step.name, action: f.action, target: f.target, injectedAtS: seconds(f.injectedAtMs!), rolledBackAtS: f.rolledBackAtMs === null ? null : seconds(f.rolledBackAtMs)})),
    stages: run.stages.map((stage) => {
      const outcomes = outcomesOf(stage.outcomes)
      return {
        name: stage.name,
        kind: stage.kind,
        startOffsetS: seconds(stage.startMs),
        endOffsetS: seconds(stage.endMs ?? stage.startMs),
        outcomes,
        errorRate: outcomes.total > 0 ? roundTo(outcomes.errors / outcomes.total, 6) : 0,
        latencyMs: reportPercentiles(summarizeLatency(stage.histogram)),
      }
    }),
    detection: run.detection,
    recovery: {afterS: run.recovery.afterS},
    steadyState,
    expectations: run.experiment.expectations.map((e) => evaluateExpectation(e, run)),
    writes: {acknowledged: run.writes.acknowledged, checked: run.writes.checked, lost: run.writes.lost, lostIds: run.writes.lostIds},
    aborted: run.abort !== undefined,
    abortReason: run.abort?.reason ?? null,
  }
}

function chaosFailures(run: ChaosRunFigures, chaos: ChaosReport): string[] {
  const failures: string[] = []
  for (const c of chaos.steadyState) {
    if (!c.passed) failures.push(`steady state during ${c.stage}: ${c.check} did not hold (${c.actual === null ? 'not measured' : formatMetricValue(metricName(c.check), c.actual)})`)
  }
  if (run.recovery.startedAtMs !== null && run.recovery.afterS === null) failures.push('the steady state did not hold again after the rollback before the run ended')
  for (const e of chaos.expectations) {
    if (!e.passed) failures.push(`expectation ${e.expression}: ${e.actual === null ? 'not measured' : `was ${e.actual}`}${e.note ? ` (${e.note})` : ''}`)
  }
  if (run.writes.lost > 0) failures.push(`${run.writes.lost} acknowledged writes were lost: ${run.writes.lostIds.slice(0, 20).join(', ')}${run.writes.lostIds.length > 20 ? ', …' : ''}`)
  if (run.writes.acknowledged > 0 && run.writes.checked === 0) failures.push(`the ${run.writes.acknowledged} acknowledged writes could not be checked: ${run.writes.notes.join('; ') || 'no reason recorded'}`)
  if (chaos.aborted) failures.push(`aborted: ${chaos.abortReason}`)
  for (const failure of run.rollbackFailures) failures.push(`${failure} (repair it with: scalelab chaos --rollback)`)
  return failures
}

export function evaluateExpectation(expectation: Expectation, run: ChaosRunFigures): ChaosReport['expectations'][number] {
  const {expression} = expectation
  switch (expectation.kind) {
    case 'detected': {
      const step = expectation.step ?? run.experiment.steps[0]?.name
      const fault = run.faults.find((f) => f.step.name === step)
      if (!fault || fault.injectedAtMs === null) return {expression, passed: false, actual: null, note: `"${step}" was not injected`}
      const afterS = run.detection.find((d) => d.fault === step && d.signal === expectation.signal.text)?.afterS ?? null
      if (afterS === null) return {expression, passed: false, actual: null, note: `${expectation.signal.text} was never observed after ${step}`}
      return {expression, passed: afterS * 1000 <= expectation.withinMs, actual: afterS, note: `after ${step}`}
    }
    case 'recovered': {
      const afterS = run.recovery.afterS
      if (run.recovery.startedAtMs === null) return {expression, passed: false, actual: null, note: 'no rollback completed, so there was no recovery to time'}
      if (afterS === null) return {expression, passed: false, actual: null, note: 'the steady state did not hold again before the run ended'}
      return {expression, passed: afterS * 1000 <= expectation.withinMs, actual: afterS, note: 'after the rollback'}
    }
    case 'figure': {
      const measured = figureValue(expectation, run)
      if (measured.actual === null) return {expression, passed: false, actual: null, note: measured.note}
      return {expression, passed: compareValues(measured.actual, expectation.op, expectation.value), actual: roundTo(measured.actual, 6), ...(measured.note ? {note: measured.note} : {})}
    }
  }
}

function figureValue(expectation: Extract<Expectation, {kind: 'figure'}>, run: ChaosRunFigures): {actual: number | null; note?: string} {
  const {figure, stage} = expectation
  if (figure.kind === 'count' && figure.metric === 'lost_writes') {
    return run.writes.checked > 0 || run.writes.acknowledged === 0 ? {actual: run.writes.lost, note: `of ${run.writes.checked} acknowledged writes checked`} : {actual: null, note: run.writes.notes.join('; ') || 'the writes could not be checked'}
  }
  const stages = stage === null ? run.stages : run.stages.filter((s) => s.kind === stage)
  if (stages.length === 0) return {actual: null, note: `no ${stage} stage ran`}
  const scope = stage === null ? 'the run' : `the ${stage} stage`
  const outcomes = emptyOutcomes()
  for (const s of stages) addOutcomes(outcomes, s.outcomes)
  const load = figures(outcomes, mergeHistograms(stages.map((s) => s.histogram)))
  const fromSecond = Math.floor(stages[0].startMs / 1000)
  const toSecond = Math.max(fromSecond + 1, Math.ceil((stages[stages.length - 1].endMs ?? stages[0].startMs) / 1000))
  if (figure.kind === 'window') {
    if (figure.metric === 'cacheHitRate') {
      if (!run.system.available) return {actual: null, note: 'system metrics unavailable'}
      const rate = run.cacheHitRateBetween(fromSecond, toSecond)
      return rate === null ? {actual: null, note: `no cache lookups in ${scope}`} : {actual: rate}
    }
    const value = figureOf(figure.metric, load)
    return value === null ? {actual: null, note: `no responses in ${scope}`} : {actual: value}
  }
  const metric = figure.metric
  if (metric === 'lost_writes') return {actual: run.writes.lost}
  if (metric === 'errors') return {actual: outcomesOf(outcomes).errors}
  if (metric === 'requests') return {actual: outcomesOf(outcomes).total}
  if (!run.system.available) return {actual: null, note: 'system metrics unavailable'}
  const seconds = run.system.series.filter((s) => s.t >= fromSecond && s.t < toSecond)
  return {actual: seconds.reduce((sum, s) => sum + systemCount(metric, s), 0)}
}

function systemCount(metric: Exclude<CountFigure, 'lost_writes' | 'errors' | 'requests'>, second: SystemSecond): number {
  switch (metric) {
    case 'fail_open':
      return second.rateLimit.failOpen
    case 'breaker_trips':
      return second.breakerTrips
    case 'stale_serves':
      return second.staleServes
    case 'ejections':
      return second.ejections
  }
}

function metricName(check: string): string {
  return /^\s*([A-Za-z_]+)/.exec(check)?.[1] ?? ''
}

function seconds(ms: number): number {
  return roundTo(Math.max(0, ms) / 1000, 3)
}
