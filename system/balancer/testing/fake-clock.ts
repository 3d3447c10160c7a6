import type {Clock} from '../../shared/clock.js'

/** A clock tests move by hand: nothing in the balancer reads real time through it. */
export class FakeClock implements Clock {
  constructor(private t = 1_700_000_000_000) {}
  now(): number {
    return this.t
  }
  advance(ms: number): void {
    this.t += ms
  }
}

/** Replays the given numbers in order, cycling; makes random picks deterministic. */
export function sequenceRandom(values: readonly number[]): () => number {
  let i = 0
  return () => values[i++ % values.length]
}

export {seededRandom} from '../../shared/random.js'
