import {describe, expect, it} from 'vitest'
import {emptySystemTotals, unavailableSystem} from './build.js'
import type {PhaseReport, Report, SystemReport} from './schema.js'
import {evaluateThreshold, parseThreshold, ThresholdSyntaxError} from './thresholds.js'

describe('parseThreshold', () => {
  it.each([
    ['p95 < 100ms during baseline', {metric: 'p95', op: '<', value: 100, phase: 'baseline'}],
    ['p99<0.25s', {metric: 'p99', op: '<', value: 250, phase: null}],
    ['max <= 900', {metric: 'max', op: '<=', value: 900, phase: null}],
    ['p50 < 500us', {metric: 'p50', op: '<', value: 0.5, phase: null}],
    ['error_rate < 1%', {metric: 'errorRate', op: '<', value: 0.01, phase: null}],
    ['errorRate < 0.05 during fault', {metric: 'errorRate', op: '<', value: 0.05, phase: 'fault'}],
    ['rate_429 > 30% during abuse', {metric: 'rateLimitedRate', op: '>', value: 0.3, phase: 'abuse'}],
    ['achieved_rate >= 95% during baseline', {metric: 'achievedRatio', op: '>=', value: 0.95, phase: 'baseline'}],
    ['achieved_rate >= 900/s', {metric: 'achievedRate', op: '>=', value: 900, phase: null}],
    ['achievedRate >= 950 during spike', {metric: 'achievedRate', op: '>=', value: 950, phase: 'spike'}],
    ['cache_hit_rate > 50%', {metric: 'cacheHitRate', op: '>', value: 0.5, phase: null}],
  ])('%s', (expression, expected) => {
    expect(parseThreshold(expression)).toEqual({expression, ...expected})
  })

  it.each([
    ['p95 100ms', /is not a threshold: expected "<metric> <op> <value> \[during <phase>\]"/],
    ['p98 < 100ms', /unknown metric "p98"; use one of p50, p90, p95, p99, p999, max, mean, error_rate, rate_429, achieved_rate, cache_hit_rate/],
    ['p95 < 100%', /p95 is a latency; give it in ms/],
    ['error_rate < 5', /error_rate is a share of requests; write it as a percentage/],
    ['error_rate < 150%', /150% is more than 100%/],
    ['achieved_rate > 5ms', /achieved_rate is a % of the target rate/],
    ['p95 < 100ms during', /is not a threshold/],
  ])('rejects %s, saying what was expected', (expression, message) => {
    expect(() => parseThreshold(expression)).toThrow(ThresholdSyntaxError)
    expect(() => parseThreshold(expression)).toThrow(message)
  })
})

function phase(overrides: Partial<PhaseReport>): PhaseReport {
  return {
    name: 'baseline',
    model: 'open',
    startOffsetS: 0,
    durationS: 10,
    targetRate: {from: 100, to: 100, mean: 100},
    connections: null,
    pipelining: null,
    achievedRate: 96,
    outcomes: {total: 960, ok: 900, redirects: 0, clientErrors: 0, rateLimited: 50, serverErrors: 10, socketErrors: 0, timeouts: 0, errors: 10},
    errorRate: 10 / 960,
    rateLimitedRate: 50 / 960,
    latencyMs: {p50: 5, p90: 20, p95: 40, p99: 120, p999: 200, max: 300, mean: 9},
    generator: {behind: 0, cpuPercentMean: 10, cpuPercentMax: 12, saturated: false},
    cacheHitRate: 0.8,
    ...overrides,
  }
}

const system = (available: boolean): SystemReport =>
  available
    ? {available: true, sources: {}, totals: {...emptySystemTotals(), cacheHitRate: 0.7}, series: []}
    : unavailableSystem('no --metrics URLs were given')

function figures(phases: PhaseReport[], metrics = true) {
  const summary: Report['summary'] = {
    durationS: 20,
    latencyMs: {p50: 6, p90: 25, p95: 45, p99: 130, p999: 210, max: 310, mean: 10},
    requests: {total: 2000, ok: 1900, errors: 20, rateLimited: 80, clientErrors: 0},
    achievedRate: 100,
    errorRate: 0.01,
    rateLimitedRate: 0.04,
    cacheHitRate: metrics ? 0.7 : null,
    breakerTrips: metrics ? 0 : null,
    generatorBehind: 0,
    generatorSaturated: false,
  }
  return {phases, summary, system: system(metrics)}
}

describe('evaluateThreshold', () => {
  const baseline = phase({})
  const closed = phase({name: 'max', model: 'closed', targetRate: null, connections: 64, pipelining: 1})

  it('judges a phase figure and the whole run', () => {
    expect(evaluateThreshold(parseThreshold('p95 < 50ms during baseline'), figures([baseline]))).toMatchObject({actual: 40, passed: true, phase: 'baseline'})
    expect(evaluateThreshold(parseThreshold('p99 < 100ms during baseline'), figures([baseline]))).toMatchObject({actual: 120, passed: false})
    expect(evaluateThreshold(parseThreshold('p99 < 150ms'), figures([baseline]))).toMatchObject({actual: 130, passed: true, phase: null})
    expect(evaluateThreshold(parseThreshold('error_rate < 1%'), figures([baseline]))).toMatchObject({actual: 0.01, passed: false})
    expect(evaluateThreshold(parseThreshold('rate_429 > 5% during baseline'), figures([baseline]))).toMatchObject({actual: 0.0521, passed: true})
    expect(evaluateThreshold(parseThreshold('cache_hit_rate > 75% during baseline'), figures([baseline]))).toMatchObject({actual: 0.8, passed: true})
  })

  it('achieved_rate in % compares requests sent with the open-model target', () => {
    expect(evaluateThreshold(parseThreshold('achieved_rate >= 95% during baseline'), figures([baseline]))).toMatchObject({actual: 0.96, passed: true})
    expect(evaluateThreshold(parseThreshold('achieved_rate >= 97% during baseline'), figures([baseline]))).toMatchObject({actual: 0.96, passed: false})
    // Whole run: weighted by each open phase's duration; closed phases have no target and are left out.
    const slow = phase({name: 'slow', durationS: 30, achievedRate: 50, targetRate: {from: 100, to: 100, mean: 100}})
    expect(evaluateThreshold(parseThreshold('achieved_rate >= 50%'), figures([baseline, slow, closed])).actual).toBeCloseTo((96 * 10 + 50 * 30) / (100 * 40), 4)
  })

  it('fails a threshold that cannot be evaluated, and says why', () => {
    const cases: Array<[string, ReturnType<typeof figures>, RegExp]> = [
      ['achieved_rate >= 95% during max', figures([closed]), /no open-model \(rate\) phase/],
      ['cache_hit_rate > 50%', figures([baseline], false), /system metrics unavailable: no --metrics URLs were given/],
      ['p99 < 100ms during recovery', figures([baseline]), /phase recovery did not run/],
      ['p99 < 100ms during baseline', figures([phase({latencyMs: null, outcomes: {...baseline.outcomes, total: 0}})]), /no responses in phase baseline/],
      ['cache_hit_rate > 50% during baseline', figures([phase({cacheHitRate: null})]), /no cache lookups were counted in phase baseline/],
    ]
    for (const [expression, input, note] of cases) {
      const result = evaluateThreshold(parseThreshold(expression), input)
      expect(result.passed).toBe(false)
      expect(result.actual).toBeNull()
      expect(result.note).toMatch(note)
    }
  })
})
