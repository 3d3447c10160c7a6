// One scrape of a /metrics page, reduced to what the lab reads: counter and gauge series by name.
import parsePrometheusTextFormat from 'parse-prometheus-text-format'

export interface Series {
  labels: Record<string, string>
  value: number
}

/** Metric name → its series. Histograms and summaries are left out (the lab reads counters and gauges). */
export type MetricFamilies = Map<string, Series[]>

/**
 * Parses a /metrics page. With `only`, lines of other metrics are dropped before parsing: the pages
 * are mostly histogram buckets the lab does not read, and the parse runs in the load generator's
 * process, where every millisecond of blocking can delay a request.
 */
export function parseMetricsText(text: string, only?: ReadonlySet<string>): MetricFamilies {
  const families: MetricFamilies = new Map()
  for (const family of parsePrometheusTextFormat(only ? keepOnly(text, only) : text)) {
    if (family.type === 'HISTOGRAM' || family.type === 'SUMMARY') continue
    const series: Series[] = []
    for (const sample of family.metrics) {
      const value = Number(sample.value)
      if (sample.value === undefined || Number.isNaN(value)) continue
      series.push({labels: sample.labels ?? {}, value})
    }
    families.set(family.name, series)
  }
  return families
}

/** Sum of a family's series whose labels match every given one. */
export function sumOf(families: MetricFamilies, name: string, match: Record<string, string> = {}): number {
  let sum = 0
  for (const s of families.get(name) ?? []) if (matches(s.labels, match)) sum += s.value
  return sum
}

export function matches(labels: Record<string, string>, match: Record<string, string>): boolean {
  for (const key in match) if (labels[key] !== match[key]) return false
  return true
}

/** A stable key for one series: name plus its labels in sorted order. */
export function seriesKey(name: string, labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort()
  return `${name}{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`
}

function keepOnly(text: string, names: ReadonlySet<string>): string {
  const kept: string[] = []
  for (const line of text.split('\n')) {
    let name: string
    if (line.startsWith('# ')) {
      // "# HELP name ..." / "# TYPE name ..."
      const end = line.indexOf(' ', 7)
      name = line.slice(7, end === -1 ? undefined : end)
    } else {
      const end = line.search(/[{ ]/)
      name = end === -1 ? line : line.slice(0, end)
    }
    if (names.has(name)) kept.push(line)
  }
  return kept.join('\n')
}
