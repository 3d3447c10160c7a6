// How figures read in every report output (Markdown, HTML, JUnit, compare): one place, so the
// same number never shows with two different precisions.

/** Milliseconds with precision that follows the magnitude: 0.42 ms, 12.3 ms, 431 ms. */
export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–'
  return `${roundByMagnitude(value)} ms`
}

/** Requests per second. */
export function formatRate(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–'
  return `${roundByMagnitude(value)} req/s`
}

/** A 0..1 ratio as a percentage. */
export function formatRatio(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–'
  const percent = value * 100
  // Small but non-zero error rates must not round to a reassuring "0.0%".
  if (percent > 0 && percent < 10 ** -digits) return `<${(10 ** -digits).toFixed(digits)}%`
  return `${percent.toFixed(digits)}%`
}

export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–'
  return Math.round(value).toLocaleString('en-US')
}

export function formatSeconds(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–'
  return `${roundByMagnitude(value)} s`
}

/** A signed change: "+12.3%" or "−4.0 pp"; infinite when the baseline was zero. */
export function formatChange(value: number, unit: '%' | 'pp'): string {
  if (!Number.isFinite(value)) return `${value > 0 ? '+' : '−'}∞${unit === '%' ? '%' : ' pp'}`
  const sign = value > 0 ? '+' : value < 0 ? '−' : '±'
  const magnitude = Math.abs(value).toFixed(1)
  return unit === '%' ? `${sign}${magnitude}%` : `${sign}${magnitude} pp`
}

function roundByMagnitude(value: number): string {
  const magnitude = Math.abs(value)
  if (magnitude === 0) return '0'
  if (magnitude < 10) return trimZeros(value.toFixed(2))
  if (magnitude < 100) return trimZeros(value.toFixed(1))
  return Math.round(value).toLocaleString('en-US')
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text
}

/**
 * Formats a threshold's or check's value in the unit its metric implies. Metric names come from
 * the scenario (the bench engineer's vocabulary): latency percentiles are in ms, achieved rates in
 * req/s, other rates and ratios 0..1.
 */
export function formatMetricValue(metric: string, value: number | null | undefined): string {
  if (value === null || value === undefined) return '–'
  const name = metric.trim()
  if (/^(p\d+(\.\d+)?|max|mean|min|latency.*)$/i.test(name) || /latency|Ms$/i.test(name)) return formatMs(value)
  if (/^(achievedRate|rate|throughput|rps)$/i.test(name)) return formatRate(value)
  if (/(rate|ratio)$/i.test(name) && value >= 0 && value <= 1) return formatRatio(value, 2)
  if (/(afterS|seconds|duration)$/i.test(name)) return formatSeconds(value)
  return Number.isInteger(value) ? formatCount(value) : String(Number(value.toPrecision(4)))
}

/** The leading metric name of an expression such as "errorRate < 0.05 during fault"; chaos timing expectations ("… within 5s of fault") are seconds. */
export function metricOfExpression(expression: string): string {
  if (/\swithin\s+\S+\s+of\s/i.test(expression)) return 'afterS'
  return /^\s*([A-Za-z][\w.]*)/.exec(expression)?.[1] ?? ''
}
