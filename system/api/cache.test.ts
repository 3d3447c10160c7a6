import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import pg from 'pg'
import {Pool} from 'undici'
import {startTestPostgres, startTestRedis, type TestPostgres, type TestRedis} from '../../test/support/datastores.js'
import {ADMIN_VIA_GATEWAY, USER_VIA_GATEWAY, call, eventually, metricValue, startTestApi} from '../../test/support/api-harness.js'
import type {ApiInstance} from './server.js'

describe('resource cache across the fleet (real Redis and Postgres)', () => {
  let redis: TestRedis
  let postgres: TestPostgres
  const apis: ApiInstance[] = []

  beforeAll(async () => {
    ;[redis, postgres] = await Promise.all([startTestRedis(), startTestPostgres({seedResources: 100})])
  })
  afterAll(async () => {
    await Promise.all(apis.map((a) => a.close()))
    await Promise.all([redis?.stop(), postgres?.stop()])
  })

  const start = async (env: Record<string, string>) => {
    const api = await startTestApi({redis, postgres}, env)
    apis.push(api)
    return api
  }

  it('answers 1,000 concurrent GETs of one uncached id with one Postgres query', async () => {
    // Long timeouts: the table is locked on purpose until every request has arrived.
    const api = await start({INSTANCE_ID: 'api-flight', DB_STATEMENT_TIMEOUT_MS: '30000', POSTGRES_TIMEOUT_MS: '30000'})
    const queriesBefore = await metricValue(api, 'scalelab_db_queries_total', {operation: 'resource_get'})
    const locker = new pg.Client({connectionString: postgres.url})
    await locker.connect()
    const client = new Pool(api.url, {connections: 1000})
    try {
      await locker.query('BEGIN')
      await locker.query('LOCK TABLE resources IN ACCESS EXCLUSIVE MODE')
      const responses = Array.from({length: 1000}, () =>
        client.request({method: 'GET', path: '/api/v1/resources/55'}).then(async (r) => ({status: r.statusCode, cache: r.headers['x-cache'], body: (await r.body.json()) as {data: unknown}})),
      )
      // Every request is inside the server, waiting on the same load, before Postgres may answer.
      await eventually(async () => api.services.lifecycle.inFlight >= 1000, 20_000)
      await locker.query('COMMIT')
      const results = await Promise.all(responses)
      expect(results.every((r) => r.status === 200 && r.cache === 'MISS')).toBe(true)
      expect(new Set(results.map((r) => JSON.stringify(r.body.data))).size).toBe(1)
      expect(await metricValue(api, 'scalelab_db_queries_total', {operation: 'resource_get'})).toBe(queriesBefore + 1)
    } finally {
      await locker.end()
      await client.close()
    }
  })

  it('subscribes to invalidations before it takes requests, so the resync cannot throw its first fills away', async () => {
    // The first subscription empties L1; an instance that listened before it could drop (or never
    // store) what its first requests loaded.
    const api = await start({INSTANCE_ID: 'api-fresh', CACHE_L1_TTL_MS: '600000'})
    expect(api.services.bus.subscribed).toBe(true)
    expect((await call(api.url, 'GET', '/api/v1/resources/40')).headers.get('x-cache')).toBe('MISS')
    expect((await call(api.url, 'GET', '/api/v1/resources/40')).headers.get('x-cache')).toBe('L1')
  })

  it('drops the other instance L1 copy when one instance writes (pub/sub invalidation)', async () => {
    // L1 far longer than the test: only an invalidation can make B see the change.
    const env = {CACHE_L1_TTL_MS: '600000', CACHE_L2_TTL_MS: '600000'}
    const a = await start({...env, INSTANCE_ID: 'api-a'})
    const b = await start({...env, INSTANCE_ID: 'api-b'})
    await eventually(async () => a.services.bus.subscribed && b.services.bus.subscribed)

    await call(b.url, 'GET', '/api/v1/resources/20')
    const cached = await call(b.url, 'GET', '/api/v1/resources/20')
    expect(cached.headers.get('x-cache')).toBe('L1')
    expect(cached.body.data.name).toBe('resource-20')

    const updated = await call(a.url, 'PUT', '/api/v1/resources/20', {body: {name: 'renamed-on-a'}, headers: USER_VIA_GATEWAY})
    expect(updated.status).toBe(200)
    const seen = await eventually(async () => {
      const r = await call(b.url, 'GET', '/api/v1/resources/20')
      return r.body.data.name === 'renamed-on-a' ? r : undefined
    }, 2_000)
    expect(seen.headers.get('x-cache')).toBe('MISS')
    expect(await metricValue(b, 'scalelab_cache_invalidations_total', {source: 'pubsub'})).toBeGreaterThanOrEqual(1)
    expect(await metricValue(a, 'scalelab_cache_invalidations_total', {source: 'local'})).toBeGreaterThanOrEqual(1)

    // The writer itself never serves its old copy, not even once.
    await call(a.url, 'GET', '/api/v1/resources/21')
    await call(a.url, 'DELETE', '/api/v1/resources/21', {headers: USER_VIA_GATEWAY})
    expect((await call(a.url, 'GET', '/api/v1/resources/21')).status).toBe(404)
  })

  it('clears every instance L1 and the L2 namespace through the admin endpoint', async () => {
    const env = {CACHE_L1_TTL_MS: '600000', CACHE_L2_TTL_MS: '600000'}
    const a = await start({...env, INSTANCE_ID: 'api-clear-a'})
    const b = await start({...env, INSTANCE_ID: 'api-clear-b'})
    await eventually(async () => a.services.bus.subscribed && b.services.bus.subscribed)
    await call(b.url, 'GET', '/api/v1/resources/30')
    expect(b.services.cache.stats().l1.entries).toBeGreaterThan(0)
    const cleared = await call(a.url, 'POST', '/api/v1/admin/cache/clear', {headers: ADMIN_VIA_GATEWAY})
    expect(cleared.status).toBe(200)
    expect(cleared.body.data.broadcast).toBe(true)
    expect(cleared.body.data.l2Deleted).toBeGreaterThanOrEqual(1)
    await eventually(async () => b.services.cache.stats().l1.entries === 0, 2_000)
  })

  it('reads from the primary when the read replica is unreachable, and its breaker opens', async () => {
    const api = await start({
      INSTANCE_ID: 'api-replica',
      DATABASE_READ_URL: 'postgres://scalelab@127.0.0.1:1/scalelab',
      DB_CONNECTION_TIMEOUT_MS: '200',
      BREAKER_FAILURES: '2',
      CACHE_L1_TTL_MS: '0',
    })
    for (let i = 0; i < 5; i++) {
      const r = await call(api.url, 'GET', `/api/v1/resources?limit=2`)
      expect(r.status).toBe(200)
      expect(r.body.data.items).toHaveLength(2)
    }
    expect(api.services.breakers.postgresReplica?.state).toBe('open')
    expect(api.services.breakers.postgres.state).toBe('closed')
    const ready = await call(api.url, 'GET', '/ready')
    expect(ready.body).toMatchObject({status: 'degraded', degraded: ['postgres_replica']})
  })
})
