import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import type {Redis} from 'ioredis'
import {Agent, request} from 'undici'
import {SEED_API_KEYS} from '../../contracts/seed.js'
import {startTestPostgres, startTestRedis, type TestPostgres, type TestRedis} from '../../test/support/datastores.js'
import {testGatewayConfig, silentLog} from '../../test/support/gateway.js'
import {startHttpStandIn, type HttpStandIn} from '../../test/support/http-stand-in.js'
import {redisReady, waitForRoomInWindow} from '../../test/support/redis-time.js'
import {createFakeClock} from '../shared/clock.js'
import {parseLimitField} from '../shared/rate-limit/headers.js'
import {createRedis} from '../shared/redis.js'
import {startGateway, type RunningGateway} from './gateway.js'

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: any
}

describe('gateway rate limiting', () => {
  let postgres: TestPostgres
  let redisServer: TestRedis
  let redis: Redis
  let upstream: HttpStandIn
  const client = new Agent({connections: 16})
  const started: RunningGateway[] = []

  const send = async (gateway: RunningGateway, path: string, headers: Record<string, string> = {}): Promise<Reply> => {
    const res = await request(`${gateway.url}${path}`, {headers, dispatcher: client})
    const text = await res.body.text()
    return {status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : null}
  }
  const start = async (overrides: Parameters<typeof testGatewayConfig>[1] = {}, redisUrl = redisServer.url, clock = createFakeClock()) => {
    // A generous Redis timeout: on a busy machine a slow call would fail open and blur exactness.
    const config = testGatewayConfig({upstreamUrl: upstream.url, redisUrl, databaseUrl: postgres.url}, {redisTimeoutMs: 2_000, ...overrides})
    const g = await startGateway(config, {log: silentLog(), clock})
    started.push(g)
    return g
  }

  beforeAll(async () => {
    ;[postgres, redisServer, upstream] = await Promise.all([startTestPostgres({seedResources: 0}), startTestRedis(), startHttpStandIn()])
    redis = createRedis(redisServer.url)
    await redisReady(redis)
  })
  // Each test starts with no quota used (all gateways here share this Redis and 127.0.0.1).
  beforeEach(async () => {
    await redis.flushdb()
  })
  afterAll(async () => {
    await client.close()
    await Promise.all(started.map((g) => g.close()))
    redis?.disconnect()
    await Promise.all([postgres?.stop(), redisServer?.stop(), upstream?.close()])
  })

  it('150 anonymous requests sent quickly: exactly 100 pass and 50 get 429, all with RateLimit fields', async () => {
    const gateway = await start()
    await waitForRoomInWindow(redis, 60, 10)
    const before = upstream.requests.length
    const replies: Reply[] = []
    for (let batch = 0; batch < 15; batch++) {
      replies.push(...(await Promise.all(Array.from({length: 10}, () => send(gateway, '/api/v1/resources?limit=1')))))
    }
    const ok = replies.filter((r) => r.status === 200)
    const limited = replies.filter((r) => r.status === 429)
    expect(ok).toHaveLength(100)
    expect(limited).toHaveLength(50)
    expect(upstream.requests.length - before).toBe(100)

    for (const r of replies) {
      expect(r.headers['ratelimit-policy']).toBe('"anonymous";q=100;w=60')
      const [item] = parseLimitField(String(r.headers.ratelimit))
      expect(item.name).toBe('anonymous')
      expect(item.params.r).toBeGreaterThanOrEqual(0)
      expect(item.params.t).toBeGreaterThanOrEqual(0)
    }
    const remaining = ok.map((r) => parseLimitField(String(r.headers.ratelimit))[0].params.r as number).sort((a, b) => b - a)
    expect(remaining).toEqual(Array.from({length: 100}, (_, i) => 99 - i))
    for (const r of limited) {
      const [item] = parseLimitField(String(r.headers.ratelimit))
      expect(item.params.r).toBe(0)
      expect(Number(r.headers['retry-after'])).toBe(item.params.t)
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1)
      expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(120)
      expect(r.body).toMatchObject({error: {code: 'rate_limited'}, meta: {requestId: expect.any(String)}})
    }
    const metrics = await (await request(`${gateway.url}/metrics`, {dispatcher: client})).body.text()
    expect(metrics).toMatch(/scalelab_ratelimit_decisions_total\{tier="anonymous",decision="allowed",[^}]*\} 100/)
    expect(metrics).toMatch(/scalelab_ratelimit_decisions_total\{tier="anonymous",decision="limited",[^}]*\} 50/)
  })

  it('limits an API key at exactly its tier limit, counting down r, then 429 with Retry-After', async () => {
    const gateway = await start({rateLimits: {anonymous: 100, free: 5, pro: 10_000, enterprise: 100_000}})
    await waitForRoomInWindow(redis, 60, 5)
    const replies: Reply[] = []
    for (let i = 0; i < 7; i++) replies.push(await send(gateway, '/api/v1/resources', {'x-api-key': SEED_API_KEYS.free}))
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429, 429])
    expect(replies.map((r) => parseLimitField(String(r.headers.ratelimit))[0].params.r)).toEqual([4, 3, 2, 1, 0, 0, 0])
    expect(replies[0].headers['ratelimit-policy']).toBe('"free";q=5;w=60')
    expect(replies[4].headers['retry-after']).toBeUndefined()
    const retry = Number(replies[5].headers['retry-after'])
    // 5 counted in this window and none before: one frees a fifth into the next window.
    const [sec] = await redis.time()
    const untilWindowEnd = 60 - (Number(sec) % 60)
    expect(retry).toBeGreaterThanOrEqual(untilWindowEnd + 12 - 2)
    expect(retry).toBeLessThanOrEqual(untilWindowEnd + 12 + 1)
    // Another client (anonymous, by IP) is unaffected.
    expect((await send(gateway, '/api/v1/resources')).status).toBe(200)
  })

  it('shares one limit between two gateway processes on one Redis', async () => {
    const limits = {anonymous: 100, free: 1_000, pro: 12, enterprise: 100_000}
    const [g1, g2] = await Promise.all([start({rateLimits: limits, instanceId: 'gateway-1'}), start({rateLimits: limits, instanceId: 'gateway-2'})])
    await waitForRoomInWindow(redis, 60, 5)
    const replies = await Promise.all(
      Array.from({length: 20}, (_, i) => send(i % 2 ? g1 : g2, '/api/v1/resources', {'x-api-key': SEED_API_KEYS.pro})),
    )
    expect(replies.filter((r) => r.status === 200)).toHaveLength(12)
    expect(replies.filter((r) => r.status === 429)).toHaveLength(8)
    const perGateway = [g1, g2].map((g) => g.rateLimiter.stats().decisions)
    expect(perGateway[0].allowed + perGateway[1].allowed).toBe(12)
    expect(perGateway[0].allowed).toBeGreaterThan(0)
    expect(perGateway[1].allowed).toBeGreaterThan(0)
  })

  it('RATE_LIMIT_MODE=off (benchmarks only) lets every request through, asks Redis nothing and sends no RateLimit fields', async () => {
    const gateway = await start({rateLimitMode: 'off'})
    const before = upstream.requests.length
    const replies = await Promise.all(Array.from({length: 150}, () => send(gateway, '/api/v1/resources?limit=1')))
    expect(replies.map((r) => r.status)).toEqual(Array.from({length: 150}, () => 200))
    expect(upstream.requests.length - before).toBe(150)
    expect(replies.every((r) => r.headers['ratelimit-policy'] === undefined && r.headers.ratelimit === undefined)).toBe(true)
    expect(await redis.dbsize()).toBe(0)
  })
})

