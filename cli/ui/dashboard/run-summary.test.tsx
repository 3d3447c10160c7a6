import {vi} from 'vitest'
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1'
})
import {render} from 'ink-testing-library'
import {describe, expect, it} from 'vitest'
import {SGR, stylesAt, visibleLines} from '../../../test/support/ansi.js'
import type {Report} from '../../report/schema.js'
import {loadFixture} from '../fixtures/recorded-snapshots.js'
import {playbackReport} from '../playback/playback-report.js'
import {RunSummary} from './run-summary.js'

const dir = 'reports/2025-06-01T10-00-00Z-spike-10x'

function summary(report: Report, files = [`${dir}/report.json`, `${dir}/report.md`, 'junit.xml']) {
  const {lastFrame, unmount} = render(<RunSummary outcome={{report, dir, files}} columns={80} />)
  const raw = lastFrame() ?? ''
  unmount()
  return {raw, lines: visibleLines(raw).map((line) => line.trimEnd())}
}

function reportOf(name: 'baseline' | 'spike' | 'chaos' | 'metrics-unavailable', interrupted = false): Report {
  return playbackReport(loadFixture(name), {interrupted, startedAt: new Date(0), finishedAt: new Date(1000)})
}

describe('RunSummary', () => {
  it('gives the verdict, the headline figures and the report path with its files', () => {
    const {raw, lines} = summary(reportOf('baseline'))
    expect(lines).toEqual([
      '✓ PASSED  scalelab bench spike-10x · 0:52 · local',
      '  requests  9,231 at 178/s · errors 0.0% · 429s 0.0%',
      '  latency   p50 2.0 · p95 6.1 · p99 10.9 · max 13.0 ms',
      '  system    cache hit 93.1% · breaker trips 0',
      `  report    ${dir} (report.json, report.md,`,
      '            junit.xml)',
    ])
    expect(stylesAt(raw, '✓ PASSED').has(SGR.green)).toBe(true)
  })

  it('lists the failures in red and what the generator could not send', () => {
    const {raw, lines} = summary(reportOf('spike'))
    expect(lines[0]).toMatch(/^✗ FAILED {2}scalelab bench spike-10x/)
    expect(lines).toContain('  generator 1,840 requests sent late · saturated: the lab may have been the')
    expect(lines).toContain('            bottleneck')
    expect(lines).toContain('  ✗ p99 < 100ms: 118.6 ms')
    expect(stylesAt(raw, '✗ FAILED').has(SGR.red)).toBe(true)
  })

  it('says a stopped run left a partial report', () => {
    const {raw, lines} = summary(reportOf('spike', true))
    expect(lines[0]).toMatch(/^■ STOPPED early: partial report {2}scalelab bench spike-10x/)
    expect(stylesAt(raw, '■ STOPPED').has(SGR.yellow)).toBe(true)
  })

  it('says when the system metrics were unavailable', () => {
    expect(summary(reportOf('metrics-unavailable')).lines[3]).toMatch(/^ {2}system {4}cache hit – · system metrics unavailable/)
  })

  it('shows recovery and lost writes of a chaos run', () => {
    const report = reportOf('chaos')
    report.chaos = {
      experiment: 'kill-redis',
      faults: [],
      stages: [],
      detection: [],
      recovery: {afterS: 4.2},
      steadyState: [],
      expectations: [],
      writes: {acknowledged: 120, checked: 120, lost: 0, lostIds: []},
      aborted: false,
      abortReason: null,
    }
    expect(summary(report).lines).toContain('  chaos     recovered after 4.2 s · writes lost 0 of 120')
  })

  it('keeps to five failures and says how many more the report has', () => {
    const report = reportOf('spike')
    report.verdict = {passed: false, failures: Array.from({length: 8}, (_, i) => `failure ${i + 1}`)}
    const {lines} = summary(report)
    expect(lines.filter((l) => l.startsWith('  ✗ failure'))).toHaveLength(5)
    expect(lines).toContain('  +3 more failures in the report')
  })
})
