// From a run's measurements to the report: a real load phase against a real HTTP server (one that
// starts failing half-way, as a faulted system would), its responses split into stages, and the
// chaos section with expectations judged on them. The report must validate and its verdict follow
// the steady state, the expectations and the write check.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {reply, startTestHttpServer, type TestHttpServer} from '../../test/support/http-servers.js'
import {runPhase} from '../load/phase.js'
import {constantSource} from '../load/request-sources.js'
import type {PhaseResult} from '../load/types.js'
import {Report} from '../report/schema.js'
import {buildChaosRunReport, type ChaosRunFigures} from './chaos-report.js'
import {parseExpectation} from './expressions.js'
import {ResponseRecorder} from './response-recorder.js'
import type {ResolvedExperiment} from './resolve-experiment.js'

let server: TestHttpServer
let phase: PhaseResult
let recorder: ResponseRecorder
let failing = false

beforeAll(async () => {
  server = await startTestHttpServer((_req, res) => reply(res, failing ? 503 : 200))
  recorder = new ResponseRecorder(10)
  const t0 = performance.now()
  setTimeout(() => {
    failing = true
    recorder.beginStage('fault', 'kill redis', performance.now() - t0)
  }, 600)
  setTimeout(() => {
    failing = false
    recorder.beginStage('recovery', 'recovery', performance.now() - t0)
  }, 1200)
  phase = await runPhase({
    name: 'load',
    target: server.url,
    durationMs: 1800,
    load: {model: 'open', rate: {kind: 'constant', perSecond: 50}},
    source: constantSource({method: 'GET', path: '/', captureBody: true}),
    onResponse: (r) => recorder.record(performance.now() - t0, r.outcome === 'response' ? {status: r.status} : {failure: r.outcome === 'unfinished' ? 'other-error' : r.outcome}, r.latencyMs),
  })
})

afterAll(async () => server?.close())

const experiment = (expectations: string[]): ResolvedExperiment =>
  ({
    name: 'kill-redis',
    description: 'test',
    file: 'scenarios/chaos/kill-redis.yaml',
    totalMs: 1800,
    load: {} as ResolvedExperiment['load'],
    loadScenarioFile: null,
    writeTemplates: ['create-resource'],
    steps: [{index: 0, name: 'kill redis', atMs: 600, forMs: 600, spec: {kind: 'service', verb: 'kill', target: 'redis'}, detect: []}],
    checks: [{kind: 'metric', expression: 'error_rate < 1%', metric: 'errorRate', op: '<', value: 0.01}],
    windowMs: 3000,
    holdForMs: 3000,
    expectations: expectations.map(parseExpectation),
    abortRules: [],
    asRun: {name: 'kill-redis'},
  }) as unknown as ResolvedExperiment

function figures(overrides: Partial<ChaosRunFigures> = {}): ChaosRunFigures {
  const endMs = phase.durationMs
  return {
    id: '2026-11-22T00-00-00Z-kill-redis',
    startedAt: new Date(),
    finishedAt: new Date(),
    interrupted: false,
    command: ['scalelab', 'chaos', 'kill-redis'],
    experiment: experiment(['breaker redis opens within 5s of fault', 'error_rate > 50% during fault', 'error_rate < 1% during recovery', 'steady state within 2s of rollback', 'fail_open > 0 during fault', 'lost_writes = 0']),
    target: {url: server.url, lab: true},
    environment: {runtime: 'local', apiInstances: 3, cores: 2, cpuModel: 'x', memoryGb: 1, node: process.version, platform: 'linux x64', gitCommit: null, scalelabVersion: '0.1.0'},
    phase,
    series: [],
    system: {
      available: true,
      sources: {},
      totals: {cacheHitRate: 0.5, cacheHitRateByLayer: {l1: 0.5, l2: null}, cacheLookups: 10, staleServes: 0, breakerTrips: 2, breakerTripsByDependency: {redis: 2}, rateLimit: {allowed: 1, limited: 0, failOpen: 7}, perInstanceRequests: {}, ejections: 0, maxPoolWaiting: 0},
      series: [0, 1].map((t) => ({t, cacheHitRate: 0.5, l1HitRate: 0.5, l2HitRate: null, staleServes: 0, breakerTrips: t, breakerStates: {}, rateLimit: {allowed: 1, limited: 0, failOpen: t === 0 ? 0 : 7}, perInstanceRequests: {}, ejections: 0, ejected: [], poolWaiting: 0, down: []})),
    },
    stages: recorder.stages(endMs),
    faults: [{step: experiment([]).steps[0], action: 'kill', target: 'redis', injectedAtMs: 600, rolledBackAtMs: 1200}],
    detection: [{fault: 'kill redis', signal: 'breaker redis open', afterS: 0.8}],
    recovery: {startedAtMs: 1200, afterS: 1.4},
    baselineChecks: [{passed: true, actual: 0, detail: ''}],
    recoveryChecks: [{passed: true, actual: 0, detail: ''}],
    writes: {acknowledged: 40, checked: 40, lost: 0, lostIds: [], refused: 3, notes: []},
    abort: undefined,
    rollbackFailures: [],
    cacheHitRateBetween: () => 0.5,
    ...overrides,
  }
}

