// Finding the knee of a ramp: the first second from which a condition (p99 over a line, errors over
// a share, ...) holds without a break for the rule's window. Judged on the engine's per-second
// samples as they close, so a ramp can stop at its knee instead of overloading the lab for nothing.
import type {SecondSample} from '../load/types.js'
import {compare, type Threshold} from '../report/thresholds.js'
import type {KneeRule} from '../scenario/resolve-scenario.js'

/** Seconds shorter than this (the last, partial one) are not judged. */
const MIN_SAMPLE_MS = 500

export interface KneePoint {
  /** 0-based second of the phase. */
  second: number
  targetRate: number | null
  /** Requests sent per second in that second. */
  achievedRate: number
}

export interface KneeFinding extends KneePoint {
  condition: string
  lastGood: KneePoint | null
}

export class KneeWatch {
  private streak: {start: KneePoint; condition: string; ms: number} | undefined
  private lastGood: KneePoint | null = null
  private finding: KneeFinding | undefined

  constructor(private readonly rule: KneeRule) {}

  get found(): KneeFinding | undefined {
    return this.finding
  }

  /** Feeds one closed second; returns the finding in the second it is confirmed. */
  observe(sample: SecondSample): KneeFinding | undefined {
    if (this.finding || sample.durationMs < MIN_SAMPLE_MS) return undefined
    const point: KneePoint = {
      second: sample.second,
      targetRate: sample.targetRate === undefined ? null : round(sample.targetRate),
      achievedRate: round((sample.sent * 1000) / sample.durationMs),
    }
    const crossed = this.rule.when.find((condition) => holds(condition, sample))
    if (!crossed) {
      this.streak = undefined
      this.lastGood = point
      return undefined
    }
    this.streak ??= {start: point, condition: crossed.expression, ms: 0}
    this.streak.ms += sample.durationMs
    if (this.streak.ms + 1 < this.rule.forMs) return undefined
    this.finding = {...this.streak.start, condition: this.streak.condition, lastGood: this.lastGood}
    return this.finding
  }
}

/** Whether a condition holds in one second. Requests sent but none answered is a stall: every latency line is crossed. */
export function holds(condition: Threshold, sample: SecondSample): boolean {
  const o = sample.outcomes
  const completed = sample.completed
  switch (condition.metric) {
    case 'p50':
    case 'p95':
    case 'p99':
    case 'max': {
      if (!sample.latencyMs) return sample.sent > 0 && completed === 0 && sample.inFlight > 0
      return compare(sample.latencyMs[condition.metric], condition.op, condition.value)
    }
    case 'errorRate':
      return completed > 0 && compare((o.status5xx + o.statusOther + o.socketErrors + o.timeouts) / completed, condition.op, condition.value)
    case 'rateLimitedRate':
      return completed > 0 && compare(o.status429 / completed, condition.op, condition.value)
    case 'achievedRatio': {
      if (!sample.targetRate) return false
      return compare((sample.sent * 1000) / sample.durationMs / sample.targetRate, condition.op, condition.value)
    }
    default:
      return false
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100
}