describe('gateway rate limiting while Redis is down', () => {
  let postgres: TestPostgres
  let redisServer: TestRedis
  let upstream: HttpStandIn
  let gateway: RunningGateway
  const client = new Agent({connections: 8})
  const clock = createFakeClock()

  const send = async (ip: string) => {
    const res = await request(`${gateway.url}/api/v1/resources`, {headers: {'x-forwarded-for': ip}, dispatcher: client})
    await res.body.dump()
    return {status: res.statusCode, headers: res.headers}
  }
  const metricValue = async (decision: string) => {
    const text = await (await request(`${gateway.url}/metrics`, {dispatcher: client})).body.text()
    const m = new RegExp(`scalelab_ratelimit_decisions_total\\{tier="anonymous",decision="${decision}",[^}]*\\} (\\d+)`).exec(text)
    return m ? Number(m[1]) : 0
  }

  beforeAll(async () => {
    ;[postgres, redisServer, upstream] = await Promise.all([startTestPostgres({seedResources: 0}), startTestRedis(), startHttpStandIn()])
    gateway = await startGateway(
      testGatewayConfig(
        {upstreamUrl: upstream.url, redisUrl: redisServer.url, databaseUrl: postgres.url},
        {trustProxy: 1, rateLimits: {anonymous: 5, free: 1_000, pro: 10_000, enterprise: 100_000}, breakerHalfOpenMs: 300, redisTimeoutMs: 200},
      ),
      {log: silentLog(), clock},
    )
  })
  afterAll(async () => {
    await client.close()
    await gateway?.close()
    await Promise.all([postgres?.stop(), redisServer?.stop(), upstream?.close()])
  })

  it('fails open to the local limiter, counts fail_open, still limits, and goes back to Redis when it returns', async () => {
    expect((await send('203.0.113.1')).status).toBe(200)
    expect(gateway.rateLimiter.stats().mode).toBe('redis')

    await redisServer.kill()
    const during = []
    for (let i = 0; i < 7; i++) during.push(await send('203.0.113.2'))
    // Requests still pass (fail open), and the per-process limiter still holds the tier's limit.
    expect(during.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429, 429])
    expect(during[5].headers['retry-after']).toBeDefined()
    expect(gateway.rateLimiter.stats().mode).toBe('local')
    expect(await metricValue('fail_open')).toBe(5)
    expect(await metricValue('limited')).toBe(2)
    expect(gateway.breakers.redis.state).toBe('open')
    // The local window turns with the (fake) clock: the client regains its quota.
    clock.advance(120_000)
    expect((await send('203.0.113.2')).status).toBe(200)

    await redisServer.restart()
    const deadline = Date.now() + 10_000
    let back = false
    while (!back && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100))
      await send(`203.0.113.${Math.floor(Math.random() * 200) + 10}`)
      back = gateway.rateLimiter.stats().mode === 'redis'
    }
    expect(back).toBe(true)
    expect(gateway.breakers.redis.state).toBe('closed')
    const allowedBefore = await metricValue('allowed')
    expect((await send('203.0.113.3')).status).toBe(200)
    expect(await metricValue('allowed')).toBe(allowedBefore + 1)
  })
})
