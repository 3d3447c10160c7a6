// Durations as scenario files write them: `30s`, `2m`, `1m30s`, `500ms`, `1.5h`.

const UNIT_MS = {ms: 1, s: 1000, m: 60_000, h: 3_600_000} as const
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g

/** The pattern a duration string must match (also used by the JSON Schema). */
export const DURATION_PATTERN = '^(\\d+(\\.\\d+)?(ms|s|m|h))+$'
const WHOLE = new RegExp(DURATION_PATTERN)

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim()
  if (!WHOLE.test(trimmed)) return undefined
  let total = 0
  for (const [, amount, unit] of trimmed.matchAll(PART)) total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS]
  return Math.round(total)
}

/** The shortest readable form: 500ms, 30s, 2m, 1m30s, 7.5s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms % 1000 !== 0) return `${trimNumber(ms / 1000)}s`
  const seconds = ms / 1000
  const hours = Math.floor(seconds / 3600)
  const minutes = Math.floor((seconds % 3600) / 60)
  const rest = seconds % 60
  return [hours ? `${hours}h` : '', minutes ? `${minutes}m` : '', rest ? `${rest}s` : ''].join('') || '0s'
}

function trimNumber(value: number): string {
  return String(Math.round(value * 1000) / 1000)
}
