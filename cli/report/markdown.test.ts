import {describe, expect, it} from 'vitest'
import {benchSpikeReport, chaosKillRedisReport} from './fixtures/fixture-reports.js'
import {escapeMarkdown, renderMarkdown} from './markdown.js'

const headings = (markdown: string) => markdown.split('\n').filter((line) => /^#{1,2} /.test(line))
/** The rows of the first table after a heading, as arrays of cell text. */
function tableAfter(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n')
  const start = lines.indexOf(heading)
  expect(start, `heading ${heading}`).toBeGreaterThanOrEqual(0)
  const header = lines.findIndex((line, i) => i > start && line.startsWith('|'))
  const rows: string[][] = []
  for (let i = header; i < lines.length && lines[i].startsWith('|'); i++) {
    if (i === header + 1) continue // the alignment rule
    rows.push(lines[i].slice(2, -2).split(' | '))
  }
  return rows
}

describe('report.md', () => {
  const bench = renderMarkdown(benchSpikeReport())

  it('starts with the verdict, then the failures, before any section', () => {
    const lines = bench.split('\n')
    expect(lines[0]).toBe('# ❌ FAILED · bench spike-10x — 2 of 5 checks failed')
    expect(lines[2]).toBe('- p99 < 250ms during spike: was 400.81')
    expect(lines[3]).toBe('- errorRate < 1% during spike: was 0.0182')
    expect(renderMarkdown(chaosKillRedisReport()).split('\n')[0]).toMatch(/^# ✅ PASSED · chaos kill-redis — \d+ of \d+ checks passed$/)
  })

  it('has the sections in reading order', () => {
    expect(headings(bench)).toEqual([
      '# ❌ FAILED · bench spike-10x — 2 of 5 checks failed',
      '## Scenario',
      '## Environment',
      '## Summary',
      '## Phases',
      '## Cache',
      '## Circuit breakers',
      '## Load balancing',
      '## Thresholds',
    ])
  })

  it('the phase table shows target vs achieved, p50/p95/p99, errors and 429s per phase', () => {
    const rows = tableAfter(bench, '## Phases')
    expect(rows[0]).toEqual(['Phase', 'Model', 'Target', 'Achieved', 'p50', 'p95', 'p99', 'Errors', '429s', 'Cache hit'])
    expect(rows.slice(1).map((r) => r[0])).toEqual(['warmup', 'baseline', 'spike', 'recovery'])
    const spike = rows[3]
    const phase = benchSpikeReport().phases[2]
    expect(spike[2]).toBe('1,000 req/s')
    expect(spike[3]).toBe('996 req/s')
    expect(spike[6]).toBe('401 ms')
    expect(spike[7]).toBe(`**${phase.outcomes.errors} (1.82%)**`)
    expect(spike[8]).toBe(`${phase.outcomes.rateLimited.toLocaleString('en-US')} (22.1%)`)
    expect(rows[1][2]).toBe('10 req/s → 100 req/s')
  })

  it('thresholds are listed with pass/FAIL and the actual value in the metric’s unit', () => {
    const rows = tableAfter(bench, '## Thresholds')
    expect(rows.slice(1)).toEqual([
      ['pass', 'p95 < 50ms during baseline', 'baseline', '14 ms'],
      ['**FAIL**', 'p99 < 250ms during spike', 'spike', '**401 ms**'],
      ['**FAIL**', 'errorRate < 1% during spike', 'spike', '**1.82%**'],
      ['pass', 'achievedRate >= 950 during spike', 'spike', '996 req/s'],
      ['pass', 'p99 < 100ms during recovery', 'recovery', '25.2 ms'],
    ])
  })

  it('shows breaker time out of closed and per-instance shares', () => {
    expect(tableAfter(bench, '## Circuit breakers')[1]).toEqual(['api-2', 'postgres', '**6 s**', '1 s'])
    const instances = tableAfter(bench, '## Load balancing').slice(1)
    expect(instances.map((r) => r[0])).toEqual(['api-1', 'api-2', 'api-3'])
    expect(instances[2][3]).toBe('14 s')
  })

  it('chaos reports show stages, detection and recovery times, writes checked and lost', () => {
    const chaos = renderMarkdown(chaosKillRedisReport())
    expect(headings(chaos)).toContain('## Chaos: kill-redis')
    expect(chaos).toContain('- **Recovery (rollback → steady state again):** 3 s')
    expect(chaos).toContain('- **Writes checked afterwards:** 600')
    expect(chaos).toContain('- **Writes lost:** 0')
    expect(chaos).toContain('| kill redis | breaker open (redis) | 1 s |')
    expect(chaos).toMatch(/\| redis killed \| fault \| 20 s – 40 s \|/)
    expect(chaos).toContain('| kill redis | kill | redis | 20 s | 40 s |')
  })

  it('says so when the system’s metrics were unavailable instead of showing empty figures', () => {
    const report = benchSpikeReport()
    report.system = {...report.system, available: false, reason: 'external target without metrics URLs', series: []}
    const markdown = renderMarkdown(report)
    expect(markdown).toContain("The system's metrics were not available: external target without metrics URLs.")
    expect(headings(markdown)).not.toContain('## Cache')
  })

  it('escapes markup that comes from the report', () => {
    const report = benchSpikeReport()
    report.scenario.description = 'pipes | and <img src=x onerror=alert(1)> and *stars* and `ticks`'
    report.phases[0].name = 'warm|up'
    const markdown = renderMarkdown(report)
    expect(markdown).toContain('pipes \\| and &lt;img src=x onerror=alert(1)> and \\*stars\\* and \\`ticks\\`')
    expect(markdown).not.toContain('<img')
    expect(tableAfter(markdown, '## Phases')[1][0]).toBe('warm\\|up')
    expect(escapeMarkdown('p99 < 250ms')).toBe('p99 < 250ms')
  })
})
