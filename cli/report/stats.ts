// Small order statistics for repeated runs. Written here because three functions do not justify a
// dependency, and the definitions (which median, which spread) must be stated where they are used.

/** The median; for an even count the mean of the two middle values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values')
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

export interface Spread {
  min: number
  max: number
  median: number
  /** max − min. */
  range: number
  /** (max − min) / median; 0 when all values are equal, Infinity when the median is 0 but not all are. */
  relativeRange: number
}

export function spreadOf(values: readonly number[]): Spread {
  const min = Math.min(...values)
  const max = Math.max(...values)
  const mid = median(values)
  const range = max - min
  const relativeRange = range === 0 ? 0 : mid === 0 ? Infinity : range / Math.abs(mid)
  return {min, max, median: mid, range, relativeRange}
}
