import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestPostgres, startTestRedis, type TestPostgres, type TestRedis} from '../../../test/support/datastores.js'
import {ADMIN_VIA_GATEWAY, USER_VIA_GATEWAY, call, startTestApi} from '../../../test/support/api-harness.js'
import type {ApiInstance} from '../server.js'

describe('POST /api/v1/batch', () => {
  let redis: TestRedis
  let postgres: TestPostgres
  let api: ApiInstance

  beforeAll(async () => {
    ;[redis, postgres] = await Promise.all([startTestRedis(), startTestPostgres({seedResources: 20})])
    api = await startTestApi({redis, postgres}, {INSTANCE_ID: 'api-batch'})
  })
  afterAll(async () => {
    await api?.close()
    await Promise.all([redis?.stop(), postgres?.stop()])
  })

  const batch = (requests: unknown, headers: Record<string, string> = {}) => call(api.url, 'POST', '/api/v1/batch', {body: {requests}, headers})

  it('runs each sub-request through the normal routes and returns each status and body in order', async () => {
    const r = await batch(
      [
        {method: 'GET', path: '/api/v1/resources/1'},
        {method: 'GET', path: '/api/v1/resources/99999'},
        {method: 'POST', path: '/api/v1/resources', body: {name: 'from-batch'}},
        {method: 'GET', path: '/api/v1/me'},
        {method: 'GET', path: '/api/v1/resources?limit=2'},
        {method: 'GET', path: '/api/v1/resources/abc'},
      ],
      USER_VIA_GATEWAY,
    )
    expect(r.status).toBe(200)
    const results = r.body.data.results
    expect(results.map((x: {status: number}) => x.status)).toEqual([200, 404, 201, 200, 200, 400])
    expect(results.map((x: {index: number}) => x.index)).toEqual([0, 1, 2, 3, 4, 5])
    expect(results[0].body.data).toMatchObject({id: 1, name: 'resource-1'})
    expect(results[0].cache).toMatch(/^(MISS|L1|L2)$/)
    expect(results[1].body.error.code).toBe('not_found')
    expect(results[2].body.data).toMatchObject({name: 'from-batch', ownerId: 2})
    // The caller's identity travels with each sub-request.
    expect(results[3].body.data).toMatchObject({kind: 'session', userId: 2, role: 'user'})
    expect(results[4].body.data.items).toHaveLength(2)
    expect(results[5].body.error.field).toBe('id')
    // Sub-request ids derive from the batch's request id.
    expect(results[0].body.meta.requestId).toBe(`${r.body.meta.requestId}.0`)
  })

  it('gives anonymous callers anonymous sub-requests', async () => {
    const r = await batch([
      {method: 'GET', path: '/api/v1/me'},
      {method: 'POST', path: '/api/v1/resources', body: {name: 'nope'}},
      {method: 'GET', path: '/api/v1/admin/cache'},
    ])
    expect(r.body.data.results.map((x: {status: number}) => x.status)).toEqual([401, 401, 401])
  })

  it('runs sub-requests in parallel', async () => {
    expect((await call(api.url, 'PUT', '/api/v1/admin/faults', {body: {delayMs: 300, routes: '/api/v1/resources'}, headers: ADMIN_VIA_GATEWAY})).status).toBe(200)
    try {
      const began = performance.now()
      const r = await batch(Array.from({length: 20}, (_, i) => ({method: 'GET', path: `/api/v1/resources/${(i % 10) + 1}`})))
      const elapsed = performance.now() - began
      expect(r.body.data.results.every((x: {status: number}) => x.status === 200)).toBe(true)
      expect(elapsed).toBeGreaterThanOrEqual(290)
      // Twenty in a row cannot take less than 6 s; in parallel it is one delay plus overhead.
      expect(elapsed).toBeLessThan(3_000)
    } finally {
      await call(api.url, 'DELETE', '/api/v1/admin/faults', {headers: ADMIN_VIA_GATEWAY})
    }
  })

  it.each([
    ['absolute URL', 'http://169.254.169.254/latest/meta-data'],
    ['protocol-relative URL', '//evil.example/api/v1/resources'],
    ['traversal', '/api/v1/../metrics'],
    ['encoded traversal', '/api/v1/%2e%2e/metrics'],
    ['encoded slash', '/api/v1/resources%2f..%2f..%2fmetrics'],
    ['backslash', '/api/v1/..\\metrics'],
    ['header injection', '/api/v1/resources\r\nHost: evil'],
    ['outside the API', '/metrics'],
    ['recursion', '/api/v1/batch'],
    ['recursion in another case', '/api/v1/Batch'],
  ])('refuses a %s with 400 naming the index, and runs nothing', async (_name, path) => {
    const before = await call(api.url, 'GET', '/api/v1/resources?limit=100')
    const r = await batch([{method: 'POST', path: '/api/v1/resources', body: {name: 'must-not-exist'}}, {method: 'GET', path}], USER_VIA_GATEWAY)
    expect(r.status).toBe(400)
    expect(r.body.error).toMatchObject({code: 'validation_failed', field: 'requests.1.path', details: {index: 1}})
    expect(r.body.error.message).toContain('requests[1].path')
    const after = await call(api.url, 'GET', '/api/v1/resources?limit=100')
    expect(after.body.data.items.length).toBe(before.body.data.items.length)
  })

  it('refuses more than 20 sub-requests, unknown methods and a missing list', async () => {
    const many = Array.from({length: 21}, () => ({method: 'GET', path: '/api/v1/resources/1'}))
    expect((await batch(many)).body.error).toMatchObject({code: 'validation_failed', field: 'requests'})
    expect((await batch([{method: 'PATCH', path: '/api/v1/resources/1'}])).body.error.field).toBe('requests.0.method')
    expect((await batch([])).body.error.field).toBe('requests')
    expect((await call(api.url, 'POST', '/api/v1/batch', {body: {}})).body.error.field).toBe('requests')
  })
})
