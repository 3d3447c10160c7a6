// One scenario run end to end without the lab: real engines against a real HTTP server that answers
// some requests with 429 and 500, the report built and written, the reporter fed live snapshots
// that match the LiveSnapshot schema, and a stop request that ends the run with a partial report.
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {reply, startTestHttpServer, type TestHttpServer} from '../../test/support/http-servers.js'
import {Report} from '../report/schema.js'
import {parseScenarioText} from '../scenario/load-scenario.js'
import {resolveScenario} from '../scenario/resolve-scenario.js'
import {LiveSnapshotSchema} from '../ui/live-snapshot-schema.js'
import type {LiveSnapshot} from '../ui/live.js'
import type {RunEvent, RunInfo, RunOutcome, RunReporter} from '../ui/reporter.js'
import type {BenchTarget} from './bench-target.js'
import {runScenarioOnce} from './scenario-run.js'

const scenario = resolveScenario(
  parseScenarioText(
    `name: unit
description: three phases against a plain HTTP server
requests: [{path: "/r/{{id}}", ids: {distribution: uniform, max: 50}}]
phases:
  - {name: open-flat, duration: 1500ms, rate: 100}
  - {name: open-ramp, duration: 1500ms, rate: {from: 50, to: 150}}
  - {name: closed, duration: 1s, connections: 2}
thresholds:
  - rate_429 > 5% during open-flat
  - error_rate < 10%
  - cache_hit_rate > 1%
`,
    'unit.yaml',
  ),
)

/** Records what a reporter sees, pulling a snapshot every 100 ms as a dashboard would. */
class RecordingReporter implements RunReporter {
  info: RunInfo | undefined
  events: RunEvent[] = []
  snapshots: LiveSnapshot[] = []
  outcome: RunOutcome | undefined
  private timer: NodeJS.Timeout | undefined
  start(info: RunInfo, live: () => LiveSnapshot): void {
    this.info = info
    this.timer = setInterval(() => this.snapshots.push(live()), 100)
  }
  event(event: RunEvent): void {
    this.events.push(event)
  }
  async finish(outcome: RunOutcome): Promise<void> {
    this.outcome = outcome
  }
  onStopRequest(): void {}
  async close(): Promise<void> {
    clearInterval(this.timer)
  }
}

let server: TestHttpServer
let dir: string
let target: BenchTarget

beforeAll(async () => {
  let n = 0
  server = await startTestHttpServer((_req, res) => {
    n++
    if (n % 10 === 0) reply(res, 429, 'slow down')
    else if (n % 50 === 1) reply(res, 500, 'oops')
    else reply(res, 200, 'ok')
  })
  dir = mkdtempSync(join(tmpdir(), 'scalelab-scenario-run-'))
  target = {url: server.url, lab: false, runtime: 'external', runtimeLabel: 'a test server', apiInstances: null, metrics: {unavailable: 'a plain test server has no metrics'}, startedLab: false}
})
afterAll(async () => {
  await server?.close()
  if (dir) rmSync(dir, {recursive: true, force: true})
})

async function run(name: string, stop: AbortSignal, reporter: RecordingReporter) {
  const environment = {runtime: 'external' as const, apiInstances: null, cores: 2, cpuModel: 'test', memoryGb: 1, node: process.version, platform: 'linux x64', gitCommit: null, scalelabVersion: '0.0.0'}
  try {
    return await runScenarioOnce({scenario, file: 'unit.yaml', target, environment, id: name, dir: join(dir, name), command: ['scalelab', 'bench', 'unit.yaml'], reporter, stop})
  } finally {
    await reporter.close()
  }
}