describe('buildChaosRunReport', () => {
  it('a chaos report that matches the schema: stages with their own figures, faults, detection, recovery, expectations, writes', () => {
    const report = Report.parse(buildChaosRunReport(figures()))
    expect(report.kind).toBe('chaos')
    expect(report.phases.map((p) => p.name)).toEqual(['load'])
    const chaos = report.chaos!
    expect(chaos.stages.map((s) => [s.name, s.kind])).toEqual([['baseline', 'baseline'], ['kill redis', 'fault'], ['recovery', 'recovery']])
    const [baseline, fault, recovery] = chaos.stages
    expect(baseline.errorRate).toBe(0)
    expect(fault.errorRate).toBeGreaterThan(0.8)
    expect(recovery.errorRate).toBe(0)
    // Every response lands in exactly one stage.
    expect(chaos.stages.reduce((n, s) => n + s.outcomes.total, 0)).toBe(report.summary.requests.total)
    expect(fault.latencyMs).not.toBeNull()
    expect(chaos.faults).toEqual([{step: 'kill redis', action: 'kill', target: 'redis', injectedAtS: 0.6, rolledBackAtS: 1.2}])
    expect(chaos.recovery).toEqual({afterS: 1.4})
    expect(chaos.steadyState).toEqual([
      {check: 'error_rate < 1%', passed: true, actual: 0, stage: 'baseline'},
      {check: 'error_rate < 1%', passed: true, actual: 0, stage: 'recovery'},
    ])
    expect(chaos.expectations.map((e) => [e.expression, e.passed, e.actual])).toEqual([
      ['breaker redis opens within 5s of fault', true, 0.8],
      ['error_rate > 50% during fault', true, fault.errorRate],
      ['error_rate < 1% during recovery', true, 0],
      ['steady state within 2s of rollback', true, 1.4],
      ['fail_open > 0 during fault', true, 7],
      ['lost_writes = 0', true, 0],
    ])
    expect(chaos.writes).toEqual({acknowledged: 40, checked: 40, lost: 0, lostIds: []})
    expect(report.verdict).toEqual({passed: true, failures: []})
  })

  it('fails on lost writes, a failed expectation, no recovery, an abort or a fault left in', () => {
    const report = buildChaosRunReport(
      figures({
        writes: {acknowledged: 40, checked: 40, lost: 2, lostIds: ['17', '23'], refused: 0, notes: []},
        detection: [{fault: 'kill redis', signal: 'breaker redis open', afterS: null}],
        recovery: {startedAtMs: 1200, afterS: null},
        abort: {reason: 'error_rate > 50% for 5s: held'},
        rollbackFailures: ['Rolling back "kill redis" failed: no answer'],
      }),
    )
    expect(Report.safeParse(report).success).toBe(true)
    expect(report.verdict.passed).toBe(false)
    expect(report.chaos!.aborted).toBe(true)
    expect(report.chaos!.expectations.find((e) => e.expression.startsWith('breaker'))).toMatchObject({passed: false, actual: null, note: 'breaker redis open was never observed after kill redis'})
    expect(report.chaos!.expectations.find((e) => e.expression === 'lost_writes = 0')).toMatchObject({passed: false, actual: 2})
    expect(report.verdict.failures).toEqual(
      expect.arrayContaining([
        'the steady state did not hold again after the rollback before the run ended',
        '2 acknowledged writes were lost: 17, 23',
        'aborted: error_rate > 50% for 5s: held',
        'Rolling back "kill redis" failed: no answer (repair it with: scalelab chaos --rollback)',
      ]),
    )
  })

  it('a steady state that did not hold before the fault fails the run; writes that could not be checked too', () => {
    const report = buildChaosRunReport(figures({baselineChecks: [{passed: false, actual: 0.04, detail: ''}], writes: {acknowledged: 5, checked: 0, lost: 0, lostIds: [], refused: 0, notes: ['Postgres could not be read directly (refused): the writes are unchecked']}}))
    expect(report.verdict.failures).toEqual(
      expect.arrayContaining([
        'steady state during baseline: error_rate < 1% did not hold (4.00%)',
        'the 5 acknowledged writes could not be checked: Postgres could not be read directly (refused): the writes are unchecked',
      ]),
    )
    expect(report.chaos!.expectations.find((e) => e.expression === 'lost_writes = 0')).toMatchObject({passed: false, actual: null})
  })
})
