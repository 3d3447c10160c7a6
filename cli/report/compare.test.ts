import {describe, expect, it} from 'vitest'
import {UserError} from '../errors.js'
import {comparisonBenchmark, comparisonJson, renderComparisonMarkdown} from './compare-output.js'
import {compareRunSets, judgeChange, METRICS, parseLimitFlags, resolveLimits, type Comparison, type Limits, type MetricKey} from './compare.js'
import {benchSpikeReport, chaosKillRedisReport, scaleAchievedRates, scaleLatencies} from './fixtures/fixture-reports.js'
import type {RunSet} from './run-set.js'
import type {Report} from './schema.js'

const base = benchSpikeReport()

function runSet(name: string, reports: Report[]): RunSet {
  return {source: name, runs: reports.map((report, i) => ({path: `${name}/run-${i + 1}/report.json`, report})), scenario: reports[0].scenario.name, kind: reports[0].kind}
}

/** Repeats of the same build: latencies within a few percent of each other, as on a quiet machine. */
function repeats(name: string, factor: number, jitter: number[] = [1, 1.04, 0.97]): RunSet {
  return runSet(name, jitter.map((j) => scaleLatencies(base, factor * j)))
}

const defaults = (set: RunSet): Limits => resolveLimits({}, set)
const metric = (comparison: Comparison, phase: string, key: MetricKey) => {
  const found = comparison.metrics.find((m) => m.phase === phase && m.metric === key)
  if (!found) throw new Error(`no ${phase} ${key} in the comparison`)
  return found
}

describe('judgeChange (the rules)', () => {
  const latency = {better: 'lower' as const, changeUnit: '%' as const, limit: 20}
  it('repeats on both sides: regression only beyond both the limit and the noise band', () => {
    expect(judgeChange({...latency, change: 30, noiseBand: 7}).status).toBe('regression')
    expect(judgeChange({...latency, change: 30, noiseBand: 40}).status).toBe('inconclusive')
    expect(judgeChange({...latency, change: 15, noiseBand: 2}).status).toBe('ok')
    expect(judgeChange({...latency, change: -30, noiseBand: 7}).status).toBe('improvement')
  })
  it('the limit itself is not beyond the limit', () => {
    expect(judgeChange({...latency, change: 20, noiseBand: 0}).status).toBe('ok')
    expect(judgeChange({...latency, change: 20.01, noiseBand: 0}).status).toBe('regression')
  })
  it('a single run on a side: beyond the limit decides, inside it is inconclusive', () => {
    expect(judgeChange({...latency, change: 25, noiseBand: null})).toMatchObject({status: 'regression', reason: expect.stringContaining('single run')})
    expect(judgeChange({...latency, change: 5, noiseBand: null}).status).toBe('inconclusive')
    expect(judgeChange({...latency, change: -25, noiseBand: null}).status).toBe('improvement')
  })
  it('direction comes from the metric: a lower rate is worse, a higher error rate is worse', () => {
    expect(judgeChange({better: 'higher', changeUnit: '%', limit: 10, change: -15, noiseBand: 1}).status).toBe('regression')
    expect(judgeChange({better: 'higher', changeUnit: '%', limit: 10, change: 15, noiseBand: 1}).status).toBe('improvement')
    expect(judgeChange({better: 'lower', changeUnit: 'pp', limit: 1, change: 1.5, noiseBand: 0.2}).status).toBe('regression')
  })
})

