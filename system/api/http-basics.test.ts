import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {request} from 'undici'
import {METRICS} from '../../contracts/metrics.js'
import {startTestPostgres, startTestRedis, type TestPostgres, type TestRedis} from '../../test/support/datastores.js'
import {USER_VIA_GATEWAY, call, metricValue, startTestApi} from '../../test/support/api-harness.js'
import type {ApiInstance} from './server.js'

describe('API over HTTP: envelopes, validation, limits, resources', () => {
  let redis: TestRedis
  let postgres: TestPostgres
  let api: ApiInstance

  beforeAll(async () => {
    ;[redis, postgres] = await Promise.all([startTestRedis(), startTestPostgres({seedResources: 250})])
    api = await startTestApi({redis, postgres}, {INSTANCE_ID: 'api-basics', BODY_LIMIT_BYTES: '2048'})
  })
  afterAll(async () => {
    await api?.close()
    await Promise.all([redis?.stop(), postgres?.stop()])
  })

  const get = (path: string, headers?: Record<string, string>) => call(api.url, 'GET', path, {headers})

  describe('envelopes and request ids', () => {
    it('wraps data with meta naming the request id and the instance, and echoes a sane X-Request-Id', async () => {
      const r = await get('/api/v1/resources/1', {'x-request-id': 'trace-abc.1'})
      expect(r.status).toBe(200)
      expect(r.headers.get('x-request-id')).toBe('trace-abc.1')
      expect(r.body.meta).toEqual({requestId: 'trace-abc.1', instance: 'api-basics'})
      expect(r.body.data).toMatchObject({id: 1, name: 'resource-1', version: 1})
    })

    it('replaces an unsafe X-Request-Id with a generated one', async () => {
      const r = await get('/api/v1/resources/1', {'x-request-id': 'bad id with spaces'})
      const id = r.headers.get('x-request-id')
      expect(id).toMatch(/^[0-9a-f-]{36}$/)
      expect(r.body.meta.requestId).toBe(id)
    })

    it('answers unknown routes with a 404 envelope', async () => {
      const r = await get('/api/v1/nope')
      expect(r.status).toBe(404)
      expect(r.body.error.code).toBe('not_found')
      expect(r.body.meta.requestId).toBeTruthy()
    })

    it('compresses large responses with br or gzip as the client asks', async () => {
      for (const encoding of ['br', 'gzip']) {
        const r = await request(`${api.url}/api/v1/resources?limit=50`, {headers: {'accept-encoding': encoding}})
        await r.body.arrayBuffer()
        expect(r.headers['content-encoding']).toBe(encoding)
      }
    })
  })

  describe('validation', () => {
    it.each([
      ['/api/v1/resources/abc', 'id'],
      ['/api/v1/resources/0', 'id'],
      ['/api/v1/resources/-3', 'id'],
      ['/api/v1/resources/99999999999999999999', 'id'],
      ['/api/v1/resources?limit=0', 'limit'],
      ['/api/v1/resources?limit=101', 'limit'],
      ['/api/v1/resources?limit=ten', 'limit'],
      ['/api/v1/resources?cursor=not-a-cursor', 'cursor'],
      ['/api/v1/resources?cursor=' + Buffer.from('r:abc').toString('base64url'), 'cursor'],
    ])('GET %s → 400 naming %s', async (path, field) => {
      const r = await get(path)
      expect(r.status).toBe(400)
      expect(r.body.error).toMatchObject({code: 'validation_failed', field})
    })

    it.each([
      [{}, 'name'],
      [{name: ''}, 'name'],
      [{name: 'x'.repeat(201)}, 'name'],
      [{name: 'ok', data: 'not an object'}, 'data'],
      [{name: 'ok', extra: 1}, 'extra'],
      [[1, 2], 'body'],
    ])('POST /resources %j → 400 naming %s', async (body, field) => {
      const r = await call(api.url, 'POST', '/api/v1/resources', {body, headers: USER_VIA_GATEWAY})
      expect(r.status).toBe(400)
      expect(r.body.error).toMatchObject({code: 'validation_failed', field})
    })

    it('refuses malformed JSON with 400 naming the body', async () => {
      const r = await call(api.url, 'POST', '/api/v1/resources', {rawBody: '{"name": ', headers: {...USER_VIA_GATEWAY, 'content-type': 'application/json'}})
      expect(r.status).toBe(400)
      expect(r.body.error).toMatchObject({code: 'invalid_json', field: 'body'})
    })

    it('says how to send a body when none arrived as JSON', async () => {
      const r = await call(api.url, 'POST', '/api/v1/resources', {rawBody: 'name=x', headers: {...USER_VIA_GATEWAY, 'content-type': 'text/plain'}})
      expect(r.status).toBe(400)
      expect(r.body.error.field).toBe('body')
      expect(r.body.error.message).toContain('Content-Type: application/json')
    })

    it('refuses bodies over the limit with a 413 envelope', async () => {
      const r = await call(api.url, 'POST', '/api/v1/resources', {body: {name: 'big', description: 'x'.repeat(4000)}, headers: USER_VIA_GATEWAY})
      expect(r.status).toBe(413)
      expect(r.body.error.code).toBe('payload_too_large')
      expect(r.body.meta.instance).toBe('api-basics')
    })

    it('refuses a PUT that changes nothing and a version that is not a positive integer', async () => {
      const none = await call(api.url, 'PUT', '/api/v1/resources/3', {body: {}, headers: USER_VIA_GATEWAY})
      expect(none.status).toBe(400)
      expect(none.body.error.field).toBe('name')
      const badVersion = await call(api.url, 'PUT', '/api/v1/resources/3', {body: {name: 'n', version: 0}, headers: USER_VIA_GATEWAY})
      expect(badVersion.body.error.field).toBe('version')
    })
  })

  describe('resources', () => {
    it('walks every resource with keyset pagination and opaque cursors', async () => {
      const seen: number[] = []
      let cursor: string | null = null
      let pages = 0
      do {
        const r: Awaited<ReturnType<typeof get>> = await get(`/api/v1/resources?limit=100${cursor ? `&cursor=${cursor}` : ''}`)
        expect(r.status).toBe(200)
        seen.push(...r.body.data.items.map((i: {id: number}) => i.id))
        cursor = r.body.data.nextCursor
        pages++
      } while (cursor)
      expect(pages).toBe(3)
      expect(seen).toEqual(Array.from({length: 250}, (_, i) => i + 1))
    })

    it('needs an identity to write', async () => {
      const r = await call(api.url, 'POST', '/api/v1/resources', {body: {name: 'anon'}})
      expect(r.status).toBe(401)
      expect(r.headers.get('www-authenticate')).toContain('Bearer')
    })

    it('creates (201 with id), reads, updates with optimistic versions, and deletes', async () => {
      const created = await call(api.url, 'POST', '/api/v1/resources', {body: {name: 'fresh', data: {a: 1}}, headers: USER_VIA_GATEWAY})
      expect(created.status).toBe(201)
      const id = created.body.data.id
      expect(id).toBeGreaterThan(250)
      expect(created.headers.get('location')).toBe(`/api/v1/resources/${id}`)
      expect(created.body.data).toMatchObject({name: 'fresh', description: '', data: {a: 1}, ownerId: 2, version: 1})

      const read = await get(`/api/v1/resources/${id}`)
      expect(read.body.data.name).toBe('fresh')

      const updated = await call(api.url, 'PUT', `/api/v1/resources/${id}`, {body: {name: 'renamed', version: 1}, headers: USER_VIA_GATEWAY})
      expect(updated.status).toBe(200)
      expect(updated.body.data).toMatchObject({name: 'renamed', version: 2, data: {a: 1}})

      const conflict = await call(api.url, 'PUT', `/api/v1/resources/${id}`, {body: {name: 'late', version: 1}, headers: USER_VIA_GATEWAY})
      expect(conflict.status).toBe(409)
      expect(conflict.body.error).toMatchObject({code: 'version_conflict', field: 'version', details: {currentVersion: 2}})

      const after = await get(`/api/v1/resources/${id}`)
      expect(after.body.data.name).toBe('renamed')

      const deleted = await call(api.url, 'DELETE', `/api/v1/resources/${id}`, {headers: USER_VIA_GATEWAY})
      expect(deleted.status).toBe(204)
      const gone = await get(`/api/v1/resources/${id}`)
      expect(gone.status).toBe(404)
      expect(gone.body.error.code).toBe('not_found')
      const deleteAgain = await call(api.url, 'DELETE', `/api/v1/resources/${id}`, {headers: USER_VIA_GATEWAY})
      expect(deleteAgain.status).toBe(404)
    })

    it('answers from L1 on a repeat read and marks it with X-Cache', async () => {
      const first = await get('/api/v1/resources/42')
      const second = await get('/api/v1/resources/42')
      expect(first.headers.get('x-cache')).toMatch(/^(MISS|L2)$/)
      expect(second.headers.get('x-cache')).toBe('L1')
      expect(second.body.data).toEqual(first.body.data)
    })

    it('caches "not found" briefly (negative caching)', async () => {
      const first = await get('/api/v1/resources/777777')
      const second = await get('/api/v1/resources/777777')
      expect([first.status, second.status]).toEqual([404, 404])
      expect(second.headers.get('x-cache')).toBe('L1')
      expect(await metricValue(api, 'scalelab_cache_events_total', {layer: 'l1', result: 'negative_hit'})).toBeGreaterThanOrEqual(1)
    })
  })

  describe('health, readiness, status, metrics', () => {
    it('is alive and ready with both dependencies up', async () => {
      expect((await get('/health')).status).toBe(200)
      const ready = await get('/ready')
      expect(ready.status).toBe(200)
      expect(ready.body.status).toBe('ready')
      expect(ready.body.degraded).toEqual([])
      expect(ready.body.checks.postgres.state).toBe('up')
      expect(ready.body.checks.redis.state).toBe('up')
    })

    it('reports its status: instance, dependencies, breakers and cache', async () => {
      const r = await get('/api/v1/status')
      expect(r.status).toBe(200)
      expect(r.body.data).toMatchObject({
        instanceId: 'api-basics',
        pid: process.pid,
        breakers: {redis: {state: 'closed', trips: 0}, postgres: {state: 'closed', trips: 0}, external: {state: 'closed', trips: 0}},
        dependencies: {postgres: {state: 'up'}, redis: {state: 'up'}},
      })
      expect(r.body.data.cache.l1.entries).toBeGreaterThan(0)
      expect(r.body.data.cache.l1.maxEntries).toBe(10_000)
    })

    it('exposes the contract metrics with route templates, not raw paths', async () => {
      const r = await get('/metrics')
      expect(r.status).toBe(200)
      const text = String(r.body)
      for (const m of [METRICS.httpRequests, METRICS.httpDuration, METRICS.cacheEvents, METRICS.cacheL1Entries, METRICS.dbQueries, METRICS.breakerState, METRICS.dbPoolTotal]) {
        expect(text).toContain(m.name)
      }
      expect(text).toMatch(/scalelab_http_requests_total\{route="\/api\/v1\/resources\/:id",method="GET",status="200",service="api",instance="api-basics"\} \d+/)
      expect(text).not.toContain('route="/api/v1/resources/42"')
      expect(text).toMatch(/scalelab_http_requests_total\{route="unmatched",method="GET",status="404"/)
    })
  })
})
