import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import type {Redis} from 'ioredis'
import {startTestRedis, type TestRedis} from '../../../test/support/datastores.js'
import {redisReady, waitForRoomInWindow} from '../../../test/support/redis-time.js'
import {createBreaker} from '../breaker.js'
import {createFakeClock} from '../clock.js'
import {createServiceMetrics} from '../metrics.js'
import {createRedis} from '../redis.js'
import {createLocalRateLimiter} from './local-rate-limiter.js'
import {createFailOpenRateLimiter} from './rate-limiter.js'
import {createBatchingRedisRateLimiter} from './batching-redis-rate-limiter.js'
import {createRedisRateLimiter} from './redis-rate-limiter.js'
import type {RateLimitPolicy} from './policy.js'

const WINDOW = 60

/** Script calls Redis has run so far (EVALSHA and EVAL), from INFO commandstats. */
async function scriptCalls(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats')
  let calls = 0
  for (const m of info.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)) calls += Number(m[1])
  return calls
}

describe('batching redis sliding-window limiter', () => {
  let server: TestRedis
  let redis: Redis
  let observer: Redis
  beforeAll(async () => {
    server = await startTestRedis()
    redis = createRedis(server.url)
    observer = createRedis(server.url)
    await Promise.all([redisReady(redis), redisReady(observer)])
  })
  beforeEach(async () => {
    await observer.flushdb()
  })
  afterAll(async () => {
    redis?.disconnect()
    observer?.disconnect()
    await server?.stop()
  })

  it('decides a burst in one script call, in order, exactly as one call per request would', async () => {
    const limiter = createBatchingRedisRateLimiter(redis)
    const policy: RateLimitPolicy = {name: 'anonymous', limit: 100, windowSeconds: WINDOW}
    await waitForRoomInWindow(observer, WINDOW)
    await limiter.consume('warm', policy) // the script is loaded and the connection warm
    const before = await scriptCalls(observer)
    const decisions = await Promise.all(Array.from({length: 150}, () => limiter.consume('burst', policy)))
    expect(await scriptCalls(observer)).toBe(before + 1)
    expect(decisions.map((d) => d.allowed)).toEqual([...Array(100).fill(true), ...Array(50).fill(false)])
    expect(decisions.slice(0, 100).map((d) => d.current)).toEqual(Array.from({length: 100}, (_, i) => i + 1))
    expect(decisions[149]).toMatchObject({current: 100, previous: 0, limit: 100, windowUs: WINDOW * 1e6})
    expect(await observer.hgetall('scalelab:rl:burst')).toMatchObject({c: '100', p: '0'})
    const ttl = await observer.pttl('scalelab:rl:burst')
    expect(ttl).toBeGreaterThan(WINDOW * 1000)
  })

  it('keeps partitions and policies apart within one batch, and shares counts with the single-call limiter', async () => {
    const batching = createBatchingRedisRateLimiter(redis)
    const single = createRedisRateLimiter(observer)
    const small: RateLimitPolicy = {name: 'free', limit: 3, windowSeconds: WINDOW}
    const large: RateLimitPolicy = {name: 'pro', limit: 1000, windowSeconds: WINDOW}
    await waitForRoomInWindow(observer, WINDOW)
    await single.consume('a', small)
    const mixed = await Promise.all([
      batching.consume('a', small),
      batching.consume('b', large),
      batching.consume('a', small),
      batching.consume('a', small),
      batching.consume('b', large, 10),
    ])
    expect(mixed.map((d) => [d.allowed, d.current])).toEqual([
      [true, 2],
      [true, 1],
      [true, 3],
      [false, 3],
      [true, 11],
    ])
    expect((await single.consume('a', small)).allowed).toBe(false)
    expect((await single.consume('b', large)).current).toBe(12)
  })

  it('rejects every request of a batch when Redis cannot answer', async () => {
    const offline = createRedis(`redis://127.0.0.1:1`, undefined, {retryStrategy: () => null})
    const limiter = createBatchingRedisRateLimiter(offline)
    const policy: RateLimitPolicy = {name: 'free', limit: 3, windowSeconds: WINDOW}
    const results = await Promise.allSettled([limiter.consume('x', policy), limiter.consume('y', policy)])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    offline.disconnect()
  })

  it('behind the fail-open limiter: one breaker call per batch, the batch fails open together, and Redis takes over again', async () => {
    const metrics = createServiceMetrics('gateway', 'test')
    const breaker = createBreaker({dependency: 'redis', consecutiveFailures: 2, halfOpenAfterMs: 200, timeoutMs: 300, metrics})
    const limiter = createFailOpenRateLimiter({shared: createBatchingRedisRateLimiter(redis), fallback: createLocalRateLimiter({clock: createFakeClock()}), breaker, metrics})
    const policy: RateLimitPolicy = {name: 'anonymous', limit: 10, windowSeconds: WINDOW}
    await waitForRoomInWindow(observer, WINDOW)
    const before = await Promise.all(Array.from({length: 5}, () => limiter.check('ip:10.0.0.1', policy)))
    expect(before.map((r) => [r.source, r.remaining])).toEqual([9, 8, 7, 6, 5].map((n) => ['redis', n]))

    await server.kill()
    const during = await Promise.all(Array.from({length: 12}, () => limiter.check('ip:10.0.0.1', policy)))
    expect(during.every((r) => r.source === 'local')).toBe(true)
    expect(during.map((r) => r.decision)).toEqual([...Array(10).fill('fail_open'), 'limited', 'limited'])
    expect(breaker.state).toBe('closed') // one failed call for the whole batch; two open the circuit
    await Promise.all(Array.from({length: 3}, () => limiter.check('ip:10.0.0.2', policy)))
    expect(breaker.state).toBe('open')

    await server.restart()
    let back
    const deadline = Date.now() + 10_000
    do {
      await new Promise((r) => setTimeout(r, 100))
      back = (await Promise.all([limiter.check('ip:10.0.0.3', policy), limiter.check('ip:10.0.0.3', policy)]))[1]
    } while (back.source !== 'redis' && Date.now() < deadline)
    expect(back).toMatchObject({source: 'redis', decision: 'allowed'})
    expect(limiter.stats().mode).toBe('redis')
  })
})
