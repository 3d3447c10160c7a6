// The system sampler against real services' /metrics: a real API instance and a real gateway on
// real Redis and Postgres. Per-second increases must add up to what was sent, survive a restart
// (counters start again at 0) and an instance that stops answering, and see a breaker trip.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {API_KEY_HEADER} from '../../contracts/identity.js'
import {SEED_API_KEYS} from '../../contracts/seed.js'
import type {ApiInstance} from '../../system/api/server.js'
import {startGateway, type RunningGateway} from '../../system/gateway/gateway.js'
import {eventually, startTestApi, TEST_GATEWAY_SECRET} from '../../test/support/api-harness.js'
import {startTestPostgres, startTestRedis, type TestPostgres, type TestRedis} from '../../test/support/datastores.js'
import {silentLog, testGatewayConfig} from '../../test/support/gateway.js'
import {SystemSampler} from './system-sampler.js'
import {counterIncreases} from './system-second.js'
import {parseMetricsText} from './prometheus-text.js'

const INTERVAL_MS = 250

let redis: TestRedis
let postgres: TestPostgres
let api: ApiInstance
let gateway: RunningGateway
let apiPort: number

const apiEnv = () => ({INSTANCE_ID: 'api-7', PORT: String(apiPort), BREAKER_FAILURES: '3', BREAKER_HALF_OPEN_MS: '60000', REDIS_TIMEOUT_MS: '100'})

beforeAll(async () => {
  ;[redis, postgres] = await Promise.all([startTestRedis(), startTestPostgres({seedResources: 300})])
  api = await startTestApi({redis, postgres}, {INSTANCE_ID: 'api-7'})
  apiPort = api.port
  await api.close()
  api = await startTestApi({redis, postgres}, apiEnv())
  gateway = await startGateway(testGatewayConfig({upstreamUrl: api.url, redisUrl: redis.url, databaseUrl: postgres.url}, {gatewaySecret: TEST_GATEWAY_SECRET}), {log: silentLog()})
})
afterAll(async () => {
  await gateway?.close()
  await api?.close()
  await Promise.all([redis?.stop(), postgres?.stop()])
})

async function read(id: number): Promise<number> {
  const response = await fetch(`${gateway.url}/api/v1/resources/${id}`, {headers: {[API_KEY_HEADER]: SEED_API_KEYS.enterprise}})
  await response.arrayBuffer()
  return response.status
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)

describe('counterIncreases', () => {
  it('a counter that went down restarted: its new value is the increase; a new series counts from 0', () => {
    const before = parseMetricsText('x_total{a="1"} 10\nx_total{a="2"} 4\n')
    const after = parseMetricsText('x_total{a="1"} 3\nx_total{a="2"} 9\nx_total{a="3"} 2\n')
    expect(counterIncreases(before, after, 'x_total').map((s) => [s.labels.a, s.value])).toEqual([['1', 3], ['2', 5], ['3', 2]])
    expect(counterIncreases(undefined, after, 'x_total')).toEqual([])
  })
})

