// `report show` on a directory of repeats: how each run went and how far the runs agree, per phase.
import {relative} from 'node:path'
import {formatCount, formatMs, formatRate, formatRatio} from './format.js'
import {escapeMarkdown, markdownTable} from './markdown.js'
import {checkCounts, type Cell} from './report-view.js'
import type {RunSet} from './run-set.js'
import {spreadOf} from './stats.js'

function medianWithSpread(values: number[], format: (value: number) => string): string {
  if (values.length === 0) return '–'
  const spread = spreadOf(values)
  if (values.length === 1) return format(spread.median)
  return `${format(spread.median)} (${format(spread.min)} – ${format(spread.max)})`
}

export function renderRunSetMarkdown(set: RunSet): string {
  const passed = set.runs.filter((run) => run.report.verdict.passed).length
  const allPassed = passed === set.runs.length
  const lines: string[] = [
    `# ${allPassed ? '✅' : '❌'} ${escapeMarkdown(`${set.kind} ${set.scenario} — ${passed} of ${set.runs.length} runs passed`)}`,
    '',
    `Runs in ${escapeMarkdown(set.source)}. Figures per phase are the median of the runs, with the lowest and highest run in brackets.`,
    '',
    '## Runs',
    '',
  ]
  const runRows: Cell[][] = set.runs.map(({path, report}) => {
    const {total, failed} = checkCounts(report)
    return [
      {text: relative(set.source, path) || path},
      {text: report.verdict.passed ? 'passed' : `FAILED${total ? ` (${failed} of ${total})` : ''}`, tone: report.verdict.passed ? undefined : 'bad'},
      {text: formatRate(report.summary.achievedRate)},
      {text: formatRatio(report.summary.errorRate, 2)},
      {text: formatMs(report.summary.latencyMs?.p50)},
      {text: formatMs(report.summary.latencyMs?.p95)},
      {text: formatMs(report.summary.latencyMs?.p99)},
      {text: formatCount(report.summary.requests.total)},
    ]
  })
  lines.push(
    markdownTable({
      columns: [
        {title: 'Run'},
        {title: 'Verdict'},
        {title: 'Achieved', numeric: true},
        {title: 'Errors', numeric: true},
        {title: 'p50', numeric: true},
        {title: 'p95', numeric: true},
        {title: 'p99', numeric: true},
        {title: 'Requests', numeric: true},
      ],
      rows: runRows,
    }),
    '',
    '## Phases across runs',
    '',
  )
  const phaseNames = [...new Set(set.runs.flatMap((run) => run.report.phases.map((p) => p.name)))]
  const phaseRows: Cell[][] = phaseNames.map((name) => {
    const phases = set.runs.flatMap((run) => run.report.phases.filter((p) => p.name === name))
    const values = (pick: (p: (typeof phases)[number]) => number | null | undefined) => phases.map(pick).filter((v): v is number => typeof v === 'number')
    return [
      {text: name},
      {text: `${phases.length}`},
      {text: medianWithSpread(values((p) => p.achievedRate), formatRate)},
      {text: medianWithSpread(values((p) => p.latencyMs?.p50), formatMs)},
      {text: medianWithSpread(values((p) => p.latencyMs?.p95), formatMs)},
      {text: medianWithSpread(values((p) => p.latencyMs?.p99), formatMs)},
      {text: medianWithSpread(values((p) => p.errorRate), (v) => formatRatio(v, 2))},
      {text: medianWithSpread(values((p) => p.cacheHitRate), (v) => formatRatio(v))},
    ]
  })
  lines.push(
    markdownTable({
      columns: [
        {title: 'Phase'},
        {title: 'Runs', numeric: true},
        {title: 'Achieved', numeric: true},
        {title: 'p50', numeric: true},
        {title: 'p95', numeric: true},
        {title: 'p99', numeric: true},
        {title: 'Error rate', numeric: true},
        {title: 'Cache hit', numeric: true},
      ],
      rows: phaseRows,
    }),
    '',
  )
  const failures = set.runs.flatMap(({path, report}) => report.verdict.failures.map((f) => `${relative(set.source, path) || path}: ${f}`))
  if (failures.length) {
    lines.push('## Failures', '')
    for (const failure of failures) lines.push(`- ${escapeMarkdown(failure)}`)
    lines.push('')
  }
  lines.push('Each run’s full report (report.md, report.html, junit.xml) is in its own directory.', '')
  return lines.join('\n')
}
