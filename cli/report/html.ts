// report.html: one self-contained page (inline CSS, inline SVG charts, no script, no external
// fetch — a Content-Security-Policy forbids any) that opens offline from a CI artifact.
import {renderCharts, type RenderedChart} from './charts.js'
import {buildReportView, type Cell, type ReportView, type ViewTable} from './report-view.js'
import type {Report} from './schema.js'

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'})[c]!)
}

const STYLE = `
:root { color-scheme: light; --good: #2f7d4a; --bad: #b3261e; --warn: #9a6400; --muted: #666; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1d1d1f; background: #f6f6f4; }
main { max-width: 960px; margin: 0 auto; padding: 24px 20px 48px; }
header.verdict { border-radius: 8px; padding: 16px 20px; margin-bottom: 20px; color: #fff; }
header.verdict.pass { background: var(--good); }
header.verdict.fail { background: var(--bad); }
header.verdict h1 { margin: 0; font-size: 22px; }
header.verdict ul { margin: 8px 0 0; padding-left: 20px; }
header.verdict p { margin: 8px 0 0; opacity: .95; }
nav { margin: 0 0 16px; font-size: 13px; }
nav a { margin-right: 12px; color: #35507a; }
section { background: #fff; border: 1px solid #e3e3df; border-radius: 8px; padding: 14px 20px 18px; margin-bottom: 16px; }
h2 { font-size: 17px; margin: 4px 0 10px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 0 0 10px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: 6px 0 12px; width: 100%; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { padding: 4px 10px 4px 0; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
th { font-weight: 600; color: #444; border-bottom-color: #ccc; }
.num { text-align: right; white-space: nowrap; }
.good { color: var(--good); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
.warn { color: var(--warn); }
.muted { color: var(--muted); }
figure { margin: 14px 0 6px; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 12.5px; margin-top: 2px; }
p.note { color: var(--muted); font-style: italic; }
footer { color: var(--muted); font-size: 12px; text-align: center; }
`

function renderCell(cell: Cell, numeric: boolean | undefined, tag: 'td' | 'th' = 'td'): string {
  const classes = [numeric ? 'num' : '', cell.tone ?? ''].filter(Boolean).join(' ')
  return `<${tag}${classes ? ` class="${classes}"` : ''}>${escapeHtml(cell.text)}</${tag}>`
}

function renderTable(table: ViewTable, caption?: string): string {
  const head = table.columns.map((c) => `<th${c.numeric ? ' class="num"' : ''} scope="col">${escapeHtml(c.title)}</th>`).join('')
  const body = table.rows.map((row) => `<tr>${row.map((cell, i) => renderCell(cell, table.columns[i]?.numeric)).join('')}</tr>`).join('\n')
  return `<table>${caption ? `<caption>${escapeHtml(caption)}</caption>` : ''}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`
}

function renderChart(chart: RenderedChart): string {
  const body = chart.svg ?? `<p class="note">${escapeHtml(chart.note ?? 'No data.')}</p>`
  return `<figure id="chart-${chart.id}" data-chart="${chart.id}">${body}<figcaption>${escapeHtml(chart.caption)}</figcaption></figure>`
}

export function renderViewHtml(view: ReportView, charts: RenderedChart[], footer: string): string {
  const chartById = new Map(charts.map((c) => [c.id, c]))
  const verdict = view.verdict
  const sections = view.sections
    .map((section) => {
      const parts = [`<section id="${escapeHtml(section.id)}"><h2>${escapeHtml(section.title)}</h2>`]
      for (const paragraph of section.paragraphs) parts.push(`<p>${escapeHtml(paragraph)}</p>`)
      if (section.facts.length) {
        parts.push(`<dl class="facts">${section.facts.map(([label, value]) => `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>`)
      }
      for (const {caption, table} of section.tables) parts.push(renderTable(table, caption))
      for (const id of section.charts) {
        const chart = chartById.get(id)
        if (chart) parts.push(renderChart(chart))
      }
      parts.push('</section>')
      return parts.join('\n')
    })
    .join('\n')
  const nav = view.sections.map((s) => `<a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a>`).join('')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`${verdict.passed ? 'PASSED' : 'FAILED'} · ${view.title}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header class="verdict ${verdict.passed ? 'pass' : 'fail'}">
<h1>${escapeHtml(verdict.headline)}</h1>
${verdict.failures.length ? `<ul>${verdict.failures.map((f) => `<li>${escapeHtml(f)}</li>`).join('')}</ul>` : ''}
${verdict.notes.map((n) => `<p>${escapeHtml(n)}</p>`).join('\n')}
</header>
<nav>${nav}</nav>
${sections}
<footer>${escapeHtml(footer)}</footer>
</main>
</body>
</html>
`
}

export async function renderHtml(report: Report): Promise<string> {
  const charts = await renderCharts(report)
  return renderViewHtml(buildReportView(report), charts, `Written by scalelab ${report.environment.scalelabVersion} from report.json (schema version ${report.schemaVersion}), report ${report.id}.`)
}
