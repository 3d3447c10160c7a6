import {describe, expect, it} from 'vitest'
import {idGenerator} from './id-generators.js'
import {harmonic, seededRandom, ZipfSampler} from './zipf.js'

const DRAWS = 200_000

function shares(n: number, s: number, seed = 42) {
  const zipf = new ZipfSampler(n, s)
  const random = seededRandom(seed)
  const counts = new Uint32Array(n + 1)
  for (let i = 0; i < DRAWS; i++) counts[zipf.sample(random)]++
  return counts
}

describe('ZipfSampler', () => {
  it.each([1.1, 1.0, 0.8])('s = %s: the top 1%% of 10,000 ids take their analytical share, hot keys exist', (s) => {
    const n = 10_000
    const counts = shares(n, s)
    expect(counts[0]).toBe(0)
    const top = counts.slice(1, n / 100 + 1).reduce((a, b) => a + b, 0) / DRAWS
    const expected = harmonic(n / 100, s) / harmonic(n, s)
    // 200,000 draws: the sampling error of a share near 0.5 is about 0.0011; allow 4 of them.
    expect(Math.abs(top - expected)).toBeLessThan(0.005)
    // Hot keys: 1% of the ids take far more than 1% of the requests.
    expect(top).toBeGreaterThan(0.3)
    // The single hottest id, against P(1) = 1 / H(n, s).
    expect(Math.abs(counts[1] / DRAWS - 1 / harmonic(n, s))).toBeLessThan(0.004)
  })

  it('ranks fall off as 1/k^s: rank 1 is drawn about 2^s times as often as rank 2', () => {
    const counts = shares(1000, 1.1, 7)
    expect(counts[1] / counts[2]).toBeGreaterThan(2 ** 1.1 * 0.93)
    expect(counts[1] / counts[2]).toBeLessThan(2 ** 1.1 * 1.07)
  })

  it('stays within 1..n, also for n = 1 and huge n', () => {
    const random = seededRandom(1)
    const one = new ZipfSampler(1, 1.2)
    for (let i = 0; i < 100; i++) expect(one.sample(random)).toBe(1)
    const huge = new ZipfSampler(1e12, 1.1)
    for (let i = 0; i < 10_000; i++) {
      const k = huge.sample(random)
      expect(Number.isInteger(k) && k >= 1 && k <= 1e12).toBe(true)
    }
  })
})

describe('idGenerator', () => {
  it('uniform covers [min, max] evenly', () => {
    const next = idGenerator({distribution: 'uniform', s: 1.1, min: 11, max: 20}, seededRandom(3))
    const counts = new Map<number, number>()
    for (let i = 0; i < 50_000; i++) {
      const id = next()
      counts.set(id, (counts.get(id) ?? 0) + 1)
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20])
    for (const count of counts.values()) expect(count).toBeGreaterThan(4_500)
  })

  it('zipf maps rank 1 to min', () => {
    const next = idGenerator({distribution: 'zipf', s: 1.5, min: 500, max: 599}, seededRandom(5))
    const seen = Array.from({length: 20_000}, next)
    expect(Math.min(...seen)).toBe(500)
    expect(Math.max(...seen)).toBeLessThanOrEqual(599)
    expect(seen.filter((id) => id === 500).length).toBeGreaterThan(seen.filter((id) => id === 501).length)
  })
})
