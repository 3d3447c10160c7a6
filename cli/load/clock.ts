import type {Clock} from './types.js'

/** Monotonic milliseconds; wall-clock jumps (NTP, suspend) cannot bend a measurement. */
export const systemClock: Clock = {now: () => performance.now()}