describe('compareRunSets on fixture reports', () => {
  it('a 30% slower p99 across three repeats is a regression', () => {
    const comparison = compareRunSets(repeats('base', 1), repeats('slow', 1.3), defaults(repeats('slow', 1.3)))
    const p99 = metric(comparison, 'spike', 'p99')
    expect(p99.change).toBeCloseTo(30, 0)
    // (1.04 − 0.97) / 1 of the median: the band measured from the repeats.
    expect(p99.noiseBand).toBeCloseTo(7, 0)
    expect(p99.status).toBe('regression')
    expect(p99.singleRun).toBe(false)
    expect(comparison.regression).toBe(true)
    // Rates did not move: they stay ok.
    expect(metric(comparison, 'spike', 'achievedRate').status).toBe('ok')
    expect(metric(comparison, 'spike', 'errorRate').status).toBe('ok')
  })

  it('a 2% change inside the noise band is ok', () => {
    const current = repeats('current', 1.02, [0.98, 1.03, 1])
    const comparison = compareRunSets(repeats('base', 1), current, defaults(current))
    const p99 = metric(comparison, 'spike', 'p99')
    expect(Math.abs(p99.change!)).toBeLessThan(p99.noiseBand!)
    expect(p99.status).toBe('ok')
    expect(comparison.regression).toBe(false)
    expect(comparison.counts.regression).toBe(0)
  })

  it('a 30% faster build is an improvement', () => {
    const current = repeats('fast', 0.7)
    const comparison = compareRunSets(repeats('base', 1), current, defaults(current))
    expect(metric(comparison, 'baseline', 'p95').status).toBe('improvement')
    expect(comparison.regression).toBe(false)
  })

  it('a 30% change with repeats spread wider than that is inconclusive (too noisy)', () => {
    const noisyBase = repeats('noisy-base', 1, [0.7, 1, 1.4])
    const current = repeats('noisy-current', 1.3, [0.8, 1, 1.3])
    const p99 = metric(compareRunSets(noisyBase, current, defaults(current)), 'spike', 'p99')
    expect(p99.change).toBeCloseTo(30, 0)
    expect(p99.noiseBand).toBeGreaterThan(60)
    expect(p99.status).toBe('inconclusive')
    expect(p99.reason).toMatch(/noise band/)
  })

  it('one run each side is inconclusive inside the limit, a regression (single run) beyond it', () => {
    const single = runSet('one', [base])
    const slightlySlower = runSet('two', [scaleLatencies(base, 1.05)])
    const small = metric(compareRunSets(single, slightlySlower, defaults(slightlySlower)), 'spike', 'p99')
    expect(small.status).toBe('inconclusive')
    expect(small.noiseBand).toBeNull()

    const muchSlower = runSet('three', [scaleLatencies(base, 1.3)])
    const comparison = compareRunSets(single, muchSlower, defaults(muchSlower))
    const big = metric(comparison, 'spike', 'p99')
    expect(big).toMatchObject({status: 'regression', singleRun: true})
    expect(renderComparisonMarkdown(comparison)).toMatch(/❌ regression \(single run\)/)
  })

  it('a throughput drop beyond 10% is a regression on achieved rate', () => {
    const current = runSet('slow-rate', [1, 1.01, 0.99].map((j) => scaleAchievedRates(base, 0.85 * j)))
    const baseline = runSet('base-rate', [1, 1.01, 0.99].map((j) => scaleAchievedRates(base, j)))
    const rate = metric(compareRunSets(baseline, current, defaults(current)), 'spike', 'achievedRate')
    expect(rate.change).toBeCloseTo(-15, 0)
    expect(rate.status).toBe('regression')
  })

  it('error rate is judged in percentage points', () => {
    const worse = structuredClone(base)
    worse.phases[1].errorRate = base.phases[1].errorRate + 0.015
    const comparison = compareRunSets(runSet('a', [base]), runSet('b', [worse]), defaults(runSet('b', [worse])))
    const errors = metric(comparison, 'baseline', 'errorRate')
    expect(errors.changeUnit).toBe('pp')
    expect(errors.change).toBeCloseTo(1.5, 5)
    expect(errors.status).toBe('regression')
  })

  it('different scenarios are refused with exit code 2', () => {
    const chaos = runSet('chaos', [chaosKillRedisReport()])
    let caught: unknown
    try {
      compareRunSets(runSet('bench', [base]), chaos, defaults(chaos))
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(UserError)
    expect((caught as UserError).exitCode).toBe(2)
    expect((caught as UserError).message).toMatch(/spike-10x.*kill-redis.*same scenario/)
  })

  it('phases missing on one side are named, not compared', () => {
    const fewer = structuredClone(base)
    fewer.phases = fewer.phases.filter((p) => p.name !== 'warmup')
    const comparison = compareRunSets(runSet('a', [base]), runSet('b', [fewer]), defaults(runSet('b', [fewer])))
    expect(comparison.notes.join(' ')).toMatch(/only in the baseline.*warmup/)
    expect(comparison.metrics.some((m) => m.phase === 'warmup')).toBe(false)
  })

  it('a baseline of 0 req/s makes an infinite change that JSON writes as null', () => {
    const zero = structuredClone(base)
    zero.phases[0].achievedRate = 0
    const comparison = compareRunSets(runSet('a', [zero]), runSet('b', [base]), defaults(runSet('b', [base])))
    expect(metric(comparison, 'warmup', 'achievedRate')).toMatchObject({change: Infinity, status: 'improvement'})
    const json = JSON.parse(comparisonJson(comparison))
    expect(json.metrics.find((m: {phase: string; metric: string}) => m.phase === 'warmup' && m.metric === 'achievedRate').change).toBeNull()
  })
})

describe('limits', () => {
  it('defaults: 20% latency, 10% rate, 1 pp error rate', () => {
    const withoutSection = structuredClone(base)
    withoutSection.scenario.resolved = {name: 'spike-10x'}
    const limits = resolveLimits({}, runSet('x', [withoutSection]))
    expect(limits.p99).toEqual({limit: 20, source: 'default'})
    expect(limits.achievedRate).toEqual({limit: 10, source: 'default'})
    expect(limits.errorRate).toEqual({limit: 1, source: 'default'})
    expect(METRICS.errorRate.change).toBe('points')
  })

  it('the scenario compare section overrides defaults and flags override both', () => {
    const limits = resolveLimits(parseLimitFlags(['p99=15', 'achievedRate=5,latency=30']), runSet('x', [base]))
    expect(limits.p99).toEqual({limit: 15, source: 'flag'})
    expect(limits.p50).toEqual({limit: 30, source: 'flag'})
    expect(limits.achievedRate).toEqual({limit: 5, source: 'flag'})
    // The fixture scenario says compare: {p99: 25, errorRate: 1}.
    expect(limits.errorRate).toEqual({limit: 1, source: 'scenario'})
    expect(resolveLimits({}, runSet('x', [base])).p99).toEqual({limit: 25, source: 'scenario'})
  })

  it('a flag limit turns a 15% slowdown from ok into a regression', () => {
    const current = repeats('slow', 1.15)
    expect(metric(compareRunSets(repeats('base', 1), current, defaults(current)), 'spike', 'p95').status).toBe('ok')
    const strict = resolveLimits(parseLimitFlags(['p95=10']), current)
    expect(metric(compareRunSets(repeats('base', 1), current, strict), 'spike', 'p95').status).toBe('regression')
  })

  it('bad limits are usage errors that name the valid metrics', () => {
    expect(() => parseLimitFlags(['p77=3'])).toThrow(/unknown metric "p77"/)
    expect(() => parseLimitFlags(['p99'])).toThrow(/metric=number/)
    const invalid = structuredClone(base)
    invalid.scenario.resolved = {compare: {p99: 'fast'}}
    expect(() => resolveLimits({}, runSet('x', [invalid]))).toThrow(/compare section.*p99/)
  })
})

describe('compare outputs', () => {
  const current = repeats('slow', 1.3)
  const comparison = compareRunSets(repeats('reports/baselines/spike-10x', 1), current, defaults(current))

  it('Markdown leads with the verdict and has one table row per phase and metric', () => {
    const markdown = renderComparisonMarkdown(comparison)
    expect(markdown.split('\n')[0]).toMatch(/^## ❌ .*spike-10x: regression/)
    expect(markdown).toMatch(/\| Phase \| Metric \| Baseline \| Current \| Change \| Noise band \| Limit \| Status \|/)
    const rows = markdown.split('\n').filter((line) => /^\| (warmup|baseline|spike|recovery) \|/.test(line))
    expect(rows).toHaveLength(comparison.metrics.length)
    expect(markdown).toMatch(/\| spike \| p99 \| 401 ms \| 521 ms \| \+30\.0% \| 7\.0% \| 25% \(scenario\) \| \*\*❌ regression\*\* \|/)
    expect(markdown).toMatch(/Noise band: spread \(max − min\)/)
  })

  it('the benchmark file is customSmallerIsBetter: name, unit, value (smaller-is-better metrics only)', () => {
    const entries = comparisonBenchmark(comparison)
    expect(entries.length).toBe(4 * 4) // p50, p95, p99, error rate for four phases
    for (const entry of entries) {
      expect(typeof entry.name).toBe('string')
      expect(['ms', '%']).toContain(entry.unit)
      expect(Number.isFinite(entry.value)).toBe(true)
    }
    const p99 = entries.find((e) => e.name === 'spike-10x / spike / p99')!
    expect(p99.value).toBeCloseTo(base.phases[2].latencyMs!.p99 * 1.3, 0)
    expect(p99.range).toMatch(/^± /)
    expect(entries.some((e) => /achieved|cache/.test(e.name))).toBe(false)
  })
})
