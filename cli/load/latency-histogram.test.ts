import hdr from 'hdr-histogram-js'
import {describe, expect, it} from 'vitest'
import {createLatencyHistogram, mergeHistograms, percentilesAcross, recordLatencyMs} from './latency-histogram.js'

const PERCENTILES = [0, 1, 50, 90, 95, 99, 99.9, 99.99, 100]

/** Deterministic values so a failure can be replayed (mulberry32). */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function filled(count: number, seed: number, scaleMs: number, offsetMs = 0) {
  const next = random(seed)
  const histogram = createLatencyHistogram()
  // Long-tailed, as latencies are: most values small, a few far out.
  for (let i = 0; i < count; i++) recordLatencyMs(histogram, offsetMs + next() ** 4 * scaleMs)
  return histogram
}

function mergedPercentiles(histograms: Parameters<typeof mergeHistograms>[0]): number[] {
  const merged = mergeHistograms(histograms)
  return PERCENTILES.map((p) => merged.getValueAtPercentile(p) / 1000)
}

describe('percentilesAcross', () => {
  it('answers exactly what the merged histogram answers, for phases of different shapes and sizes', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const phases = [filled(5_000, seed, 40), filled(20_000, seed * 7, 900, 2), filled(37, seed * 13, 5_000, 100)]
      expect(percentilesAcross(phases, PERCENTILES)).toEqual(mergedPercentiles(phases))
    }
  })

  it('handles a histogram that grew past its initial range (longer counts array) next to one that did not', () => {
    const short = filled(1_000, 11, 10)
    const grown = filled(1_000, 12, 10)
    recordLatencyMs(grown, 120_000) // two minutes: beyond the 60 s the histogram starts with
    expect((grown as unknown as {countsArrayLength: number}).countsArrayLength).toBeGreaterThan((short as unknown as {countsArrayLength: number}).countsArrayLength)
    const across = percentilesAcross([short, grown], PERCENTILES)!
    expect(across).toEqual(mergedPercentiles([short, grown]))
    expect(across.at(-1)).toBeGreaterThanOrEqual(120_000)
  })

  it('keeps the order of the percentiles asked for', () => {
    const phases = [filled(2_000, 21, 50), filled(2_000, 22, 500)]
    const [p99, p50, p95] = percentilesAcross(phases, [99, 50, 95])!
    expect([p50, p95, p99]).toEqual(mergedPercentiles(phases).filter((_, i) => [2, 4, 5].includes(i)))
    expect(p50).toBeLessThan(p95)
    expect(p95).toBeLessThan(p99)
  })

  it('is null when nothing was recorded, and the lone recorded histogram’s figures when only one has values', () => {
    expect(percentilesAcross([], [50])).toBeNull()
    expect(percentilesAcross([createLatencyHistogram(), createLatencyHistogram()], [50])).toBeNull()
    const only = filled(500, 31, 30)
    expect(percentilesAcross([createLatencyHistogram(), only], [50, 99])).toEqual([only.getValueAtPercentile(50) / 1000, only.getValueAtPercentile(99) / 1000])
  })

  it('falls back to a merged copy for histograms of another layout', () => {
    const coarse = hdr.build({lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 2, autoResize: true})
    for (let v = 100; v < 50_000; v += 97) coarse.recordValue(v)
    const fine = filled(3_000, 41, 20)
    const merged = mergeHistograms([coarse, fine])
    expect(percentilesAcross([coarse, fine], [50, 99])).toEqual([merged.getValueAtPercentile(50) / 1000, merged.getValueAtPercentile(99) / 1000])
  })
})
