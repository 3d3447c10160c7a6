import {describe, expect, it} from 'vitest'
import {parseCheck} from './expressions.js'
import {ResponseRecorder} from './response-recorder.js'
import {evaluateCheck, type Observations} from './steady-state.js'

/** Seconds 0..4 of a load: 100 responses a second at 10 ms, then second 3 with 10 errors and a 900 ms tail. */
function recorded(): ResponseRecorder {
  const recorder = new ResponseRecorder(10)
  for (let second = 0; second < 5; second++) {
    for (let i = 0; i < 100; i++) {
      const atMs = second * 1000 + i * 10
      if (second === 3 && i < 10) recorder.record(atMs, {status: 503}, 5)
      else if (second === 3 && i < 15) recorder.record(atMs, {status: 200}, 900)
      else recorder.record(atMs, {status: 200}, 10)
    }
  }
  recorder.record(4_500, {failure: 'timeout'}, 10_000)
  return recorder
}

function observations(recorder: ResponseRecorder, overrides: Partial<Observations> = {}): Observations {
  return {
    window: (from, to) => recorder.window(from, to),
    cacheHitRate: (from) => (from >= 3 ? 0.2 : 0.8),
    breakerStates: () => ({'api-1': {redis: 'closed', postgres: 'open'}, gateway: {redis: 'closed'}}),
    readiness: () => ({gateway: 'degraded', balancer: 'ready', 'api-1': 'ready', 'api-2': 'ready'}),
    fleet: () => [{name: 'api-1', healthy: true, share: 1, inFlight: 0, ejected: false}],
    ...overrides,
  }
}

describe('evaluateCheck on a window of whole seconds', () => {
  const obs = observations(recorded())

  it('latency percentiles come from the seconds’ merged histograms', () => {
    expect(evaluateCheck(parseCheck('p99 < 250ms'), obs, 0, 3)).toMatchObject({passed: true, actual: expect.closeTo(10, 1), detail: '10 ms over 3 s'})
    const tail = evaluateCheck(parseCheck('p99 < 250ms'), obs, 2, 5)
    expect(tail.passed).toBe(false)
    expect(tail.actual).toBeCloseTo(900, -1)
  })

  it('error rate: 5xx, socket errors and timeouts of all requests in the window', () => {
    expect(evaluateCheck(parseCheck('error_rate < 1%'), obs, 0, 3)).toMatchObject({passed: true, actual: 0})
    // Seconds 3 and 4: 10 × 503 and one timeout of 201 requests.
    expect(evaluateCheck(parseCheck('error_rate < 1%'), obs, 3, 5)).toMatchObject({passed: false, actual: 0.0547})
  })

  it('a window with nothing in it fails: no responses is no evidence', () => {
    expect(evaluateCheck(parseCheck('p99 < 250ms'), obs, 7, 10)).toMatchObject({passed: false, actual: null, detail: 'not measured: no responses in the last 3 s'})
    expect(evaluateCheck(parseCheck('cache_hit_rate > 50%'), observations(recorded(), {cacheHitRate: () => null}), 0, 3)).toMatchObject({passed: false, actual: null})
  })

  it('cache hit rate from the system’s seconds', () => {
    expect(evaluateCheck(parseCheck('cache_hit_rate > 50%'), obs, 0, 3)).toMatchObject({passed: true, actual: 0.8})
    expect(evaluateCheck(parseCheck('cache_hit_rate > 50%'), obs, 3, 5)).toMatchObject({passed: false, actual: 0.2})
  })

  it('breakers, readiness and rotation as last seen; actual counts what is not as required', () => {
    expect(evaluateCheck(parseCheck('breakers closed'), obs, 0, 3)).toEqual({passed: false, actual: 1, detail: 'api-1/postgres open'})
    expect(evaluateCheck(parseCheck('breaker redis closed'), obs, 0, 3)).toEqual({passed: true, actual: 0, detail: 'all 2 closed'})
    expect(evaluateCheck(parseCheck('gateway ready'), obs, 0, 3)).toEqual({passed: false, actual: 1, detail: 'gateway degraded'})
    expect(evaluateCheck(parseCheck('fleet ready'), obs, 0, 3)).toMatchObject({passed: true, actual: 0})
    expect(evaluateCheck(parseCheck('fleet in rotation'), obs, 0, 3)).toMatchObject({passed: true, actual: 0})
    expect(evaluateCheck(parseCheck('fleet ready'), observations(recorded(), {readiness: () => undefined}), 0, 3)).toMatchObject({passed: false, actual: null})
  })
})

describe('ResponseRecorder', () => {
  it('keeps stage totals whole and forgets seconds no window reaches', () => {
    const recorder = new ResponseRecorder(2)
    recorder.record(500, {status: 200}, 4)
    recorder.beginStage('fault', 'kill redis', 1_000)
    recorder.record(1_500, {status: 500}, 8)
    recorder.record(2_500, {failure: 'socket-error'}, 8)
    recorder.prune(5)
    expect(recorder.window(0, 5).responses).toBe(0)
    const [baseline, fault] = recorder.stages(3_000)
    expect(baseline).toMatchObject({kind: 'baseline', startMs: 0, endMs: 1_000})
    expect(baseline.outcomes.status2xx).toBe(1)
    expect(fault).toMatchObject({kind: 'fault', name: 'kill redis', startMs: 1_000, endMs: 3_000})
    expect([fault.outcomes.status5xx, fault.outcomes.socketErrors, fault.histogram.totalCount]).toEqual([1, 1, 1])
  })

  it('finds the first error since a time', () => {
    const recorder = recorded()
    expect(recorder.firstErrorSince(0)).toBe(3_000)
    expect(recorder.firstErrorSince(3_050)).toBe(4_500)
  })
})
