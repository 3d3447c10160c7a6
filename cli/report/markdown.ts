// report.md: the run's view rendered as GitHub-flavoured Markdown (verdict first). Everything that
// comes from the report is escaped so a scenario name cannot inject markup into a PR summary.
import {buildReportView, type Cell, type ReportView, type ViewTable} from './report-view.js'
import type {Report} from './schema.js'

/**
 * Escapes text for inline Markdown (and table cells): markup characters, and `<`/`&` only where
 * they could start HTML or an entity, so "p99 < 250ms" still reads plainly in a terminal.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r?\n|\r/g, ' ')
    .replace(/&(?=#?\w+;)/g, '&amp;')
    .replace(/<(?=[A-Za-z/!?])/g, '&lt;')
    .replace(/([\\`*_[\]|~])/g, '\\$1')
}

export function markdownTable(table: ViewTable): string {
  const header = `| ${table.columns.map((c) => escapeMarkdown(c.title)).join(' | ')} |`
  const rule = `|${table.columns.map((c) => (c.numeric ? ' ---: ' : ' --- ')).join('|')}|`
  const rows = table.rows.map((row) => `| ${row.map(renderCell).join(' | ')} |`)
  return [header, rule, ...rows].join('\n')
}

function renderCell(cell: Cell): string {
  const text = escapeMarkdown(cell.text)
  return cell.tone === 'bad' ? `**${text}**` : text
}

export function renderViewMarkdown(view: ReportView): string {
  const lines: string[] = []
  lines.push(`# ${view.verdict.passed ? '✅' : '❌'} ${escapeMarkdown(view.verdict.headline)}`, '')
  if (view.verdict.failures.length) {
    for (const failure of view.verdict.failures) lines.push(`- ${escapeMarkdown(failure)}`)
    lines.push('')
  }
  for (const note of view.verdict.notes) lines.push(`> ${escapeMarkdown(note)}`, '')
  for (const section of view.sections) {
    lines.push(`## ${escapeMarkdown(section.title)}`, '')
    for (const paragraph of section.paragraphs) lines.push(escapeMarkdown(paragraph), '')
    if (section.facts.length) {
      for (const [label, value] of section.facts) lines.push(`- **${escapeMarkdown(label)}:** ${escapeMarkdown(value)}`)
      lines.push('')
    }
    for (const {caption, table} of section.tables) {
      if (caption) lines.push(`**${escapeMarkdown(caption)}**`, '')
      lines.push(markdownTable(table), '')
    }
  }
  lines.push('Charts of this run are in report.html beside this file.', '')
  return lines.join('\n')
}

export function renderMarkdown(report: Report): string {
  return renderViewMarkdown(buildReportView(report))
}
