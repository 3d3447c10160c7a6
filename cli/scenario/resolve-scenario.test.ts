import {describe, expect, it} from 'vitest'
import {UserError} from '../errors.js'
import {parseScenarioText} from './load-scenario.js'
import {resolveScenario} from './resolve-scenario.js'

const FILE = parseScenarioText(
  `name: r
description: resolve me
ids: {distribution: zipf, s: 1.2}
requests:
  - {path: "/a/{{id}}", weight: 3}
  - {name: post, method: POST, path: /b, body: {n: "{{seq}}"}, headers: {X-Trace: "t-{{uuid}}"}, ids: {distribution: uniform, min: 5, max: 9}}
phases:
  - {name: warm, duration: 10s, rate: 20}
  - {name: climb, duration: 20s, rate: {from: 10, to: 100}, knee: {when: ["p99 > 200ms"], for: 3s}}
  - {name: max, duration: 30s, connections: 16, pipelining: 2}
thresholds: [p95 < 50ms during warm, error_rate < 1%]
`,
  'r.yaml',
)

describe('resolveScenario', () => {
  it('as written: durations in ms, loads per model, defaults filled in', () => {
    const s = resolveScenario(FILE)
    expect(s.target).toBe('gateway')
    expect(s.totalMs).toBe(60_000)
    expect(s.phases.map((p) => [p.name, p.durationMs, p.load])).toEqual([
      ['warm', 10_000, {model: 'open', rate: {kind: 'constant', perSecond: 20}}],
      ['climb', 20_000, {model: 'open', rate: {kind: 'ramp', from: 10, to: 100}}],
      ['max', 30_000, {model: 'closed', connections: 16, pipelining: 2}],
    ])
    expect(s.phases[1].knee).toMatchObject({forMs: 3000, stop: true, when: [{metric: 'p99', op: '>', value: 200}]})
    expect(s.requests[0]).toMatchObject({name: 'GET /a/{{id}}#1', method: 'GET', weight: 3, identity: 'anonymous', ids: {distribution: 'zipf', s: 1.2, min: 1, max: 10_000}})
    expect(s.requests[1]).toMatchObject({body: '{"n":"{{seq}}"}', headers: {'x-trace': 't-{{uuid}}', 'content-type': 'application/json'}, ids: {distribution: 'uniform', min: 5, max: 9}})
    expect(s.thresholds.map((t) => t.metric)).toEqual(['p95', 'errorRate'])
    expect(s.identities.anonymous).toEqual({kind: 'anonymous'})
  })

  it('--duration scales every phase by the same factor; --rate-scale multiplies every rate', () => {
    const s = resolveScenario(FILE, {durationMs: 6_000, rateScale: 0.5})
    expect(s.phases.map((p) => p.durationMs)).toEqual([1_000, 2_000, 3_000])
    expect(s.totalMs).toBe(6_000)
    expect(s.phases[0].load).toEqual({model: 'open', rate: {kind: 'constant', perSecond: 10}})
    expect(s.phases[1].load).toEqual({model: 'open', rate: {kind: 'ramp', from: 5, to: 50}})
    expect(s.phases[2].load).toEqual({model: 'closed', connections: 16, pipelining: 2})
    // The report's copy says what ran.
    expect(s.asRun.phases.map((p) => [p.duration, p.rate ?? p.connections])).toEqual([
      ['1s', 10],
      ['2s', {from: 5, to: 50}],
      ['3s', 16],
    ])
  })

  it('refuses a --duration that leaves a phase almost nothing, naming it', () => {
    expect(() => resolveScenario(FILE, {durationMs: 1_000})).toThrow(UserError)
    expect(() => resolveScenario(FILE, {durationMs: 1_000})).toThrow(/leaves phase warm only 167 ms/)
    expect(() => resolveScenario(FILE, {rateScale: 0})).toThrow(/--rate-scale must be a number > 0/)
  })
})
