// Every response of the background load, as the engine hands it over (outcome and latency from the
// intended send time), kept two ways: per stage (baseline, fault, recovery) in one HDR histogram and
// outcome count each, for the report's exact stage figures; and per second of completion, for the
// steady-state checks judged on the last seconds' window. Seconds older than the window are merged
// away, so memory stays flat however long the run.
import {createLatencyHistogram, recordLatencyMs, summarizeLatency, type Histogram} from '../load/latency-histogram.js'
import {addOutcomes, countFailure, countStatus, emptyOutcomes, type FailureKind} from '../load/outcomes.js'
import type {LatencySummary, OutcomeCounts} from '../load/types.js'
import type {StageKind} from './expressions.js'

export interface StageTotals {
  kind: StageKind
  name: string
  /** ms since the start of the load. */
  startMs: number
  endMs: number | null
  outcomes: OutcomeCounts
  histogram: Histogram
}

interface SecondBucket {
  second: number
  outcomes: OutcomeCounts
  histogram: Histogram
  /** ms since the start of the load of this second's first error (5xx, socket error, timeout), if any. */
  firstErrorMs: number | null
}

export interface WindowFigures {
  outcomes: OutcomeCounts
  /** Responses (any status) that completed in the window. */
  responses: number
  errors: number
  latency: LatencySummary | null
}

export class ResponseRecorder {
  private readonly stageList: StageTotals[] = []
  private readonly buckets = new Map<number, SecondBucket>()

  /** @param keepSeconds how many whole seconds back a window may reach */
  constructor(private readonly keepSeconds: number) {
    this.stageList.push(newStage('baseline', 'baseline', 0))
  }

  /** Responses completing from `atMs` (ms since the start of the load) on belong to a new stage. */
  beginStage(kind: StageKind, name: string, atMs: number): void {
    const current = this.current
    current.endMs = atMs
    this.stageList.push(newStage(kind, name, atMs))
  }

  get current(): StageTotals {
    return this.stageList[this.stageList.length - 1]
  }

  stages(endMs: number): StageTotals[] {
    return this.stageList.map((s) => ({...s, endMs: s.endMs ?? endMs}))
  }

  /** One response or failure that completed `atMs` after the start of the load. */
  record(atMs: number, result: {status: number} | {failure: FailureKind}, latencyMs: number): void {
    const second = Math.floor(atMs / 1000)
    let bucket = this.buckets.get(second)
    if (!bucket) {
      bucket = {second, outcomes: emptyOutcomes(), histogram: createLatencyHistogram(), firstErrorMs: null}
      this.buckets.set(second, bucket)
    }
    const targets: Array<{outcomes: OutcomeCounts; histogram: Histogram}> = [bucket, this.current]
    const isError = 'failure' in result ? result.failure !== 'other-error' : result.status >= 500 || result.status < 100
    for (const target of targets) {
      if ('failure' in result) countFailure(target.outcomes, result.failure)
      else {
        countStatus(target.outcomes, result.status)
        recordLatencyMs(target.histogram, latencyMs)
      }
    }
    if (isError && bucket.firstErrorMs === null) bucket.firstErrorMs = atMs
  }

  /** Figures of the whole seconds [fromSecond, toSecond). */
  window(fromSecond: number, toSecond: number): WindowFigures {
    const outcomes = emptyOutcomes()
    const histogram = createLatencyHistogram()
    for (const bucket of this.buckets.values()) {
      if (bucket.second < fromSecond || bucket.second >= toSecond) continue
      addOutcomes(outcomes, bucket.outcomes)
      histogram.add(bucket.histogram)
    }
    return figures(outcomes, histogram)
  }

  /** The earliest error at or after `sinceMs`, among the seconds still kept. */
  firstErrorSince(sinceMs: number): number | null {
    let first: number | null = null
    for (const bucket of this.buckets.values()) {
      if (bucket.firstErrorMs !== null && bucket.firstErrorMs >= sinceMs && (first === null || bucket.firstErrorMs < first)) first = bucket.firstErrorMs
    }
    return first
  }

  /** Forgets the seconds no window can reach any more (called once a second). */
  prune(currentSecond: number): void {
    for (const second of this.buckets.keys()) if (second < currentSecond - this.keepSeconds) this.buckets.delete(second)
  }
}

function newStage(kind: StageKind, name: string, startMs: number): StageTotals {
  return {kind, name, startMs, endMs: null, outcomes: emptyOutcomes(), histogram: createLatencyHistogram()}
}

export function figures(outcomes: OutcomeCounts, histogram: Histogram): WindowFigures {
  const responses = outcomes.status2xx + outcomes.status3xx + outcomes.status4xx + outcomes.status429 + outcomes.status5xx + outcomes.statusOther
  const errors = outcomes.status5xx + outcomes.statusOther + outcomes.socketErrors + outcomes.timeouts
  return {outcomes, responses, errors, latency: summarizeLatency(histogram)}
}
