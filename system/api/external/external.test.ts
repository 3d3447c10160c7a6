import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestPostgres, startTestRedis, type TestPostgres, type TestRedis} from '../../../test/support/datastores.js'
import {call, metricValue, seededRandom, startTestApi} from '../../../test/support/api-harness.js'
import type {ApiInstance} from '../server.js'

describe('GET /api/v1/external through its own circuit breaker', () => {
  let redis: TestRedis
  let postgres: TestPostgres
  const apis: ApiInstance[] = []

  beforeAll(async () => {
    ;[redis, postgres] = await Promise.all([startTestRedis(), startTestPostgres({seedResources: 1})])
  })
  afterAll(async () => {
    await Promise.all(apis.map((a) => a.close()))
    await Promise.all([redis?.stop(), postgres?.stop()])
  })

  const start = async (env: Record<string, string>) => {
    const api = await startTestApi({redis, postgres}, {BREAKER_FAILURES: '3', BREAKER_HALF_OPEN_MS: '60000', ...env}, {random: seededRandom(7)})
    apis.push(api)
    return api
  }

  it('answers 200 when the downstream answers', async () => {
    const api = await start({INSTANCE_ID: 'api-ext-ok', EXTERNAL_FAILURE_RATE: '0', EXTERNAL_LATENCY_MS: '5', EXTERNAL_LATENCY_JITTER_MS: '0'})
    const r = await call(api.url, 'GET', '/api/v1/external')
    expect(r.status).toBe(200)
    expect(r.body.data).toMatchObject({ok: true, latencyMs: 5})
  })

  it('answers 502 per failure, then 503 circuit_open once the breaker trips', async () => {
    const api = await start({INSTANCE_ID: 'api-ext-fail', EXTERNAL_FAILURE_RATE: '1', EXTERNAL_LATENCY_MS: '0', EXTERNAL_LATENCY_JITTER_MS: '0'})
    const statuses = []
    for (let i = 0; i < 5; i++) statuses.push((await call(api.url, 'GET', '/api/v1/external')).status)
    expect(statuses).toEqual([502, 502, 502, 503, 503])
    const open = await call(api.url, 'GET', '/api/v1/external')
    expect(open.body.error.code).toBe('circuit_open')
    expect(open.headers.get('retry-after')).toBe('60')
    expect(api.services.breakers.external.state).toBe('open')
    expect(await metricValue(api, 'scalelab_breaker_transitions_total', {dependency: 'external', to: 'open'})).toBe(1)
    // The other dependencies are unaffected.
    expect(api.services.breakers.postgres.state).toBe('closed')
    expect((await call(api.url, 'GET', '/api/v1/resources/1')).status).toBe(200)
  })

  it('answers 504 when the downstream is slower than the timeout, and slow calls trip the breaker too', async () => {
    const api = await start({INSTANCE_ID: 'api-ext-slow', EXTERNAL_FAILURE_RATE: '0', EXTERNAL_LATENCY_MS: '400', EXTERNAL_LATENCY_JITTER_MS: '0', EXTERNAL_TIMEOUT_MS: '100'})
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await call(api.url, 'GET', '/api/v1/external')).status)
    expect(statuses).toEqual([504, 504, 504, 503])
  })
})
