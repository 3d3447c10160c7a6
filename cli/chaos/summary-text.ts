// The chaos part of the text a finished run leaves in a terminal or CI log: stages, faults,
// detection and recovery times, the steady state before and after, expectations, the write check.
import {formatCount, formatMetricValue, formatMs, formatRatio, formatSeconds, metricOfExpression} from '../report/format.js'
import type {Report} from '../report/schema.js'

export function formatChaosLines(report: Report): string[] {
  const chaos = report.chaos
  if (!chaos) return []
  const lines: string[] = []
  if (chaos.aborted) lines.push(`ABORTED: ${chaos.abortReason ?? 'no reason recorded'}`)
  lines.push('stages:')
  const rows = chaos.stages.map((s) => [s.name, s.kind, `${formatSeconds(s.startOffsetS)}–${formatSeconds(s.endOffsetS)}`, formatCount(s.outcomes.total), formatRatio(s.errorRate, 2), formatMs(s.latencyMs?.p50), formatMs(s.latencyMs?.p99)])
  lines.push(...table([['  stage', 'kind', 'window', 'requests', 'errors', 'p50', 'p99'], ...rows.map((r) => [`  ${r[0]}`, ...r.slice(1)])]))
  for (const f of chaos.faults) {
    lines.push(`fault: ${f.step} — ${f.action} → ${f.target}, in at ${formatSeconds(f.injectedAtS)}, ${f.rolledBackAtS === null ? 'NOT rolled back' : `rolled back at ${formatSeconds(f.rolledBackAtS)}`}`)
  }
  if (chaos.detection.length) {
    lines.push(`detection: ${chaos.detection.map((d) => `${d.signal} ${d.afterS === null ? 'never' : `after ${formatSeconds(d.afterS)}`}`).join(' · ')}`)
  }
  lines.push(`recovery: ${chaos.recovery.afterS === null ? 'the steady state did not hold again' : `steady state again ${formatSeconds(chaos.recovery.afterS)} after the rollback`}`)
  const w = chaos.writes
  lines.push(`writes: ${formatCount(w.acknowledged)} acknowledged · ${formatCount(w.checked)} checked through the API and in Postgres · lost: ${w.lost}${w.lostIds.length ? ` (${w.lostIds.slice(0, 10).join(', ')}${w.lostIds.length > 10 ? ', …' : ''})` : ''}`)
  if (chaos.steadyState.length) {
    lines.push('steady state:')
    for (const c of chaos.steadyState) lines.push(`  ${c.passed ? '✓' : '✗'} ${c.check} [${c.stage ?? 'whole run'}] — ${c.actual === null ? 'not measured' : formatMetricValue(metricOfExpression(c.check), c.actual)}`)
  }
  if (chaos.expectations.length) {
    lines.push('expectations:')
    for (const e of chaos.expectations) lines.push(`  ${e.passed ? '✓' : '✗'} ${e.expression} — ${e.actual === null ? 'not measured' : formatMetricValue(metricOfExpression(e.expression), e.actual)}${e.note ? ` (${e.note})` : ''}`)
  }
  return lines
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)))
  return rows.map((row) => row.map((cell, c) => (c >= 3 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd())
}
