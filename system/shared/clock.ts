/** Wall-clock milliseconds. Time-based rules take one so tests can drive them with a fake clock. */
export interface Clock {
  now(): number
}

export const systemClock: Clock = {now: () => Date.now()}

/** A clock that only moves when told to; for tests. */
export function createFakeClock(startMs = Date.UTC(2030, 0, 1)): Clock & {advance(ms: number): void; set(ms: number): void} {
  let now = startMs
  return {
    now: () => now,
    advance(ms) {
      now += ms
    },
    set(ms) {
      now = ms
    },
  }
}
