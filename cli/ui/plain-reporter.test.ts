import {describe, expect, it} from 'vitest'
import {benchSpikeReport} from '../report/fixtures/fixture-reports.js'
import {loadFixture} from './fixtures/recorded-snapshots.js'
import {NdjsonReporter, type NdjsonLine} from './ndjson-reporter.js'
import {PlainReporter, progressLine} from './plain-reporter.js'
import type {RunInfo} from './reporter.js'

const INFO: RunInfo = {
  kind: 'bench',
  name: 'spike-10x',
  description: 'spike',
  runtime: 'local',
  target: 'http://127.0.0.1:7400',
  phases: [{name: 'warmup', durationS: 10}, {name: 'baseline', durationS: 30}, {name: 'spike', durationS: 30}, {name: 'recovery', durationS: 60}],
  totalS: 130,
  reportDir: 'reports/x',
}
const ESCAPE = /\u001b/

describe('PlainReporter', () => {
  it('writes plain lines: a header, phase changes with their load, messages, a progress line every few seconds, then the summary', async () => {
    const lines: string[] = []
    const reporter = new PlainReporter({write: (line) => lines.push(line), everyS: 0.05})
    const spike = loadFixture('spike')
    reporter.start(INFO, () => spike)
    reporter.event({type: 'phase', index: 2, name: 'spike'})
    reporter.event({type: 'message', level: 'warn', text: 'phase spike: the load generator was saturated'})
    await new Promise((r) => setTimeout(r, 130))
    const report = benchSpikeReport()
    await reporter.finish({report, dir: '/tmp/run', files: ['/tmp/run/report.json', '/tmp/run/report.md']})
    await reporter.close()
    const count = lines.length
    await new Promise((r) => setTimeout(r, 100))
    expect(lines.length).toBe(count) // no progress after finish
    expect(lines[0]).toBe('scalelab bench spike-10x: 130 s (warmup 10s, baseline 30s, spike 30s, recovery 60s) → http://127.0.0.1:7400')
    expect(lines).toContain('▶ phase 3/4 spike (30 s) · open model, 2000 req/s at the start')
    expect(lines).toContain('! phase spike: the load generator was saturated')
    expect(lines.filter((l) => l.startsWith('[')).length).toBeGreaterThanOrEqual(1)
    const text = lines.join('\n')
    expect(text).not.toMatch(ESCAPE)
    expect(text).toContain('FAILED · scalelab bench spike-10x')
    expect(text).toMatch(/^spike\s+open/m)
    expect(text).toContain('report: /tmp/run (report.json, report.md)')
  })

  it('a progress line carries the figures that matter now', () => {
    const line = progressLine(loadFixture('spike'))
    expect(line).toBe(
      '[  84/130 s] spike 3/4 · target 2000/s · 1620 req/s · p50 18.2 ms p95 88.4 ms p99 242 ms · err 4.97% · 429 7.2% · cache 88.4% · trips 3 · breakers api-2/postgres open, api-3/postgres half-open · api-2 ejected · behind 1840 · GENERATOR SATURATED',
    )
    expect(progressLine(loadFixture('metrics-unavailable'))).toContain('cache n/a')
  })
})

describe('NdjsonReporter', () => {
  it('one JSON object a line: start, events, a snapshot a second, the report last', async () => {
    const lines: string[] = []
    const reporter = new NdjsonReporter({write: (line) => lines.push(line), everyMs: 30})
    const snapshot = loadFixture('baseline')
    reporter.start(INFO, () => snapshot)
    reporter.event({type: 'phase', index: 0, name: 'warmup'})
    await new Promise((r) => setTimeout(r, 100))
    const report = benchSpikeReport()
    await reporter.finish({report, dir: '/tmp/run', files: []})
    await reporter.close()
    const parsed = lines.map((l) => JSON.parse(l) as NdjsonLine)
    expect(parsed[0]).toEqual({type: 'start', info: INFO})
    expect(parsed[1]).toEqual({type: 'event', event: {type: 'phase', index: 0, name: 'warmup'}})
    expect(parsed.filter((l) => l.type === 'snapshot').length).toBeGreaterThanOrEqual(2)
    expect(parsed.at(-1)).toEqual({type: 'report', dir: '/tmp/run', files: [], report})
  })
})
