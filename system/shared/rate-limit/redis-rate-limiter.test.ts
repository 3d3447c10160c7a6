import {createHash} from 'node:crypto'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Redis} from 'ioredis'
import {startTestRedis, type TestRedis} from '../../../test/support/datastores.js'
import {redisReady, waitForRoomInWindow} from '../../../test/support/redis-time.js'
import {createBreaker} from '../breaker.js'
import {createServiceMetrics} from '../metrics.js'
import {createRedis} from '../redis.js'
import {createFakeClock} from '../clock.js'
import {createLocalRateLimiter} from './local-rate-limiter.js'
import {createFailOpenRateLimiter} from './rate-limiter.js'
import {createRedisRateLimiter, SLIDING_WINDOW_LUA} from './redis-rate-limiter.js'
import type {RateLimitPolicy} from './policy.js'

const WINDOW = 60

describe('redis sliding-window limiter', () => {
  let server: TestRedis
  let a: Redis
  let b: Redis
  beforeAll(async () => {
    server = await startTestRedis()
    a = createRedis(server.url)
    b = createRedis(server.url)
    await Promise.all([redisReady(a), redisReady(b)])
  })
  afterAll(async () => {
    a?.disconnect()
    b?.disconnect()
    await server?.stop()
  })

  it('allows exactly the limit, then refuses, with the counts the headers are built from', async () => {
    const limiter = createRedisRateLimiter(a)
    const policy: RateLimitPolicy = {name: 'free', limit: 20, windowSeconds: WINDOW}
    await waitForRoomInWindow(a, WINDOW)
    const decisions = []
    for (let i = 0; i < 25; i++) decisions.push(await limiter.consume('exact', policy))
    expect(decisions.map((d) => d.allowed)).toEqual([...Array(20).fill(true), ...Array(5).fill(false)])
    expect(decisions[19]).toMatchObject({current: 20, previous: 0, limit: 20, windowUs: WINDOW * 1e6})
    expect(decisions[24].current).toBe(20) // refusals are not counted
    expect(decisions[0].elapsedUs).toBeGreaterThanOrEqual(0)
    expect(decisions[0].elapsedUs).toBeLessThan(WINDOW * 1e6)
    expect(await a.hgetall('scalelab:rl:exact')).toMatchObject({c: '20', p: '0'})
    const ttl = await a.pttl('scalelab:rl:exact')
    expect(ttl).toBeGreaterThan(WINDOW * 1000)
    expect(ttl).toBeLessThanOrEqual(2 * WINDOW * 1000)
  })

  it('shares one quota between clients (gateways) racing each other', async () => {
    const viaA = createRedisRateLimiter(a)
    const viaB = createRedisRateLimiter(b)
    const policy: RateLimitPolicy = {name: 'pro', limit: 300, windowSeconds: WINDOW}
    await waitForRoomInWindow(a, WINDOW)
    const all = await Promise.all(Array.from({length: 400}, (_, i) => (i % 2 ? viaA : viaB).consume('shared', policy)))
    expect(all.filter((d) => d.allowed)).toHaveLength(300)
  })

  it('keeps O(1) memory per client: a client at the enterprise limit costs as much as one with a single request', async () => {
    const limiter = createRedisRateLimiter(a)
    const policy: RateLimitPolicy = {name: 'enterprise', limit: 100_000, windowSeconds: WINDOW}
    await waitForRoomInWindow(a, WINDOW)
    await limiter.consume('one-request', policy)
    // 99,000 units in one call, then 1,000 single requests: the client sits at the limit.
    expect((await limiter.consume('at-limit', policy, 99_000)).allowed).toBe(true)
    const singles = await Promise.all(Array.from({length: 1_001}, () => limiter.consume('at-limit', policy)))
    expect(singles.filter((d) => d.allowed)).toHaveLength(1_000)
    expect(await a.hget('scalelab:rl:at-limit', 'c')).toBe('100000')
    const small = Number(await a.call('MEMORY', 'USAGE', 'scalelab:rl:one-request'))
    const full = Number(await a.call('MEMORY', 'USAGE', 'scalelab:rl:at-limit'))
    // A sorted set of 100,000 timestamps takes ~12 MB; this stays a few dozen bytes.
    expect(full).toBeLessThan(200)
    expect(full - small).toBeLessThanOrEqual(8)
    expect(await a.dbsize()).toBeLessThan(10)
  })

  it('loads the script once the connection is ready, and again after a reconnect', async () => {
    const sha = createHash('sha1').update(SLIDING_WINDOW_LUA).digest('hex')
    await a.script('FLUSH')
    const fresh = createRedis(server.url)
    try {
      createRedisRateLimiter(fresh)
      await redisReady(fresh)
      const loaded = async () => ((await a.script('EXISTS', sha)) as number[])[0] === 1
      const deadline = Date.now() + 2_000
      while (!(await loaded()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      expect(await loaded()).toBe(true)
    } finally {
      fresh.disconnect()
    }
  })

  it('reloads the script by itself after Redis lost it (EVALSHA → NOSCRIPT → EVAL)', async () => {
    const limiter = createRedisRateLimiter(a)
    const policy: RateLimitPolicy = {name: 'free', limit: 5, windowSeconds: WINDOW}
    await limiter.consume('flushed', policy)
    await a.script('FLUSH')
    expect((await limiter.consume('flushed', policy)).current).toBe(2)
  })
})

describe('fail-open limiter', () => {
  let server: TestRedis
  let redis: Redis
  beforeAll(async () => {
    server = await startTestRedis()
    redis = createRedis(server.url)
    await redisReady(redis)
  })
  afterAll(async () => {
    redis?.disconnect()
    await server?.stop()
  })

  it('falls back to the local limiter while Redis is down, counts fail_open, still limits, and returns to Redis', async () => {
    const metrics = createServiceMetrics('gateway', 'test')
    const breaker = createBreaker({dependency: 'redis', consecutiveFailures: 3, halfOpenAfterMs: 200, timeoutMs: 200, metrics})
    const clock = createFakeClock()
    const limiter = createFailOpenRateLimiter({
      shared: createRedisRateLimiter(redis),
      fallback: createLocalRateLimiter({clock}),
      breaker,
      metrics,
    })
    const policy: RateLimitPolicy = {name: 'anonymous', limit: 10, windowSeconds: WINDOW}
    await waitForRoomInWindow(redis, WINDOW)
    const before = await limiter.check('ip:10.0.0.1', policy)
    expect(before).toMatchObject({allowed: true, source: 'redis', decision: 'allowed', remaining: 9})

    await server.kill()
    const during = []
    for (let i = 0; i < 12; i++) during.push(await limiter.check('ip:10.0.0.1', policy))
    expect(during.every((r) => r.source === 'local')).toBe(true)
    // The local limiter starts from zero: 10 pass, the rest are refused.
    expect(during.map((r) => r.decision)).toEqual([...Array(10).fill('fail_open'), 'limited', 'limited'])
    expect(during[11]).toMatchObject({allowed: false, remaining: 0})
    expect(during[11].resetSeconds).toBeGreaterThan(0)
    expect(breaker.state).toBe('open')
    expect(limiter.stats()).toMatchObject({mode: 'local', decisions: {allowed: 1, fail_open: 10, limited: 2}})
    const text = (await metrics.text()).body
    expect(text).toMatch(/scalelab_ratelimit_decisions_total\{tier="anonymous",decision="fail_open",service="gateway",instance="test"\} 10/)
    expect(text).toMatch(/scalelab_ratelimit_decisions_total\{tier="anonymous",decision="limited",service="gateway",instance="test"\} 2/)

    await server.restart()
    let back
    const deadline = Date.now() + 10_000
    do {
      await new Promise((r) => setTimeout(r, 100))
      back = await limiter.check('ip:10.0.0.2', policy)
    } while (back.source !== 'redis' && Date.now() < deadline)
    expect(back).toMatchObject({source: 'redis', decision: 'allowed', allowed: true})
    expect(breaker.state).toBe('closed')
    expect(limiter.stats().mode).toBe('redis')
  })
})
