/** A source of uniform numbers in [0, 1); injected wherever behaviour is random, so tests can fix it. */
export type RandomSource = () => number

/**
 * A seeded uniform [0, 1) generator (mulberry32): reproducible draws for tests and for seeded runs
 * (the fault proxy's FAULTPROXY_SEED, like toxiproxy-server's -seed). Ten lines, so no dependency.
 */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
