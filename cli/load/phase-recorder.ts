// What both engines share: counting outcomes, recording latency into HDR histograms, cutting the
// phase into per-second samples, watching the generator's own CPU, and building the PhaseResult.
// Every method takes the time from the caller, so a fake clock drives it exactly in tests.
import type {Histogram} from 'hdr-histogram-js'
import {createLatencyHistogram, recordLatencyMs, summarizeLatency, summarizeSecondLatency} from './latency-histogram.js'
import {countFailure, countStatus, emptyOutcomes, responsesIn, type FailureKind} from './outcomes.js'
import type {
  CpuTimes,
  GeneratorBehindCounts,
  GeneratorHealth,
  LoadModel,
  PhaseResult,
  PhaseSnapshot,
  PhaseSpec,
  SecondSample,
} from './types.js'

/** Node runs the engine's JavaScript on one thread: at 0.9 of a core its event loop has no slack left. */
export const SATURATED_CPU = 0.9
/** The generator is called saturated when at least this share of the phase's seconds ran hot... */
export const SATURATED_HOT_SECONDS_SHARE = 0.2
/** ...or when more than this share of requests went out late. */
export const SATURATED_LATE_SHARE = 0.01

export interface PhaseRecorderOptions {
  name?: string
  model: LoadModel
  plannedDurationMs: number
  /** Clock reading at the phase start. */
  startMs: number
  /** Process CPU time in microseconds (process.cpuUsage by default; a fake in tests). */
  cpuUsage?: () => CpuTimes
  /** Open model: arrivals per second the schedule asks for between two offsets. */
  targetRateBetween?: (fromOffsetMs: number, toOffsetMs: number) => number
  /** Open model: sends later than this after their intended time count as late. */
  lateAfterMs?: number
  onSecond?: (sample: SecondSample) => void
}

export interface FinishInfo {
  spec: PhaseSpec
  startedAt: Date
  /** Clock reading when sending stopped (the end of the phase's active window). */
  sendingStoppedMs: number
  aborted: boolean
  scheduled?: number
  targetRate?: number
  connections?: number
}

const emptyBehind = (): GeneratorBehindCounts => ({dropped: 0, late: 0})

export class PhaseRecorder {
  readonly histogram: Histogram = createLatencyHistogram()
  private readonly sendLag: Histogram | undefined
  private readonly outcomes = emptyOutcomes()
  private readonly behind = emptyBehind()
  private sent = 0
  private finished = 0
  private readonly seconds: SecondSample[] = []

  private secondIndex = 0
  private secondStart: number
  private secondSent = 0
  private secondFinished = 0
  private secondOutcomes = emptyOutcomes()
  private secondBehind = emptyBehind()
  private readonly secondHistogram: Histogram = createLatencyHistogram()

  private readonly cpuUsage: () => CpuTimes
  private cpuLast: CpuTimes
  private cpuLastMs: number
  private closed = false

  constructor(private readonly options: PhaseRecorderOptions) {
    this.secondStart = options.startMs
    this.cpuUsage = options.cpuUsage ?? (() => process.cpuUsage())
    this.cpuLast = this.cpuUsage()
    this.cpuLastMs = options.startMs
    if (options.model === 'open') this.sendLag = createLatencyHistogram()
  }

