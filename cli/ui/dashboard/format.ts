// Number and time formatting for the dashboard: short, fixed-ish widths, and a dash for a figure
// that was not measured (null), never a made-up zero.

export const MISSING = '–'

/** Milliseconds: one decimal below 100 ms, whole numbers above, seconds from 10 s. */
export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING
  if (value < 100) return value.toFixed(1)
  if (value < 10_000) return Math.round(value).toLocaleString('en-US')
  return `${(value / 1000).toFixed(1)}s`
}

/** Counts with thousands separators, compacted once they get long (12.3k, 4.5M). */
export function formatCount(value: number): string {
  if (value < 100_000) return Math.round(value).toLocaleString('en-US')
  if (value < 10_000_000) return `${(value / 1000).toFixed(value < 1_000_000 ? 1 : 0)}k`
  return `${(value / 1_000_000).toFixed(1)}M`
}

/** Requests per second. */
export function formatRate(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return MISSING
  if (value < 10) return `${value.toFixed(1)}/s`
  if (value < 10_000) return `${Math.round(value).toLocaleString('en-US')}/s`
  return `${(value / 1000).toFixed(1)}k/s`
}

/** A ratio 0..1 as a percentage: one decimal, or none at 100. */
export function formatPercent(ratio: number | null | undefined, decimals = 1): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return MISSING
  const percent = ratio * 100
  return `${percent >= 99.95 && percent <= 100 ? '100' : percent.toFixed(decimals)}%`
}

/** Seconds as m:ss (or h:mm:ss). */
export function formatClock(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds))
  const h = Math.floor(whole / 3600)
  const m = Math.floor((whole % 3600) / 60)
  const s = whole % 60
  const mmss = `${h > 0 ? String(m).padStart(2, '0') : m}:${String(s).padStart(2, '0')}`
  return h > 0 ? `${h}:${mmss}` : mmss
}

/** Right-align in a column of `width` (cuts nothing: callers size columns for their figures). */
export function padStart(text: string, width: number): string {
  return text.length >= width ? text : ' '.repeat(width - text.length) + text
}

export function padEnd(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length)
}

/** Cut to `width` characters with an ellipsis (for names inside fixed columns). */
export function fit(text: string, width: number): string {
  if (width <= 0) return ''
  if (text.length <= width) return text
  return width === 1 ? '…' : `${text.slice(0, width - 1)}…`
}
