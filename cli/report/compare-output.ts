// What `report compare` hands to people and CI: a Markdown table (stdout and the GitHub step
// summary), JSON, github-action-benchmark's customSmallerIsBetter file, and JUnit.
import type {Comparison, MetricComparison, Status} from './compare.js'
import {formatChange, formatMs, formatRate, formatRatio} from './format.js'
import {renderJunitXml} from './junit.js'
import {escapeMarkdown, markdownTable} from './markdown.js'
import type {Cell} from './report-view.js'

const STATUS_TEXT: Record<Status, string> = {
  ok: '✅ ok',
  regression: '❌ regression',
  improvement: '🟢 improvement',
  inconclusive: '⚪ inconclusive',
}

export function formatMetricFigure(metric: MetricComparison, value: number | null): string {
  if (value === null) return '–'
  if (metric.unit === 'ms') return formatMs(value)
  if (metric.unit === 'req/s') return formatRate(value)
  return formatRatio(value, 2)
}

function sideText(metric: MetricComparison, side: 'baseline' | 'current', runsOnSide: number): string {
  const figures = metric[side]
  if (figures.median === null) return 'not measured'
  const value = formatMetricFigure(metric, figures.median)
  // The run count is in the header; say it here only when some runs did not measure this metric.
  return figures.runs < runsOnSide ? `${value} (${figures.runs} of ${runsOnSide} runs)` : value
}

function statusText(metric: MetricComparison): string {
  return `${STATUS_TEXT[metric.status]}${metric.singleRun && metric.status !== 'ok' ? ' (single run)' : ''}`
}

function limitText(metric: MetricComparison): string {
  const limit = metric.changeUnit === '%' ? `${metric.limit}%` : `${metric.limit} pp`
  return metric.limitSource === 'default' ? limit : `${limit} (${metric.limitSource})`
}

export function comparisonHeadline(comparison: Comparison): string {
  const {counts} = comparison
  const verdict = comparison.regression ? 'regression' : counts.improvement > 0 && counts.inconclusive === 0 ? 'no regression (improved)' : 'no regression'
  return `${comparison.regression ? '❌' : '✅'} scalelab compare · ${comparison.scenario}: ${verdict}`
}

export function renderComparisonMarkdown(comparison: Comparison): string {
  const {counts} = comparison
  const lines: string[] = [`## ${escapeMarkdown(comparisonHeadline(comparison))}`, '']
  lines.push(
    `${counts.regression} regression${counts.regression === 1 ? '' : 's'}, ${counts.improvement} improvement${counts.improvement === 1 ? '' : 's'}, ${counts.ok} ok, ${counts.inconclusive} inconclusive.`,
    '',
  )
  const regressions = comparison.metrics.filter((m) => m.status === 'regression')
  for (const m of regressions) {
    lines.push(
      `- **${escapeMarkdown(`${m.phase} ${m.label}`)}**: ${escapeMarkdown(`${formatMetricFigure(m, m.baseline.median)} → ${formatMetricFigure(m, m.current.median)} (${formatChange(m.change!, m.changeUnit)}); ${m.reason}`)}`,
    )
  }
  if (regressions.length) lines.push('')
  lines.push(
    `- **Baseline:** ${escapeMarkdown(`${comparison.baseline.source} (${comparison.baseline.runs.length} run${comparison.baseline.runs.length === 1 ? '' : 's'})`)}`,
    `- **Current:** ${escapeMarkdown(`${comparison.current.source} (${comparison.current.runs.length} run${comparison.current.runs.length === 1 ? '' : 's'})`)}`,
    '',
  )
  const rows: Cell[][] = comparison.metrics.map((m) => [
    {text: m.phase},
    {text: m.label},
    {text: sideText(m, 'baseline', comparison.baseline.runs.length)},
    {text: sideText(m, 'current', comparison.current.runs.length)},
    {text: m.change === null ? '–' : formatChange(m.change, m.changeUnit)},
    {text: m.noiseBand === null ? '–' : m.changeUnit === '%' ? `${m.noiseBand.toFixed(1)}%` : `${m.noiseBand.toFixed(1)} pp`},
    {text: limitText(m)},
    {text: statusText(m), tone: m.status === 'regression' ? 'bad' : undefined},
  ])
  lines.push(
    markdownTable({
      columns: [
        {title: 'Phase'},
        {title: 'Metric'},
        {title: 'Baseline', numeric: true},
        {title: 'Current', numeric: true},
        {title: 'Change', numeric: true},
        {title: 'Noise band', numeric: true},
        {title: 'Limit', numeric: true},
        {title: 'Status'},
      ],
      rows,
    }),
    '',
  )
  for (const note of comparison.notes) lines.push(`> ${escapeMarkdown(note)}`, '')
  lines.push(
    escapeMarkdown(
      `Values are medians of each side's runs. Noise band: ${comparison.noiseBandMethod}. With repeats on both sides a change is a regression only beyond both the limit and the noise band; with a single run on a side, beyond the limit is a regression (single run) and inside it is inconclusive.`,
    ),
    '',
  )
  return lines.join('\n')
}