describe('runScenarioOnce', () => {
  it('runs every phase with its engine and writes a schema-valid report whose figures add up', async () => {
    const reporter = new RecordingReporter()
    const outcome = await run('full', new AbortController().signal, reporter)
    const report = Report.parse(outcome.report)
    expect(outcome.files.map((f) => f.split('/').pop())).toEqual(['report.json', 'report.md', 'report.html', 'junit.xml'])
    for (const file of outcome.files) expect(existsSync(file)).toBe(true)

    expect(report.phases.map((p) => [p.name, p.model])).toEqual([['open-flat', 'open'], ['open-ramp', 'open'], ['closed', 'closed']])
    const [flat, ramp, closed] = report.phases
    expect(flat.targetRate).toEqual({from: 100, to: 100, mean: expect.closeTo(100, -1)})
    expect(ramp.targetRate).toMatchObject({from: 50, to: 150})
    expect(closed).toMatchObject({targetRate: null, connections: 2, pipelining: 1})
    expect(flat.startOffsetS).toBeLessThan(ramp.startOffsetS)
    // Outcomes: the server's pattern, one answer in ten a 429 and one in fifty a 500.
    const totals = report.phases.reduce((sum, p) => sum + p.outcomes.total, 0)
    expect(report.summary.requests.total).toBe(totals)
    expect(report.summary.rateLimitedRate).toBeCloseTo(0.1, 1)
    expect(report.summary.errorRate).toBeGreaterThan(0.005)
    expect(report.summary.errorRate).toBeLessThan(0.05)
    expect(report.summary.requests.errors).toBe(report.phases.reduce((sum, p) => sum + p.outcomes.serverErrors, 0))
    expect(report.summary.latencyMs!.p99).toBeGreaterThanOrEqual(report.summary.latencyMs!.p50)
    // Per-second series over the whole run, in order.
    expect(report.series.length).toBeGreaterThanOrEqual(4)
    expect(report.series.map((s) => s.t)).toEqual([...report.series.map((s) => s.t)].sort((a, b) => a - b))
    expect(new Set(report.series.map((s) => s.phase))).toEqual(new Set(['open-flat', 'open-ramp', 'closed']))
    // No metrics here: said so, and the cache threshold fails saying why.
    expect(report.system).toMatchObject({available: false, reason: 'a plain test server has no metrics', series: []})
    expect(report.summary.cacheHitRate).toBeNull()
    expect(report.thresholds.map((t) => [t.expression, t.passed])).toEqual([
      ['rate_429 > 5% during open-flat', true],
      ['error_rate < 10%', true],
      ['cache_hit_rate > 1%', false],
    ])
    expect(report.verdict).toEqual({passed: false, failures: ['cache_hit_rate > 1%: not measured (system metrics unavailable: a plain test server has no metrics)']})
    expect(report.scenario).toMatchObject({name: 'unit', file: 'unit.yaml'})

    // The reporter: phases in order (0-based), messages, live snapshots of the LiveSnapshot shape.
    expect(reporter.events.filter((e) => e.type === 'phase')).toEqual([
      {type: 'phase', index: 0, name: 'open-flat'},
      {type: 'phase', index: 1, name: 'open-ramp'},
      {type: 'phase', index: 2, name: 'closed'},
    ])
    expect(reporter.events).toContainEqual({type: 'message', level: 'warn', text: 'system metrics unavailable: a plain test server has no metrics'})
    expect(reporter.snapshots.length).toBeGreaterThan(20)
    for (const snapshot of reporter.snapshots) expect(LiveSnapshotSchema.safeParse(snapshot).success).toBe(true)
    const closedSnapshot = reporter.snapshots.findLast((s) => s.phase.name === 'closed')!
    expect(closedSnapshot.phase).toMatchObject({index: 2, count: 3, model: 'closed', connections: 2, targetRate: null})
    expect(closedSnapshot.cache).toBeNull()
    const flatSnapshot = reporter.snapshots.find((s) => s.phase.name === 'open-flat' && s.phase.elapsedS > 1.1)!
    expect(flatSnapshot.phase.targetRate).toBe(100)
    expect(flatSnapshot.achievedRate).toBeGreaterThan(50)
    expect(flatSnapshot.outcomes.rateLimited).toBeGreaterThan(0)
    // Outcomes only grow.
    const totalsSeen = reporter.snapshots.map((s) => s.outcomes.total)
    expect(totalsSeen).toEqual([...totalsSeen].sort((a, b) => a - b))
  }, 30_000)

  it('a stop request ends the phase under way at once, skips the rest and writes a partial report', async () => {
    const reporter = new RecordingReporter()
    const stop = new AbortController()
    setTimeout(() => stop.abort(), 700)
    const began = performance.now()
    const outcome = await run('stopped', stop.signal, reporter)
    const sentFor = performance.now() - began
    const report = Report.parse(outcome.report)
    expect(report.interrupted).toBe(true)
    expect(report.phases.map((p) => p.name)).toEqual(['open-flat'])
    expect(report.phases[0].durationS).toBeLessThan(1.2)
    expect(report.verdict.passed).toBe(false)
    expect(report.verdict.failures.at(-1)).toBe('The run was stopped early; phases not run: open-ramp, closed: the report is partial.')
    expect(sentFor).toBeLessThan(15_000) // writing the HTML takes a moment; the load itself stopped at 0.7 s
    const received = server.received
    await new Promise((r) => setTimeout(r, 300))
    expect(server.received).toBe(received)
  }, 30_000)
})
