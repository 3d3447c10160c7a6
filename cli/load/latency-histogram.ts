// HDR histograms for latency: fixed memory however many values, exact percentiles to 3
// significant digits, mergeable across phases and runs. Values are recorded in microseconds.
import hdr from 'hdr-histogram-js'
import type {Histogram, JsHistogram} from 'hdr-histogram-js'
import type {LatencySummary, SecondLatency} from './types.js'

export type {Histogram} from 'hdr-histogram-js'

/** 1 µs to 60 s before the histogram grows itself; 3 significant digits (0.1% error). */
export function createLatencyHistogram(): Histogram {
  return hdr.build({lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3, autoResize: true})
}

export function recordLatencyMs(histogram: Histogram, latencyMs: number): void {
  histogram.recordValue(Math.max(1, Math.round(latencyMs * 1000)))
}

const ms = (micros: number) => micros / 1000

export function summarizeLatency(histogram: Histogram): LatencySummary | null {
  if (histogram.totalCount === 0) return null
  return {
    count: histogram.totalCount,
    min: ms(histogram.minNonZeroValue),
    mean: ms(histogram.mean),
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p95: ms(histogram.getValueAtPercentile(95)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    max: ms(histogram.maxValue),
  }
}

export function summarizeSecondLatency(histogram: Histogram): SecondLatency | null {
  if (histogram.totalCount === 0) return null
  return {
    p50: ms(histogram.getValueAtPercentile(50)),
    p95: ms(histogram.getValueAtPercentile(95)),
    p99: ms(histogram.getValueAtPercentile(99)),
    max: ms(histogram.maxValue),
  }
}

/**
 * Percentiles in ms of several histograms taken together, exactly as getValueAtPercentile on their
 * merge would answer, but in one pass over their counts and without building the merged copy: the
 * live "whole run" row (finished phases + the phase under way) is recomputed at every refresh.
 * Our own because hdr-histogram-js answers percentiles of one histogram only. null when all are empty.
 */
export function percentilesAcross(histograms: readonly Histogram[], percentiles: readonly number[]): number[] | null {
  const recorded = histograms.filter((h) => h.totalCount > 0)
  if (recorded.length === 0) return null
  if (recorded.length === 1) return percentiles.map((p) => ms(recorded[0].getValueAtPercentile(p)))
  const layout = sameLayout(recorded)
  if (!layout) {
    // Histograms of another shape (not from createLatencyHistogram): the merged copy answers instead.
    const merged = mergeHistograms(recorded)
    return percentiles.map((p) => ms(merged.getValueAtPercentile(p)))
  }
  const total = recorded.reduce((sum, h) => sum + h.totalCount, 0)
  const wanted = percentiles.map((p, slot) => ({slot, p, count: countAtPercentile(p, total)})).sort((a, b) => a.count - b.count)
  const answers: number[] = new Array(percentiles.length).fill(0)
  const length = Math.max(...layout.map((h) => h.countsArrayLength))
  let cumulative = 0
  let next = 0
  for (let index = 0; index < length && next < wanted.length; index++) {
    for (const h of layout) if (index < h.countsArrayLength) cumulative += h.getCountAtIndex(index)
    while (next < wanted.length && cumulative >= wanted[next].count) {
      const value = layout[0].valueFromIndex(index)
      answers[wanted[next].slot] = ms(wanted[next].p === 0 ? layout[0].lowestEquivalentValue(value) : layout[0].highestEquivalentValue(value))
      next++
    }
  }
  return answers
}

/** The histograms as JsHistograms when they share one bucket layout (so an index means one value range in all). */
function sameLayout(histograms: readonly Histogram[]): readonly JsHistogram[] | null {
  if (!histograms.every((h): h is JsHistogram => h instanceof hdr.JsHistogram)) return null
  const [first] = histograms
  const same = histograms.every((h) => h.unitMagnitude === first.unitMagnitude && h.subBucketHalfCount === first.subBucketHalfCount && h.subBucketCount === first.subBucketCount)
  return same ? histograms : null
}

/** The count a percentile reaches, rounded up as HdrHistogram does (minus one ulp against float error), at least 1. */
function countAtPercentile(percentile: number, total: number): number {
  const fp = (Math.min(percentile, 100) / 100) * total
  const ulp = fp > 0 ? 2 ** (Math.floor(Math.log2(fp)) - 52) : 0
  return Math.max(Math.ceil(fp - ulp), 1)
}

/** One histogram holding every value of the given ones (whole-run figures from phase results). */
export function mergeHistograms(histograms: Histogram[]): Histogram {
  const merged = createLatencyHistogram()
  for (const h of histograms) merged.add(h)
  return merged
}

/** Compact text form for the JSON report (HdrHistogram's compressed base64, readable by any HDR library). */
export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram)
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded)
}
