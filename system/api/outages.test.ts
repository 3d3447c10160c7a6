import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestPostgres, startTestRedis, type TestPostgres, type TestRedis} from '../../test/support/datastores.js'
import {USER_VIA_GATEWAY, call, eventually, metricValue, startTestApi} from '../../test/support/api-harness.js'
import type {Clock} from '../shared/cache/two-level-cache.js'
import type {ApiInstance} from './server.js'

class FakeClock implements Clock {
  t = Date.now()
  now() {
    return this.t
  }
  advance(ms: number) {
    this.t += ms
  }
}

// Fast breakers so an outage is detected and a recovery noticed within a test's patience.
const FAST_BREAKERS = {BREAKER_FAILURES: '3', BREAKER_HALF_OPEN_MS: '300', REDIS_TIMEOUT_MS: '200', DB_CONNECTION_TIMEOUT_MS: '300'}

describe('Redis outage', () => {
  let redis: TestRedis
  let postgres: TestPostgres
  let a: ApiInstance
  let b: ApiInstance

  beforeAll(async () => {
    ;[redis, postgres] = await Promise.all([startTestRedis(), startTestPostgres({seedResources: 100})])
    const env = {...FAST_BREAKERS, CACHE_L1_TTL_MS: '600000'}
    a = await startTestApi({redis, postgres}, {...env, INSTANCE_ID: 'api-a'})
    b = await startTestApi({redis, postgres}, {...env, INSTANCE_ID: 'api-b'})
    await eventually(async () => a.services.bus.subscribed && b.services.bus.subscribed)
  })
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()])
    await Promise.all([redis?.stop(), postgres?.stop()])
  })

  it('keeps serving reads from L1 and Postgres with no 5xx, opens the redis breaker, and recovers after a restart', async () => {
    for (const id of [1, 2, 3]) expect((await call(b.url, 'GET', `/api/v1/resources/${id}`)).status).toBe(200)

    await redis.kill()
    const statuses: number[] = []
    for (let i = 0; i < 40; i++) {
      const id = (i % 10) + 1 // 1-3 are in L1, the rest come from Postgres
      statuses.push((await call(b.url, 'GET', `/api/v1/resources/${id}`)).status)
    }
    expect(statuses.every((s) => s === 200)).toBe(true)
    expect(b.services.breakers.redis.state).toBe('open')
    expect(b.services.breakers.redis.trips).toBeGreaterThanOrEqual(1)
    expect(await metricValue(b, 'scalelab_breaker_transitions_total', {dependency: 'redis', to: 'open'})).toBeGreaterThanOrEqual(1)
    expect(await metricValue(b, 'scalelab_breaker_state', {dependency: 'redis'})).toBe(2)
    const ready = await call(b.url, 'GET', '/ready')
    expect(ready.status).toBe(200)
    expect(ready.body).toMatchObject({status: 'degraded', degraded: ['redis']})

    // A write during the outage succeeds; its invalidation cannot reach B, which still holds id 4 in L1.
    expect((await call(b.url, 'GET', '/api/v1/resources/4')).headers.get('x-cache')).toBe('L1')
    const write = await call(a.url, 'PUT', '/api/v1/resources/4', {body: {name: 'written-during-outage'}, headers: USER_VIA_GATEWAY})
    expect(write.status).toBe(200)
    expect((await call(a.url, 'GET', '/api/v1/resources/4')).body.data.name).toBe('written-during-outage')

    await redis.restart()
    // B resubscribes and, having possibly missed invalidations, drops its L1 (resync).
    await eventually(async () => b.services.bus.subscribed, 10_000)
    const fresh = await call(b.url, 'GET', '/api/v1/resources/4')
    expect(fresh.body.data.name).toBe('written-during-outage')

    // The breaker lets a trial call through after the half-open delay and closes on its success.
    // Each probe reads an id not yet in L1, so it has to go to Redis.
    let probeId = 50
    await eventually(async () => {
      await call(b.url, 'GET', `/api/v1/resources/${probeId++}`)
      return b.services.breakers.redis.state === 'closed'
    }, 10_000)
    expect(await metricValue(b, 'scalelab_breaker_transitions_total', {dependency: 'redis', to: 'closed'})).toBeGreaterThanOrEqual(1)
    expect((await call(b.url, 'GET', '/ready')).body.status).toBe('ready')

    // Cross-instance invalidation works again after the restart.
    await eventually(async () => a.services.bus.subscribed, 10_000)
    await eventually(async () => {
      await call(a.url, 'GET', `/api/v1/resources/${probeId++}`)
      return a.services.breakers.redis.state === 'closed'
    }, 10_000)
    await call(b.url, 'GET', '/api/v1/resources/5')
    expect((await call(b.url, 'GET', '/api/v1/resources/5')).headers.get('x-cache')).toBe('L1')
    await call(a.url, 'PUT', '/api/v1/resources/5', {body: {name: 'after-recovery'}, headers: USER_VIA_GATEWAY})
    await eventually(async () => (await call(b.url, 'GET', '/api/v1/resources/5')).body.data.name === 'after-recovery', 2_000)
  })
})