/** JSON for machines; infinite changes (baseline 0) become null with the reason kept. */
export function comparisonJson(comparison: Comparison): string {
  return `${JSON.stringify(comparison, (_key, value) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`
}

export interface BenchmarkEntry {
  name: string
  unit: string
  value: number
  range?: string
  extra?: string
}

/**
 * github-action-benchmark's `customSmallerIsBetter` input: the current side's smaller-is-better
 * metrics (latency percentiles in ms, error rate in %). Rates where bigger is better are left out:
 * that tool reads one direction per file.
 */
export function comparisonBenchmark(comparison: Comparison): BenchmarkEntry[] {
  const entries: BenchmarkEntry[] = []
  for (const m of comparison.metrics) {
    if (m.better !== 'lower' || m.current.median === null) continue
    const scale = m.unit === 'ratio' ? 100 : 1
    const entry: BenchmarkEntry = {
      name: `${comparison.scenario} / ${m.phase} / ${m.label}`,
      unit: m.unit === 'ratio' ? '%' : m.unit,
      value: Number((m.current.median * scale).toFixed(4)),
    }
    if (m.current.runs > 1) entry.range = `± ${Number((((m.current.max! - m.current.min!) / 2) * scale).toFixed(4))}`
    entry.extra = `median of ${m.current.runs} run${m.current.runs === 1 ? '' : 's'}; baseline ${formatMetricFigure(m, m.baseline.median)}; ${m.status}`
    entries.push(entry)
  }
  return entries
}

export function comparisonJunit(comparison: Comparison): string {
  const classname = `scalelab.compare.${comparison.scenario}`
  return renderJunitXml([
    {
      name: classname,
      timestamp: new Date().toISOString(),
      hostname: 'localhost',
      timeS: 0,
      properties: [
        ['scenario', comparison.scenario],
        ['baseline', comparison.baseline.source],
        ['current', comparison.current.source],
        ['noiseBand', comparison.noiseBandMethod],
      ],
      cases: comparison.metrics.map((m) => ({
        name: `${m.phase} ${m.label} (${m.status}${m.singleRun ? ', single run' : ''})`,
        classname: `${classname}.${m.phase}`,
        timeS: 0,
        failure:
          m.status === 'regression'
            ? {
                type: 'regression',
                message: `${m.label} ${formatMetricFigure(m, m.baseline.median)} → ${formatMetricFigure(m, m.current.median)} (${formatChange(m.change!, m.changeUnit)}); ${m.reason}`,
                detail: `baseline values: ${m.baseline.values.join(', ')}\ncurrent values: ${m.current.values.join(', ')}\nlimit: ${limitText(m)}\nnoise band: ${m.noiseBand === null ? 'none (single run)' : m.noiseBand.toFixed(2)}`,
              }
            : undefined,
      })),
      systemOut: comparison.notes.join('\n'),
    },
  ])
}