describe('SystemSampler on real services', () => {
  it('turns scrapes into per-second increases: requests per instance, cache hit rate, rate-limit decisions', async () => {
    const sampler = new SystemSampler({sources: [{url: `${api.url}/metrics`}, {url: `${gateway.url}/metrics`}], intervalMs: INTERVAL_MS})
    await sampler.start()
    // Names come from the pages' own instance labels.
    expect(Object.keys(sampler.sourceUrls)).toEqual(['api-7', 'gateway'])
    for (let i = 0; i < 20; i++) expect(await read(5)).toBe(200)
    for (let i = 0; i < 10; i++) expect(await read(100 + i)).toBe(200)
    await sampler.stop()
    const report = sampler.report()
    expect(report.available).toBe(true)
    expect(report.totals.perInstanceRequests['api-7']).toBe(30)
    expect(report.totals.rateLimit.allowed).toBe(30)
    // 30 reads: 11 distinct ids → 11 L1 misses (and L2 misses), 19 L1 hits.
    expect(report.totals.cacheLookups).toBe(30)
    expect(report.totals.cacheHitRate).toBeCloseTo(19 / 30, 3)
    expect(report.totals.cacheHitRateByLayer.l1).toBeCloseTo(19 / 30, 3)
    expect(report.totals.cacheHitRateByLayer.l2).toBe(0)
    expect(sum(report.series.map((s) => s.perInstanceRequests['api-7'] ?? 0))).toBe(30)
    expect(report.series.every((s) => s.down.length === 0)).toBe(true)
    expect(report.series.at(-1)!.breakerStates['api-7']).toEqual({redis: 'closed', postgres: 'closed', external: 'closed'})
    expect(report.series.at(-1)!.residentMemoryMb?.['api-7']).toBeGreaterThan(10)
  })

  it('an instance that stops answering is down in those seconds; after a restart its counters start again at 0', async () => {
    const sampler = new SystemSampler({sources: [{name: 'api-1', url: `http://127.0.0.1:${apiPort}/metrics`}, {name: 'gateway', url: `${gateway.url}/metrics`}], intervalMs: INTERVAL_MS, timeoutMs: 200})
    await sampler.start()
    for (let i = 0; i < 8; i++) await read(7)
    await eventually(async () => sum(sampler.series.map((s) => s.perInstanceRequests['api-1'] ?? 0)) === 8)

    await api.close()
    await eventually(async () => sampler.latest()?.down.includes('api-1'))
    const downAt = sampler.latest()!.t
    // The last states seen are kept while it is down.
    expect(sampler.latest()!.breakerStates['api-1']).toEqual({redis: 'closed', postgres: 'closed', external: 'closed'})

    api = await startTestApi({redis, postgres}, apiEnv())
    for (let i = 0; i < 5; i++) expect(await read(8)).toBe(200)
    await eventually(async () => sum(sampler.series.filter((s) => s.t > downAt).map((s) => s.perInstanceRequests['api-1'] ?? 0)) >= 5)
    await sampler.stop()
    const series = sampler.series
    const after = series.filter((s) => s.t > downAt)
    // Fewer requests in the new process than the old one had counted: an increase of 5, never negative.
    expect(sum(after.map((s) => s.perInstanceRequests['api-1'] ?? 0))).toBe(5)
    expect(series.every((s) => Object.values(s.perInstanceRequests).every((n) => n >= 0))).toBe(true)
    expect(sampler.report().totals.perInstanceRequests['api-1']).toBe(13)
    expect(series.at(-1)!.down).toEqual([])
  })

  it('counts a breaker trip (a transition to open) and shows the open state', async () => {
    const sampler = new SystemSampler({sources: [{name: 'api-1', url: `${api.url}/metrics`}], intervalMs: INTERVAL_MS})
    await sampler.start()
    await redis.kill()
    try {
      // Cache misses go to Redis (L2) first: with Redis gone they fail until the breaker opens.
      for (let id = 200; id < 215; id++) await read(id)
      await eventually(async () => (sampler.latest()?.breakerStates['api-1']?.redis === 'open' ? true : undefined), 5_000)
    } finally {
      await redis.restart()
    }
    await sampler.stop()
    const report = sampler.report()
    expect(report.totals.breakerTrips).toBe(1)
    expect(report.totals.breakerTripsByDependency).toEqual({redis: 1})
    expect(sampler.breakers().find((b) => b.instance === 'api-1' && b.dependency === 'redis')).toMatchObject({state: 'open', trips: 1})
  })

  it('with nothing answering, the report says metrics were unavailable and why', async () => {
    const sampler = new SystemSampler({sources: [{url: 'http://127.0.0.1:9/metrics'}], intervalMs: INTERVAL_MS, timeoutMs: 100})
    await sampler.start()
    await new Promise((r) => setTimeout(r, 600))
    await sampler.stop()
    const report = sampler.report()
    expect(report.available).toBe(false)
    expect(report.reason).toContain('no metrics source answered')
    expect(report.series.length).toBeGreaterThanOrEqual(2)
    expect(report.series.every((s) => s.down.includes('127.0.0.1:9'))).toBe(true)
  })
})