describe('Postgres outage', () => {
  let redis: TestRedis
  let postgres: TestPostgres
  let api: ApiInstance
  const clock = new FakeClock()

  beforeAll(async () => {
    ;[redis, postgres] = await Promise.all([startTestRedis(), startTestPostgres({seedResources: 100})])
    api = await startTestApi(
      {redis, postgres},
      {...FAST_BREAKERS, INSTANCE_ID: 'api-pg', CACHE_L1_TTL_MS: '5000', CACHE_L2_TTL_MS: '10000', CACHE_STALE_WINDOW_MS: '60000'},
      {clock},
    )
  })
  afterAll(async () => {
    await api?.close()
    await Promise.all([redis?.stop(), postgres?.stop()])
  })

  it('serves a previously cached id stale, gives an uncached one a clean 503, and recovers after a restart', async () => {
    expect((await call(api.url, 'GET', '/api/v1/resources/7')).status).toBe(200)
    expect((await call(api.url, 'GET', '/api/v1/resources/9')).status).toBe(200)
    clock.advance(15_000) // both copies are past freshness (L1 5 s, L2 10 s), inside the 60 s stale window
    expect((await call(api.url, 'GET', '/api/v1/resources/9')).headers.get('x-cache')).toBe('MISS') // 9 is fresh again

    await postgres.kill()

    const stale = await call(api.url, 'GET', '/api/v1/resources/7')
    expect(stale.status).toBe(200)
    expect(stale.headers.get('x-cache')).toBe('STALE')
    expect(stale.body.meta.stale).toBe(true)
    expect(stale.body.data).toMatchObject({id: 7, name: 'resource-7'})

    const fromL1 = await call(api.url, 'GET', '/api/v1/resources/9')
    expect(fromL1.status).toBe(200)
    expect(fromL1.headers.get('x-cache')).toBe('L1')

    const uncached = await call(api.url, 'GET', '/api/v1/resources/8')
    expect(uncached.status).toBe(503)
    expect(uncached.headers.get('retry-after')).toBe('1')
    expect(uncached.body.error).toMatchObject({code: 'dependency_unavailable', details: {dependency: 'postgres'}})
    expect(uncached.body.meta.requestId).toBeTruthy()

    // Once the breaker is open, calls are refused without trying Postgres at all.
    for (let i = 0; i < 3; i++) await call(api.url, 'GET', `/api/v1/resources/${20 + i}`)
    expect(api.services.breakers.postgres.state).toBe('open')
    const attemptsBefore = await metricValue(api, 'scalelab_db_queries_total', {operation: 'resource_get'})
    const refused = await call(api.url, 'GET', '/api/v1/resources/30')
    expect(refused.status).toBe(503)
    expect(refused.body.error.details).toEqual({dependency: 'postgres', reason: 'circuit_open'})
    expect(await metricValue(api, 'scalelab_db_queries_total', {operation: 'resource_get'})).toBe(attemptsBefore)
    expect((await call(api.url, 'GET', '/api/v1/resources/7')).headers.get('x-cache')).toBe('STALE')
    expect(await metricValue(api, 'scalelab_cache_events_total', {result: 'stale'})).toBeGreaterThanOrEqual(2)

    const ready = await call(api.url, 'GET', '/ready')
    expect(ready.status).toBe(200)
    expect(ready.body).toMatchObject({status: 'degraded', degraded: ['postgres']})

    await postgres.restart()
    const recovered = await eventually(async () => {
      const r = await call(api.url, 'GET', '/api/v1/resources/8')
      return r.status === 200 ? r : undefined
    }, 15_000, 100)
    expect(recovered.body.data.id).toBe(8)
    expect(api.services.breakers.postgres.state).toBe('closed')
  })
})
