import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestPostgres, startTestRedis, type TestPostgres, type TestRedis} from '../../../test/support/datastores.js'
import {ADMIN_VIA_GATEWAY, call, metricValue, seededRandom, startTestApi} from '../../../test/support/api-harness.js'
import type {Clock} from '../../shared/cache/two-level-cache.js'
import type {ApiInstance} from '../server.js'

class FakeClock implements Clock {
  t = Date.parse('2030-01-01T00:00:00Z')
  now() {
    return this.t
  }
}

describe('HTTP fault injection (PUT/GET/DELETE /api/v1/admin/faults)', () => {
  let redis: TestRedis
  let postgres: TestPostgres
  let api: ApiInstance
  const clock = new FakeClock()

  beforeAll(async () => {
    ;[redis, postgres] = await Promise.all([startTestRedis(), startTestPostgres({seedResources: 10})])
    api = await startTestApi({redis, postgres}, {INSTANCE_ID: 'api-faults', EXTERNAL_FAILURE_RATE: '0'}, {clock, random: seededRandom(42)})
  })
  afterAll(async () => {
    await api?.close()
    await Promise.all([redis?.stop(), postgres?.stop()])
  })

  const setFault = (body: unknown) => call(api.url, 'PUT', '/api/v1/admin/faults', {body, headers: ADMIN_VIA_GATEWAY})
  const clearFault = () => call(api.url, 'DELETE', '/api/v1/admin/faults', {headers: ADMIN_VIA_GATEWAY})

  it('fails about the requested share of /api/v1 requests with the requested status, and counts them', async () => {
    const set = await setFault({errorRate: 0.3, errorStatus: 503})
    expect(set.status).toBe(200)
    expect(set.body.data.active).toMatchObject({errorRate: 0.3, errorStatus: 503, delayMs: 0})
    const statuses: number[] = []
    for (let i = 0; i < 300; i++) statuses.push((await call(api.url, 'GET', `/api/v1/resources/${(i % 10) + 1}`)).status)
    const failed = statuses.filter((s) => s === 503).length
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true)
    expect(failed / 300).toBeGreaterThan(0.2)
    expect(failed / 300).toBeLessThan(0.4)
    expect(await metricValue(api, 'scalelab_http_faults_injected_total', {kind: 'error'})).toBe(failed)
    const failedOne = await (async () => {
      for (;;) {
        const r = await call(api.url, 'GET', '/api/v1/resources/1')
        if (r.status === 503) return r
      }
    })()
    expect(failedOne.body.error.code).toBe('fault_injected')
    expect(failedOne.body.meta.instance).toBe('api-faults')
    const state = await call(api.url, 'GET', '/api/v1/admin/faults', {headers: ADMIN_VIA_GATEWAY})
    expect(state.body.data.injected.errors).toBe(failed + 1)
    await clearFault()
  })

  it('never faults the admin, status, health, readiness and metrics routes', async () => {
    await setFault({errorRate: 1, errorStatus: 500})
    for (let i = 0; i < 20; i++) {
      expect((await call(api.url, 'GET', '/api/v1/admin/cache', {headers: ADMIN_VIA_GATEWAY})).status).toBe(200)
      expect((await call(api.url, 'GET', '/api/v1/status')).status).toBe(200)
      expect((await call(api.url, 'GET', '/health')).status).toBe(200)
      expect((await call(api.url, 'GET', '/ready')).status).toBe(200)
      expect((await call(api.url, 'GET', '/metrics')).status).toBe(200)
    }
    expect((await call(api.url, 'GET', '/api/v1/resources/1')).status).toBe(500)
    await clearFault()
    expect((await call(api.url, 'GET', '/api/v1/resources/1')).status).toBe(200)
  })

  it('limits the fault to a route prefix', async () => {
    await setFault({errorRate: 1, errorStatus: 502, routes: '/api/v1/external'})
    expect((await call(api.url, 'GET', '/api/v1/external')).status).toBe(502)
    expect((await call(api.url, 'GET', '/api/v1/resources/2')).status).toBe(200)
    await clearFault()
  })

  it('delays the requested share of requests', async () => {
    await setFault({delayMs: 300, delayRate: 1, routes: '/api/v1/resources'})
    const began = performance.now()
    expect((await call(api.url, 'GET', '/api/v1/resources/3')).status).toBe(200)
    expect(performance.now() - began).toBeGreaterThanOrEqual(290)
    expect(await metricValue(api, 'scalelab_http_faults_injected_total', {kind: 'delay'})).toBeGreaterThanOrEqual(1)
    await clearFault()
    const delaysBefore = await metricValue(api, 'scalelab_http_faults_injected_total', {kind: 'delay'})
    await call(api.url, 'GET', '/api/v1/resources/3')
    expect(await metricValue(api, 'scalelab_http_faults_injected_total', {kind: 'delay'})).toBe(delaysBefore)
  })

  it('lifts the fault by itself at `until` (on the injected clock)', async () => {
    const until = new Date(clock.t + 60_000).toISOString()
    expect((await setFault({errorRate: 1, until})).status).toBe(200)
    expect((await call(api.url, 'GET', '/api/v1/resources/4')).status).toBe(500)
    clock.t += 60_001
    expect((await call(api.url, 'GET', '/api/v1/resources/4')).status).toBe(200)
    const state = await call(api.url, 'GET', '/api/v1/admin/faults', {headers: ADMIN_VIA_GATEWAY})
    expect(state.body.data.active).toBeNull()
  })

  it.each([
    [{errorRate: 2}, 'errorRate'],
    [{errorRate: 0.5, errorStatus: 200}, 'errorStatus'],
    [{delayMs: -1}, 'delayMs'],
    [{}, 'errorRate'],
    [{errorRate: 0.5, routes: 'http://elsewhere/'}, 'routes'],
    [{errorRate: 0.5, until: 'tomorrow'}, 'until'],
    [{errorRate: 0.5, until: '2000-01-01T00:00:00Z'}, 'until'],
    [{errorRate: 0.5, surprise: true}, 'surprise'],
  ])('refuses %j with 400 naming %s', async (body, field) => {
    const r = await setFault(body)
    expect(r.status).toBe(400)
    expect(r.body.error).toMatchObject({code: 'validation_failed', field})
  })
})
