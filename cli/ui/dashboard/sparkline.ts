// Sparklines and bars from Unicode block characters. Written here rather than taken from a package
// (e.g. sparkly): it is a dozen lines, and we need nulls shown as gaps and a fixed output width.

const LEVELS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█']
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉']

export interface SparklineOptions {
  /** Bottom of the scale; default 0 (latency, rates and ratios all start there). */
  min?: number
  /** Top of the scale; default the largest value shown. */
  max?: number
}

/**
 * The last `width` values as a sparkline exactly `width` characters wide (left-padded when there
 * are fewer values). A null (nothing measured that second) is a blank, not the lowest bar.
 */
export function sparkline(values: ReadonlyArray<number | null>, width: number, options: SparklineOptions = {}): string {
  if (width <= 0) return ''
  const shown = values.slice(-width)
  const present = shown.filter((v): v is number => v !== null && Number.isFinite(v))
  const min = options.min ?? 0
  const max = options.max ?? (present.length > 0 ? Math.max(...present) : min)
  const span = max - min
  const chars = shown.map((value) => {
    if (value === null || !Number.isFinite(value)) return ' '
    if (span <= 0) return LEVELS[0]
    const level = Math.round(((Math.min(Math.max(value, min), max) - min) / span) * (LEVELS.length - 1))
    return LEVELS[level]
  })
  return ' '.repeat(width - chars.length) + chars.join('')
}

/** A horizontal bar `width` cells wide filled to `fraction` (0..1), with eighth-cell precision. */
export function progressBar(fraction: number, width: number, empty = '░'): string {
  if (width <= 0) return ''
  const clamped = Number.isFinite(fraction) ? Math.min(Math.max(fraction, 0), 1) : 0
  const eighths = Math.round(clamped * width * 8)
  const full = Math.floor(eighths / 8)
  const partial = EIGHTHS[eighths % 8]
  const filled = '█'.repeat(full) + partial
  return filled + empty.repeat(width - full - (partial ? 1 : 0))
}
