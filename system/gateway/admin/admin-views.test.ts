import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Redis} from 'ioredis'
import {Agent, request} from 'undici'
import type {AdminBreakersView, AdminCacheView, AdminDashboard, BalancerStatus, BackendStatus, InstanceStatus} from '../../../contracts/http.js'
import {GATEWAY_HEADERS, sessionKey, type Session} from '../../../contracts/identity.js'
import {freePort} from '../../../cli/runtime/local/datastores.js'
import {startTestPostgres, startTestRedis, type TestPostgres, type TestRedis} from '../../../test/support/datastores.js'
import {TEST_GATEWAY_SECRET, silentLog, testGatewayConfig} from '../../../test/support/gateway.js'
import {json, startHttpStandIn, type HttpStandIn} from '../../../test/support/http-stand-in.js'
import {redisReady} from '../../../test/support/redis-time.js'
import {createRedis} from '../../shared/redis.js'
import {startGateway, type RunningGateway} from '../gateway.js'

const STATUS_TIMEOUT_MS = 300

function instanceStatus(id: string, hits: number, misses: number): InstanceStatus {
  return {
    instanceId: id,
    uptimeSeconds: 12,
    pid: 4242,
    inFlight: 3,
    dependencies: {redis: {state: 'up', latencyMs: 0.4}, postgres: {state: 'up', latencyMs: 1.1}},
    breakers: {redis: {state: 'closed', trips: 0}, postgres: {state: 'open', trips: 2}, external: {state: 'half-open', trips: 1}},
    cache: {
      l1: {entries: 10, bytes: 4_000, maxEntries: 1_000, maxBytes: 1_000_000, hits, misses, stale: 1},
      l2: {hits: misses / 2, misses: misses / 2, stale: 0, errors: 1},
    },
  }
}

function backend(name: string, address: string, extra: Partial<BackendStatus> = {}): BackendStatus {
  return {name, address, weight: 1, healthy: true, ejected: false, ejectedUntil: null, ejections: 0, inFlight: 1, requests: 100, ...extra}
}

