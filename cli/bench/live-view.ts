// The LiveSnapshot of a bench run, built on demand from the running phase's snapshot(), the
// per-second series so far and the system sampler's latest second. Cheap: nothing but numbers
// that are already aggregated, so a reporter pulling it cannot disturb the measurement.
import {createLatencyHistogram, percentilesAcross, type Histogram} from '../load/latency-histogram.js'
import {addOutcomes, emptyOutcomes} from '../load/outcomes.js'
import {SATURATED_CPU} from '../load/phase-recorder.js'
import type {OutcomeCounts, PhaseResult, PhaseRun, SecondSample} from '../load/types.js'
import type {SystemSampler} from '../metrics/system-sampler.js'
import type {LoadSecond} from '../report/schema.js'
import type {LatencyTriple, LiveSnapshot} from '../ui/live.js'
import type {ResolvedPhase, ResolvedScenario} from '../scenario/resolve-scenario.js'

const HISTORY_SECONDS = 60

interface CurrentPhase {
  index: number
  phase: ResolvedPhase
  run: PhaseRun
  /** Set when the phase has ended: its figures are in the finished totals, not read from the run again. */
  result?: PhaseResult
}

const RUN_PERCENTILES = [50, 95, 99]

export class LiveView {
  private t0: number | undefined
  private current: CurrentPhase | undefined
  private readonly completed = emptyOutcomes()
  private completedBehind = 0
  /** Every finished phase's latencies, merged as each one ends (the phase under way is added per snapshot without a copy). */
  private readonly finishedLatency = createLatencyHistogram()
  /** The last whole second of the previous phase, shown until the phase under way completes its first. */
  private previousSecond: SecondSample | undefined
  private saturated = false
  private sampler: SystemSampler | undefined
  private metricsAvailable = false

