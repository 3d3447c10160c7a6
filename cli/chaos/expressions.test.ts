import {describe, expect, it} from 'vitest'
import {compareValues, ExpressionError, parseAbortRule, parseCheck, parseExpectation, parseSignal} from './expressions.js'

describe('steady-state checks', () => {
  it('reads figure checks in the thresholds’ units: ms for latency, 0..1 for shares', () => {
    expect(parseCheck('p99 < 250ms')).toMatchObject({kind: 'metric', metric: 'p99', op: '<', value: 250})
    expect(parseCheck('p95 <= 0.5s')).toMatchObject({kind: 'metric', metric: 'p95', op: '<=', value: 500})
    expect(parseCheck('error_rate < 1%')).toMatchObject({kind: 'metric', metric: 'errorRate', value: 0.01})
    expect(parseCheck('cache_hit_rate > 50%')).toMatchObject({kind: 'metric', metric: 'cacheHitRate', op: '>', value: 0.5})
    expect(parseCheck('rate_429 < 0.05')).toMatchObject({kind: 'metric', metric: 'rateLimitedRate', value: 0.05})
  })

  it('reads breaker, readiness and rotation checks', () => {
    expect(parseCheck('breakers closed')).toEqual({kind: 'breakers-closed', expression: 'breakers closed', dependency: null})
    expect(parseCheck('breaker redis closed')).toMatchObject({kind: 'breakers-closed', dependency: 'redis'})
    expect(parseCheck('gateway ready')).toMatchObject({kind: 'ready', service: 'gateway'})
    expect(parseCheck('fleet ready')).toMatchObject({kind: 'ready', service: 'fleet'})
    expect(parseCheck('api-3 ready')).toMatchObject({kind: 'ready', service: 'api-3'})
    expect(parseCheck('fleet in rotation')).toMatchObject({kind: 'in-rotation'})
  })

  it('says what was expected when a check is not one', () => {
    expect(() => parseCheck('everything fine')).toThrow(/is not a steady-state check: expected a check such as "error_rate < 1%"/)
    expect(() => parseCheck('breaker mongo closed')).toThrow('mongo is not a dependency with a breaker; use redis, postgres, external')
    expect(() => parseCheck('achieved_rate > 90%')).toThrow('cannot be judged per second')
    expect(() => parseCheck('p99 < 250ms during fault')).toThrow('leave out "during"')
    expect(() => parseCheck('redis ready')).toThrow('redis is not a service with /ready')
  })
})

describe('detection signals', () => {
  it('normalises how a signal is written', () => {
    expect(parseSignal('breaker redis opens')).toEqual({kind: 'breaker-open', text: 'breaker redis open', dependency: 'redis'})
    expect(parseSignal('api-2 ejected')).toEqual({kind: 'out-of-rotation', text: 'api-2 out of rotation', instance: 'api-2'})
    expect(parseSignal('any api out of rotation')).toMatchObject({instance: 'any api'})
    expect(parseSignal('gateway is not ready')).toEqual({kind: 'degraded', text: 'gateway degraded', service: 'gateway'})
    expect(parseSignal('ratelimit fail_open')).toEqual({kind: 'fail-open', text: 'rate limiter fail-open'})
    expect(parseSignal('client errors').kind).toBe('client-errors')
    expect(parseSignal('stale serves').kind).toBe('stale-serves')
    expect(parseSignal('steady state deviates').kind).toBe('deviation')
  })

  it('refuses what it cannot observe', () => {
    expect(() => parseSignal('redis out of rotation')).toThrow('redis is not an API instance')
    expect(() => parseSignal('the pager rings')).toThrow(ExpressionError)
  })
})

describe('expectations', () => {
  it('times a signal from a fault, the first one or a named step', () => {
    expect(parseExpectation('breaker redis opens within 5s of fault')).toMatchObject({kind: 'detected', withinMs: 5000, step: null, signal: {text: 'breaker redis open'}})
    expect(parseExpectation('api-2 out of rotation within 2.5s of kill api-2')).toMatchObject({kind: 'detected', withinMs: 2500, step: 'kill api-2'})
  })

  it('times the recovery from the rollback', () => {
    expect(parseExpectation('steady state within 20s of rollback')).toEqual({kind: 'recovered', expression: 'steady state within 20s of rollback', withinMs: 20_000})
    expect(() => parseExpectation('breaker redis opens within 5s of rollback')).toThrow('steady state within <duration> of rollback')
  })

  it('judges figures of a stage, counts included', () => {
    expect(parseExpectation('error_rate < 1% during fault')).toMatchObject({kind: 'figure', figure: {kind: 'window', metric: 'errorRate'}, op: '<', value: 0.01, stage: 'fault'})
    expect(parseExpectation('p99 > 250ms during fault')).toMatchObject({figure: {metric: 'p99'}, value: 250, stage: 'fault'})
    expect(parseExpectation('ratelimit fail_open > 0 during fault')).toMatchObject({figure: {kind: 'count', metric: 'fail_open'}, op: '>', value: 0})
    expect(parseExpectation('lost_writes = 0')).toMatchObject({figure: {kind: 'count', metric: 'lost_writes'}, op: '=', value: 0, stage: null})
    expect(parseExpectation('ejections >= 1 during fault')).toMatchObject({figure: {metric: 'ejections'}, op: '>=', value: 1})
  })

  it('says what was expected', () => {
    expect(() => parseExpectation('lost_writes = 0 during fault')).toThrow('writes are checked once, after recovery')
    expect(() => parseExpectation('error_rate = 1%')).toThrow('compare error_rate with <, <=, > or >=')
    expect(() => parseExpectation('error_rate < 1% during warmup')).toThrow('the stages are baseline, fault, recovery')
    expect(() => parseExpectation('breaker redis opens within soon of fault')).toThrow('"soon" is not a duration')
    expect(() => parseExpectation('it works')).toThrow(/is not an expectation: expected an expectation such as/)
  })
})

describe('abort rules', () => {
  it('is a figure check with a bound', () => {
    expect(parseAbortRule('error_rate > 50% for 5s')).toMatchObject({forMs: 5000, check: {metric: 'errorRate', op: '>', value: 0.5}})
    expect(() => parseAbortRule('error_rate > 50%')).toThrow('expected "<check> for <duration>"')
    expect(() => parseAbortRule('gateway ready for 5s')).toThrow('an abort rule watches a figure')
    expect(() => parseAbortRule('p99 > 2s for 500ms')).toThrow('at least 1s')
  })
})

describe('compareValues', () => {
  it('compares with every operator, = exactly', () => {
    expect([compareValues(1, '<', 2), compareValues(2, '<=', 2), compareValues(3, '>', 2), compareValues(2, '>=', 2), compareValues(0, '=', 0), compareValues(1, '=', 0)]).toEqual([true, true, true, true, true, false])
  })
})