describe('admin views', () => {
  let postgres: TestPostgres
  let redisServer: TestRedis
  let redis: Redis
  let balancer: HttpStandIn
  let api1: HttpStandIn
  let api2: HttpStandIn
  let api4: HttpStandIn
  let gateway: RunningGateway
  let adminToken: string
  let lbStatus: BalancerStatus
  const client = new Agent({connections: 4})

  const get = async <T>(path: string, token = adminToken) => {
    const res = await request(`${gateway.url}${path}`, {headers: {authorization: `Bearer ${token}`, 'x-request-id': 'admin-req'}, dispatcher: client})
    return {status: res.statusCode, headers: res.headers, body: (await res.body.json()) as {data: T; meta: {requestId: string}}}
  }

  beforeAll(async () => {
    ;[postgres, redisServer, balancer, api1, api2, api4] = await Promise.all([
      startTestPostgres({seedResources: 0}),
      startTestRedis(),
      startHttpStandIn(),
      startHttpStandIn(),
      startHttpStandIn(),
      startHttpStandIn(),
    ])
    redis = createRedis(redisServer.url)
    await redisReady(redis)
    api1.on('/api/v1/status', (_req, res) => json(res, 200, {data: instanceStatus('api-1', 80, 20), meta: {requestId: 'x'}}))
    // api-2 hangs past the status timeout; api-3 is not listening at all; api-4 answers garbage.
    api2.on('/api/v1/status', async (_req, res) => {
      await new Promise((r) => setTimeout(r, 2_000))
      if (!res.destroyed) json(res, 200, {data: instanceStatus('api-2', 1, 1), meta: {}})
    })
    api4.on('/api/v1/status', (_req, res) => json(res, 500, {error: {code: 'internal', message: 'boom'}, meta: {}}))
    lbStatus = {
      instance: 'balancer',
      algorithm: 'p2c-least-request',
      backends: [
        backend('api-1', api1.address),
        backend('api-2', api2.address, {healthy: false}),
        backend('api-3', `127.0.0.1:${await freePort()}`, {ejected: true, ejectedUntil: new Date(Date.now() + 30_000).toISOString(), ejections: 1}),
        backend('api-4', api4.address),
      ],
    }
    balancer.on('/lb/status', (req, res) => {
      if (req.headers[GATEWAY_HEADERS.secret] !== TEST_GATEWAY_SECRET) return json(res, 403, {error: {code: 'forbidden'}})
      json(res, 200, {data: lbStatus, meta: {requestId: 'lb'}})
    })
    gateway = await startGateway(
      testGatewayConfig({upstreamUrl: balancer.url, redisUrl: redisServer.url, databaseUrl: postgres.url}, {adminStatusTimeoutMs: STATUS_TIMEOUT_MS}),
      {log: silentLog()},
    )
    adminToken = 'admin-token'
    const session: Session = {userId: 1, email: 'admin@example.com', role: 'admin', createdAt: new Date().toISOString()}
    await redis.set(sessionKey(adminToken), JSON.stringify(session), 'EX', 3600)
    await redis.set(sessionKey('user-token'), JSON.stringify({...session, userId: 2, email: 'user@example.com', role: 'user'}), 'EX', 3600)
  })
  afterAll(async () => {
    await client.close()
    await gateway?.close()
    redis?.disconnect()
    await Promise.all([postgres?.stop(), redisServer?.stop(), balancer?.close(), api1?.close(), api2?.close(), api4?.close()])
  })

  it('aggregates the fleet: the balancer view, each instance status, and the gateway itself; instances that fail show as down', async () => {
    api1.requests.length = 0
    const began = performance.now()
    const {status, body, headers} = await get<AdminDashboard>('/api/v1/admin/dashboard')
    const elapsed = performance.now() - began
    expect(status).toBe(200)
    expect(headers['ratelimit-policy']).toBe('"enterprise";q=100000;w=60')
    expect(body.meta.requestId).toBe('admin-req')
    const d = body.data
    // Calls run in parallel with a short timeout: the hanging instance does not hold the view up.
    expect(elapsed).toBeLessThan(STATUS_TIMEOUT_MS + 1_000)

    expect(d.balancer).toMatchObject({up: true, status: {algorithm: 'p2c-least-request'}})
    expect(d.instances.map((i) => [i.name, i.up])).toEqual([
      ['api-1', true],
      ['api-2', false],
      ['api-3', false],
      ['api-4', false],
    ])
    const [one, two, three, four] = d.instances
    expect(one).toMatchObject({address: api1.address, status: {instanceId: 'api-1', inFlight: 3}, balancer: {healthy: true, requests: 100}})
    expect(two).toMatchObject({status: null, error: 'timed out', balancer: {healthy: false}})
    expect(three).toMatchObject({status: null, balancer: {ejected: true, ejections: 1}})
    expect(three.error).toMatch(/ECONNREFUSED/)
    expect(four).toMatchObject({status: null, error: 'unexpected answer (HTTP 500)'})
    expect(d.totals).toMatchObject({instances: 4, up: 1, down: 3, inFlight: 3})
    expect(d.totals.cache).toMatchObject({l1: {hits: 80, misses: 20, entries: 10}, l2: {hits: 10, misses: 10}, hitRate: 0.9})

    expect(d.gateway).toMatchObject({
      instanceId: 'gateway',
      breakers: {redis: {state: 'closed', trips: 0}, postgres: {state: 'closed', trips: 0}},
      rateLimiter: {algorithm: 'sliding-window-counter', windowSeconds: 60, mode: 'redis', limits: {anonymous: 100, enterprise: 100_000}},
      authCache: {entries: 1},
    })
    expect(d.gateway.rateLimiter.decisions.allowed).toBeGreaterThanOrEqual(1)

    // Instances were asked directly, with the secret and the admin's identity.
    expect(api1.requests).toHaveLength(1)
    expect(api1.requests[0].headers).toMatchObject({
      [GATEWAY_HEADERS.secret]: TEST_GATEWAY_SECRET,
      [GATEWAY_HEADERS.role]: 'admin',
      [GATEWAY_HEADERS.userId]: '1',
      'x-request-id': 'admin-req',
    })
  })

  it('shows circuit breakers per instance and of the gateway', async () => {
    const {status, body} = await get<AdminBreakersView>('/api/v1/admin/circuit-breakers')
    expect(status).toBe(200)
    expect(body.data.gateway).toEqual({redis: {state: 'closed', trips: 0}, postgres: {state: 'closed', trips: 0}})
    expect(body.data.instances[0]).toEqual({name: 'api-1', up: true, breakers: instanceStatus('api-1', 0, 0).breakers})
    expect(body.data.instances[1]).toMatchObject({name: 'api-2', up: false, breakers: null, error: 'timed out'})
  })

  it('shows cache stats per instance with totals', async () => {
    const {status, body} = await get<AdminCacheView>('/api/v1/admin/cache')
    expect(status).toBe(200)
    expect(body.data.instances[0]).toMatchObject({name: 'api-1', up: true, hitRate: 0.9, cache: {l1: {hits: 80}}})
    expect(body.data.instances.slice(1).every((i) => !i.up && i.cache === null && i.hitRate === null)).toBe(true)
    expect(body.data.totals.l1.bytes).toBe(4_000)
  })

  it('still answers when the balancer itself is down: balancer down, no instances', async () => {
    const saved = lbStatus
    balancer.on('/lb/status', (_req, res) => void res.destroy())
    try {
      const {status, body} = await get<AdminDashboard>('/api/v1/admin/dashboard')
      expect(status).toBe(200)
      expect(body.data.balancer.up).toBe(false)
      expect(body.data.balancer.error).toBeDefined()
      expect(body.data.instances).toEqual([])
      expect(body.data.totals).toMatchObject({instances: 0, up: 0, down: 0})
    } finally {
      balancer.on('/lb/status', (_req, res) => json(res, 200, {data: saved, meta: {}}))
    }
  })

  it('refuses the views to non-admins', async () => {
    for (const path of ['/api/v1/admin/dashboard', '/api/v1/admin/circuit-breakers', '/api/v1/admin/cache']) {
      expect((await get(path, 'user-token')).status, path).toBe(403)
    }
  })
})
