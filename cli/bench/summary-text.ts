// The short text a finished bench run leaves on the terminal or in a CI log: plain lines, no escape
// codes. Phases table, latency, achieved vs target, errors and 429s, cache and breakers from the
// system, generator warnings, thresholds, knees, and where the report is.
import {relative} from 'node:path'
import {formatCount, formatMetricValue, formatMs, formatRate, formatRatio} from '../report/format.js'
import type {PhaseReport, Report} from '../report/schema.js'
import {formatChaosLines} from '../chaos/summary-text.js'
import type {RunOutcome} from '../ui/reporter.js'

export function formatRunSummary(outcome: RunOutcome, cwd = process.cwd()): string {
  const {report} = outcome
  const lines = [headline(report), '', formatPhaseTable(report), '', ...detailLines(report), ...formatThresholds(report), ...formatChaosLines(report)]
  lines.push(`report: ${displayPath(outcome.dir, cwd)} (${outcome.files.map((f) => relative(outcome.dir, f)).join(', ')})`)
  return lines.join('\n')
}

export function headline(report: Report): string {
  const verdict = report.interrupted ? 'STOPPED early (partial report)' : report.verdict.passed ? 'PASSED' : 'FAILED'
  return `${verdict} · scalelab ${report.kind} ${report.scenario.name} · ${report.environment.runtime} · ${report.summary.durationS.toFixed(1)} s · ${report.target.url}`
}

export function formatPhaseTable(report: Report): string {
  const header = ['phase', 'model', 'time', 'target', 'achieved', 'p50', 'p95', 'p99', 'errors', '429s', 'cache hit']
  const rows = report.phases.map((p) => [
    p.name,
    p.model,
    `${p.durationS.toFixed(1)} s`,
    target(p),
    formatRate(p.achievedRate),
    formatMs(p.latencyMs?.p50),
    formatMs(p.latencyMs?.p95),
    formatMs(p.latencyMs?.p99),
    formatRatio(p.errorRate, 2),
    formatRatio(p.rateLimitedRate, 1),
    formatRatio(p.cacheHitRate),
  ])
  const s = report.summary
  rows.push([
    'whole run',
    '',
    `${s.durationS.toFixed(1)} s`,
    '',
    formatRate(s.achievedRate),
    formatMs(s.latencyMs?.p50),
    formatMs(s.latencyMs?.p95),
    formatMs(s.latencyMs?.p99),
    formatRatio(s.errorRate, 2),
    formatRatio(s.rateLimitedRate, 1),
    formatRatio(s.cacheHitRate),
  ])
  return table([header, ...rows], new Set([3, 4, 5, 6, 7, 8, 9, 10]))
}

function target(p: PhaseReport): string {
  if (p.model === 'closed') return `${p.connections} conn${p.pipelining && p.pipelining > 1 ? ` ×${p.pipelining}` : ''}`
  const t = p.targetRate!
  return t.from === t.to ? `${trim(t.from)}/s` : `${trim(t.from)}→${trim(t.to)}/s`
}

function detailLines(report: Report): string[] {
  const lines: string[] = []
  const s = report.summary
  const r = s.requests
  lines.push(`requests: ${formatCount(r.total)} · ok ${formatCount(r.ok)} · errors ${formatCount(r.errors)} · 429 ${formatCount(r.rateLimited)} · other 4xx ${formatCount(r.clientErrors)}`)
  if (s.latencyMs) lines.push(`latency (whole run, from intended send time in open phases): p50 ${formatMs(s.latencyMs.p50)} · p95 ${formatMs(s.latencyMs.p95)} · p99 ${formatMs(s.latencyMs.p99)} · max ${formatMs(s.latencyMs.max)}`)
  const rss = s.generatorRssMb
  if (rss) lines.push(`generator memory (RSS): ${rss.first} MB at the first second → ${rss.last} MB at the last (max ${rss.max} MB)`)
  const system = report.system
  if (!system.available) {
    lines.push(`system metrics: unavailable${system.reason ? ` (${system.reason})` : ''}`)
  } else {
    const t = system.totals
    const byDependency = Object.entries(t.breakerTripsByDependency).filter(([, n]) => n > 0).map(([d, n]) => `${d} ${n}`)
    lines.push(
      `system: cache hit ${formatRatio(t.cacheHitRate)} (L1 ${formatRatio(t.cacheHitRateByLayer.l1)}, L2 ${formatRatio(t.cacheHitRateByLayer.l2)}, ${formatCount(t.cacheLookups)} lookups) · breaker trips ${t.breakerTrips}${byDependency.length ? ` (${byDependency.join(', ')})` : ''} · ejections ${t.ejections}`,
    )
    lines.push(`rate limiter: ${formatCount(t.rateLimit.allowed)} allowed · ${formatCount(t.rateLimit.limited)} limited · ${formatCount(t.rateLimit.failOpen)} fail-open · per instance: ${Object.entries(t.perInstanceRequests).map(([i, n]) => `${i} ${formatCount(n)}`).join(', ') || '–'}`)
    const memory = Object.entries(t.residentMemoryMb ?? {}).map(([i, m]) => `${i} ${m.first}→${m.last} MB`)
    if (memory.length && report.summary.durationS >= 60) lines.push(`memory (RSS, first→last): ${memory.join(', ')}`)
    const down = [...new Set(system.series.flatMap((second) => second.down))]
    if (down.length) lines.push(`not answering /metrics at times: ${down.join(', ')} (${system.series.filter((x) => x.down.length > 0).length} s)`)
  }
  for (const p of report.phases) {
    if (p.knee === undefined) continue
    lines.push(
      p.knee
        ? `knee of ${p.name}: ${p.knee.condition} from ${p.knee.atS.toFixed(0)} s at ${p.knee.targetRate ?? '?'} req/s asked (${p.knee.achievedRate} sent); last good second ${p.knee.lastGood ? `at ${p.knee.lastGood.targetRate ?? '?'} req/s` : 'none'}`
        : `knee of ${p.name}: not reached up to ${p.targetRate ? trim(p.targetRate.to) : '?'} req/s`,
    )
  }
  if (s.generatorSaturated || s.generatorBehind > 0) {
    const saturated = report.phases.filter((p) => p.generator.saturated).map((p) => p.name)
    lines.push(
      `generator: ${formatCount(s.generatorBehind)} requests not sent on time (dropped: no free connection; late; or unsendable)${saturated.length ? `; SATURATED in ${saturated.join(', ')}: the generator could not keep its schedule there (its own CPU, or cores the lab took), so those phases asked for less than the target` : ''}`,
    )
  }
  if (report.interrupted) lines.push('stopped early: the figures cover what ran.')
  return lines
}

export function formatThresholds(report: Report): string[] {
  if (report.thresholds.length === 0) return []
  return [
    'thresholds:',
    ...report.thresholds.map((t) => `  ${t.passed ? '✓' : '✗'} ${t.expression} — ${t.actual === null ? `not measured: ${t.note ?? 'no data'}` : formatMetricValue(t.metric, t.actual)}`),
  ]
}

function table(rows: string[][], numeric: Set<number>): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)))
  return rows.map((row) => row.map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd()).join('\n')
}

function trim(n: number): string {
  return String(Math.round(n * 100) / 100)
}

function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path)
  return rel && !rel.startsWith('..') ? rel : path
}
