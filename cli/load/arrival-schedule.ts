// When each request of an open-model phase is due. Pure arithmetic, so the schedule is exact and
// testable without a clock: the engine asks "when is arrival i due?" and compares with its clock.
import {UserError} from '../errors.js'
import type {ArrivalRate} from './types.js'

export interface ArrivalSchedule {
  /** Arrivals in the whole phase. */
  readonly total: number
  /** Offset from the phase start, ms, at which arrival `index` (0-based) is due. */
  offsetOf(index: number): number
  /** Arrivals due in [0, offsetMs): the cumulative count N(t). */
  countBefore(offsetMs: number): number
  /** The rate the schedule asks for at an offset, per second. */
  rateAt(offsetMs: number): number
}

/**
 * Rate r(t) = from + (to − from)·t/T, so the cumulative count is N(t) = from·t + k·t² with
 * k = (to − from)/(2T); arrival i is due when N(t) = i. A constant rate is the ramp with from = to.
 */
export function arrivalSchedule(rate: ArrivalRate, durationMs: number): ArrivalSchedule {
  const from = rate.kind === 'constant' ? rate.perSecond : rate.from
  const to = rate.kind === 'constant' ? rate.perSecond : rate.to
  for (const [label, value] of [['rate', from], ['ramp end rate', to]] as const) {
    if (!Number.isFinite(value) || value < 0) throw new UserError(`The ${label} must be a number of requests per second ≥ 0 (got ${value}).`)
  }
  if (!Number.isFinite(durationMs) || durationMs <= 0) throw new UserError(`A phase needs a positive duration (got ${durationMs} ms).`)

  const seconds = durationMs / 1000
  const k = (to - from) / (2 * seconds)
  const countAt = (t: number) => from * t + k * t * t
  // N(T) counts arrivals at offsets in [0, T); arrival 0 is at t = 0. The epsilon absorbs float
  // error in N(T) for whole counts (100/s for 1 s is 100 arrivals, not 101).
  const total = from === 0 && to === 0 ? 0 : Math.ceil(countAt(seconds) - 1e-9)

  return {
    total,
    offsetOf(index: number): number {
      // The root of k·t² + from·t − i = 0 written as 2i / (from + √(from² + 4ki)): stable when k
      // is tiny and still right when k = 0 (constant rate) or from = 0 (ramp up from nothing).
      if (index === 0) return 0
      const root = Math.sqrt(Math.max(0, from * from + 4 * k * index))
      return (2 * index / (from + root)) * 1000
    },
    countBefore(offsetMs: number): number {
      if (offsetMs <= 0) return 0
      const t = Math.min(offsetMs, durationMs) / 1000
      return Math.min(total, Math.ceil(countAt(t) - 1e-9))
    },
    rateAt(offsetMs: number): number {
      const t = Math.min(Math.max(offsetMs, 0), durationMs) / 1000
      return from + 2 * k * t
    },
  }
}
