import {performance} from 'node:perf_hooks'

/** Time and timers for toxics; injected so time-based behaviour is tested with a fake clock. */
export interface Clock {
  /** Milliseconds, monotonic, fractional. */
  now(): number
  /** Calls back no earlier than `ms` from now. */
  setTimer(callback: () => void, ms: number): TimerHandle
  clearTimer(handle: TimerHandle): void
}

export type TimerHandle = unknown

/**
 * Node timers count whole milliseconds from the event loop's cached time, so setTimeout(fn, ms)
 * can fire up to a millisecond before `ms` have passed. One extra tick makes timers never early
 * (as Go's are) and typically late by under a millisecond, measured as the median a latency toxic
 * adds to a Redis round trip: L + 0.4..1 ms.
 */
const TIMER_TICK_MS = 1

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (callback, ms) => setTimeout(callback, Math.max(0, ms) + TIMER_TICK_MS),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

export {seededRandom} from '../shared/random.js'