  constructor(
    private readonly scenario: ResolvedScenario,
    private readonly runtime: string,
    private readonly reportDir: string,
    private readonly series: readonly LoadSecond[],
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The load starts now (the system sampler, if any, took its baseline just before). */
  begin(t0: number, sampler: SystemSampler | undefined): void {
    this.t0 = t0
    this.sampler = sampler
    this.metricsAvailable = sampler !== undefined
  }

  phaseStarted(index: number, phase: ResolvedPhase, run: PhaseRun): void {
    this.current = {index, phase, run}
  }

  phaseFinished(result: PhaseResult): void {
    addOutcomes(this.completed, result.outcomes)
    this.completedBehind += result.generatorBehind.dropped + result.generatorBehind.late
    this.saturated ||= result.generator.saturated
    this.finishedLatency.add(result.histogram)
    this.previousSecond = lastWholeSecond(result.seconds) ?? this.previousSecond
    if (this.current && !this.current.result) this.current.result = result
  }

  snapshot(): LiveSnapshot {
    const phases = this.scenario.phases
    const current = this.current
    const index = current?.index ?? 0
    const phase = current?.phase ?? phases[0]
    // A finished phase is counted in the totals already; its run is not asked again (nor counted twice).
    const snap = current && !current.result ? current.run.snapshot() : undefined
    const last = snap?.lastSecond ?? this.previousSecond
    const phaseElapsedMs = snap ? snap.elapsedMs : (current?.result?.durationMs ?? 0)
    const outcomes = emptyOutcomes()
    addOutcomes(outcomes, this.completed)
    if (snap) addOutcomes(outcomes, snap.sofar.outcomes)
    const behind = this.completedBehind + (snap ? snap.sofar.generatorBehind.dropped + snap.sofar.generatorBehind.late : 0)
    const system = this.sampler?.series ?? []
    const latest = this.sampler?.latest()
    return {
      kind: 'bench',
      name: this.scenario.name,
      runtime: this.runtime,
      elapsedS: this.t0 === undefined ? 0 : round((this.now() - this.t0) / 1000),
      totalS: this.scenario.totalMs / 1000,
      phase: {
        name: phase.name,
        index,
        count: phases.length,
        elapsedS: round(Math.min(phaseElapsedMs, phase.durationMs) / 1000),
        durationS: phase.durationMs / 1000,
        model: phase.load.model,
        targetRate: targetRateAt(phase, phaseElapsedMs),
        connections: phase.load.model === 'closed' ? phase.load.connections : null,
      },
      achievedRate: last ? round((last.completed * 1000) / Math.max(last.durationMs, 1)) : 0,
      latency: {lastSecond: triple(last?.latencyMs ?? null), run: this.runLatency(snap?.sofar.histogram)},
      history: {
        p99: this.series.slice(-HISTORY_SECONDS).map((s) => s.p99),
        rate: this.series.slice(-HISTORY_SECONDS).map((s) => s.rate),
        cacheHitRate: system.slice(-HISTORY_SECONDS).map((s) => s.cacheHitRate),
      },
      outcomes: liveOutcomes(outcomes, behind),
      cache: this.metricsAvailable ? {hitRate: latest?.cacheHitRate ?? null, l1: latest?.l1HitRate ?? null, l2: latest?.l2HitRate ?? null} : null,
      breakers: this.sampler?.breakers() ?? [],
      fleet: this.sampler?.fleet() ?? [],
      limits: this.limitsFor(phase.name),
      generatorSaturated: this.saturated || (last?.cpu ?? 0) >= SATURATED_CPU,
      reportDir: this.reportDir,
    }
  }

  /** p50/p95/p99 of every response so far: finished phases merged with the phase under way, as the report's summary merges them. */
  private runLatency(phaseSoFar: Histogram | undefined): LatencyTriple {
    const percentiles = percentilesAcross(phaseSoFar ? [this.finishedLatency, phaseSoFar] : [this.finishedLatency], RUN_PERCENTILES)
    return percentiles ? {p50: round(percentiles[0]), p95: round(percentiles[1]), p99: round(percentiles[2])} : {p50: null, p95: null, p99: null}
  }

  /** Upper limits that apply now (a phase's own over the whole run's), for colouring crossed values. */
  private limitsFor(phaseName: string): LiveSnapshot['limits'] {
    const limits: LiveSnapshot['limits'] = {}
    const upper = this.scenario.thresholds.filter((t) => (t.op === '<' || t.op === '<=') && (t.phase === null || t.phase === phaseName))
    // Whole-run thresholds first, so a phase's own limit overwrites them.
    for (const t of [...upper.filter((t) => t.phase === null), ...upper.filter((t) => t.phase !== null)]) {
      if (t.metric === 'p95') limits.p95Ms = t.value
      else if (t.metric === 'p99') limits.p99Ms = t.value
      else if (t.metric === 'errorRate') limits.errorRate = t.value
    }
    return limits
  }
}

function liveOutcomes(o: OutcomeCounts, behind: number): LiveSnapshot['outcomes'] {
  const serverErrors = o.status5xx + o.statusOther
  return {
    total: o.status2xx + o.status3xx + o.status4xx + o.status429 + serverErrors + o.socketErrors + o.timeouts,
    ok: o.status2xx,
    rateLimited: o.status429,
    clientErrors: o.status4xx,
    serverErrors,
    socketErrors: o.socketErrors,
    timeouts: o.timeouts,
    behind: behind + o.otherErrors,
  }
}

/** A phase's last second, unless it is a short tail (a phase cut at 1.2 s ends with a 0.2 s second). */
function lastWholeSecond(seconds: readonly SecondSample[]): SecondSample | undefined {
  return seconds.findLast((s) => s.durationMs >= 500)
}

function triple(latency: SecondSample['latencyMs']): LatencyTriple {
  return latency ? {p50: round(latency.p50), p95: round(latency.p95), p99: round(latency.p99)} : {p50: null, p95: null, p99: null}
}

/** The arrival rate the schedule asks for at this point of the phase (a ramp climbs linearly). */
function targetRateAt(phase: ResolvedPhase, elapsedMs: number): number | null {
  if (phase.load.model !== 'open') return null
  const rate = phase.load.rate
  if (rate.kind === 'constant') return rate.perSecond
  const progress = Math.min(Math.max(elapsedMs / phase.durationMs, 0), 1)
  return round(rate.from + (rate.to - rate.from) * progress)
}

function round(value: number): number {
  return Math.round(value * 100) / 100
}