  get inFlight(): number {
    return this.sent - this.finished
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** A request went out; `lagMs` is how long after its intended time (open model). */
  recordSent(now: number, lagMs?: number): void {
    if (this.closed) return
    this.advance(now)
    this.sent++
    this.secondSent++
    if (lagMs !== undefined && this.sendLag) {
      recordLatencyMs(this.sendLag, Math.max(lagMs, 0))
      if (lagMs > (this.options.lateAfterMs ?? Infinity)) {
        this.behind.late++
        this.secondBehind.late++
      }
    }
  }

  /** An arrival was due but no connection was free within the pool's bound. */
  recordDropped(now: number): void {
    if (this.closed) return
    this.advance(now)
    this.behind.dropped++
    this.secondBehind.dropped++
  }

  recordResponse(now: number, status: number, latencyMs: number): void {
    if (this.closed) return
    this.advance(now)
    this.finished++
    this.secondFinished++
    countStatus(this.outcomes, status)
    countStatus(this.secondOutcomes, status)
    recordLatencyMs(this.histogram, latencyMs)
    recordLatencyMs(this.secondHistogram, latencyMs)
  }

  recordFailure(now: number, kind: FailureKind): void {
    if (this.closed) return
    this.advance(now)
    this.finished++
    this.secondFinished++
    countFailure(this.outcomes, kind)
    countFailure(this.secondOutcomes, kind)
  }

  /** Closes every second that has fully elapsed by `now` (called on each event and by a 1 Hz timer). */
  advance(now: number): void {
    if (now < this.secondStart + 1000 || this.closed) return
    const cpu = this.readCpu(now)
    while (now >= this.secondStart + 1000) this.closeSecond(this.secondStart + 1000, cpu)
  }

  /** The clock reading at which the current second ends (for aligning the 1 Hz timer). */
  get nextSecondAt(): number {
    return this.secondStart + 1000
  }

  snapshot(now: number): PhaseSnapshot {
    this.advance(now)
    const responses = summarizeSecondLatency(this.histogram)
    return {
      phase: this.options.name,
      model: this.options.model,
      elapsedMs: now - this.options.startMs,
      plannedDurationMs: this.options.plannedDurationMs,
      current: this.currentSample(now, this.cpuSince(now)),
      lastSecond: this.seconds[this.seconds.length - 1],
      sofar: {
        sent: this.sent,
        completed: this.finished,
        outcomes: {...this.outcomes},
        generatorBehind: {...this.behind},
        latencyMs: responses,
        inFlight: this.inFlight,
        histogram: this.histogram,
      },
    }
  }

  /** Ends recording: later events are ignored; what is still in flight is reported as unfinished. */
  finish(now: number, info: FinishInfo): PhaseResult {
    this.advance(now)
    if (now > this.secondStart) this.closeSecond(now, this.readCpu(now))
    this.closed = true

    const activeSeconds = Math.max(info.sendingStoppedMs - this.options.startMs, 0) / 1000
    const perSecond = (count: number) => (activeSeconds > 0 ? count / activeSeconds : 0)
    const sendLag = this.sendLag && this.sendLag.totalCount > 0
      ? {p50: this.sendLag.getValueAtPercentile(50) / 1000, p99: this.sendLag.getValueAtPercentile(99) / 1000, max: this.sendLag.maxValue / 1000}
      : undefined

    return {
      name: info.spec.name,
      model: this.options.model,
      load: info.spec.load,
      target: info.spec.target,
      startedAt: info.startedAt.toISOString(),
      plannedDurationMs: this.options.plannedDurationMs,
      durationMs: activeSeconds * 1000,
      aborted: info.aborted,
      targetRate: info.targetRate,
      connections: info.connections,
      achievedRate: perSecond(this.sent),
      throughput: perSecond(responsesIn(this.outcomes)),
      totals: {scheduled: info.scheduled ?? this.sent, sent: this.sent, unfinished: this.inFlight},
      outcomes: {...this.outcomes},
      generatorBehind: {
        ...this.behind,
        ...(this.options.model === 'open' ? {lateAfterMs: this.options.lateAfterMs, sendLagMs: sendLag} : {}),
      },
      latencyMs: summarizeLatency(this.histogram),
      histogram: this.histogram,
      seconds: this.seconds,
      generator: this.generatorHealth(),
    }
  }

  private generatorHealth(): GeneratorHealth {
    // Only whole seconds judge saturation: a short tail second says little about a steady state.
    const whole = this.seconds.filter((s) => s.durationMs >= 900)
    const cpus = this.seconds.map((s) => s.cpu)
    const cpuMean = cpus.length ? cpus.reduce((a, b) => a + b, 0) / cpus.length : 0
    const cpuMax = cpus.length ? Math.max(...cpus) : 0
    const hot = whole.filter((s) => s.cpu >= SATURATED_CPU).length
    const hotSecondsShare = whole.length ? hot / whole.length : 0
    const lateShare = this.sent > 0 ? this.behind.late / this.sent : 0
    const reasons: string[] = []
    if (whole.length > 0 && hotSecondsShare >= SATURATED_HOT_SECONDS_SHARE) {
      reasons.push(`the load generator used ≥ ${SATURATED_CPU} of a CPU core in ${Math.round(hotSecondsShare * 100)}% of seconds`)
    }
    if (lateShare > SATURATED_LATE_SHARE) {
      reasons.push(`${(lateShare * 100).toFixed(1)}% of requests were sent more than ${this.options.lateAfterMs} ms after their intended time`)
    }
    return {cpuMean, cpuMax, hotSecondsShare, saturated: reasons.length > 0, ...(reasons.length ? {reason: reasons.join('; ')} : {})}
  }

  private readCpu(now: number): number {
    const cores = this.cpuSince(now)
    this.cpuLast = this.cpuUsage()
    this.cpuLastMs = now
    return cores
  }

  /** Cores used since the last reading, without resetting it. */
  private cpuSince(now: number): number {
    const elapsedMs = now - this.cpuLastMs
    if (elapsedMs <= 0) return 0
    const usage = this.cpuUsage()
    const cpuMs = (usage.user - this.cpuLast.user + usage.system - this.cpuLast.system) / 1000
    return Math.max(cpuMs / elapsedMs, 0)
  }

  private currentSample(endMs: number, cpu: number): SecondSample {
    const durationMs = Math.max(endMs - this.secondStart, 0)
    const perSecond = (count: number) => (durationMs > 0 ? (count * 1000) / durationMs : 0)
    const from = this.secondStart - this.options.startMs
    return {
      ...(this.options.name !== undefined ? {phase: this.options.name} : {}),
      second: this.secondIndex,
      durationMs,
      ...(this.options.targetRateBetween ? {targetRate: this.options.targetRateBetween(from, from + durationMs)} : {}),
      sent: this.secondSent,
      completed: this.secondFinished,
      rate: perSecond(responsesIn(this.secondOutcomes)),
      outcomes: {...this.secondOutcomes},
      generatorBehind: {...this.secondBehind},
      latencyMs: summarizeSecondLatency(this.secondHistogram),
      inFlight: this.inFlight,
      cpu,
    }
  }

  private closeSecond(endMs: number, cpu: number): void {
    const sample = this.currentSample(endMs, cpu)
    this.seconds.push(sample)
    this.secondIndex++
    this.secondStart = endMs
    this.secondSent = 0
    this.secondFinished = 0
    this.secondOutcomes = emptyOutcomes()
    this.secondBehind = emptyBehind()
    this.secondHistogram.reset()
    this.options.onSecond?.(sample)
  }
}

