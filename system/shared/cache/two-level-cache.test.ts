import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import type {Redis} from 'ioredis'
import {startTestRedis, type TestRedis} from '../../../test/support/datastores.js'
import {eventually} from '../../../test/support/api-harness.js'
import {createBreaker} from '../breaker.js'
import {createServiceMetrics} from '../metrics.js'
import {createRedis} from '../redis.js'
import {InvalidationBus} from './invalidation-bus.js'
import {TwoLevelCache, type Clock, type TwoLevelCacheOptions} from './two-level-cache.js'

class FakeClock implements Clock {
  constructor(public t = Date.now()) {}
  now() {
    return this.t
  }
  advance(ms: number) {
    this.t += ms
  }
}

interface Item {
  id: string
  n: number
}

describe('TwoLevelCache (real Redis, fake clock)', () => {
  let redis: TestRedis
  const clients: Redis[] = []
  let namespaceSeq = 0

  beforeAll(async () => {
    redis = await startTestRedis()
  })
  afterEach(() => {
    while (clients.length) clients.pop()?.disconnect()
  })
  afterAll(async () => {
    await redis?.stop()
  })

  const connect = async () => {
    const client = createRedis(redis.url, undefined, {autoResubscribe: false})
    clients.push(client)
    await eventually(async () => client.status === 'ready')
    return client
  }

  async function makeCache(overrides: Partial<TwoLevelCacheOptions> = {}, withBus = false, instanceId = 'a') {
    const clock = (overrides.clock as FakeClock | undefined) ?? new FakeClock()
    const metrics = createServiceMetrics('test', instanceId)
    const client = await connect()
    const redisBreaker = createBreaker({dependency: 'redis', timeoutMs: 300, consecutiveFailures: 3, halfOpenAfterMs: 60_000, metrics})
    let bus: InvalidationBus | undefined
    if (withBus) {
      bus = new InvalidationBus({instanceId, subscriber: await connect(), publisher: client, publisherBreaker: redisBreaker})
      await eventually(async () => bus!.subscribed)
    }
    const cache = new TwoLevelCache<Item>({
      namespace: overrides.namespace ?? `ns${++namespaceSeq}`,
      l1MaxEntries: 100,
      l1MaxBytes: 1_000_000,
      l1TtlMs: 5_000,
      l2TtlMs: 60_000,
      negativeTtlMs: 2_000,
      staleWindowMs: 30_000,
      redis: client,
      redisBreaker,
      bus,
      clock,
      metrics,
      ...overrides,
    })
    return {cache, clock: clock as FakeClock, metrics, redisBreaker, client, bus}
  }

  /** A loader that counts its calls; `gate` holds every call until released. */
  function countingLoader(value: (id: string) => Item | null = (id) => ({id, n: 1})) {
    let release: () => void = () => {}
    let gate: Promise<void> | undefined
    const loader = Object.assign(
      async (id: string) => {
        loader.calls++
        const v = value(id) // read at call time, like a query that has started
        if (gate) await gate
        if (loader.fail) throw new Error('origin down')
        return v
      },
      {calls: 0, fail: false, hold() { gate = new Promise<void>((r) => (release = r)) }, release: () => release()},
    )
    return loader
  }

  it('coalesces 1,000 concurrent misses for one key into one origin load', async () => {
    const {cache} = await makeCache()
    const load = countingLoader()
    load.hold()
    const reads = Array.from({length: 1000}, () => cache.get('7', load))
    await new Promise((r) => setTimeout(r, 20))
    load.release()
    const results = await Promise.all(reads)
    expect(load.calls).toBe(1)
    expect(results.every((r) => r.value?.id === '7' && r.source === 'MISS')).toBe(true)
    expect(cache.stats().l1.misses).toBe(1000)
    expect(cache.stats().l2.misses).toBe(1)
  })

  it('serves L1 while fresh, then L2 once L1 expires, then the origin once L2 expires', async () => {
    const {cache, clock} = await makeCache()
    const load = countingLoader()
    expect((await cache.get('1', load)).source).toBe('MISS')
    expect((await cache.get('1', load)).source).toBe('L1')
    clock.advance(5_001)
    expect((await cache.get('1', load)).source).toBe('L2')
    expect((await cache.get('1', load)).source).toBe('L1')
    clock.advance(60_001)
    expect((await cache.get('1', load)).source).toBe('MISS')
    expect(load.calls).toBe(2)
  })

  it('remembers "not found" for the negative TTL only', async () => {
    const {cache, clock} = await makeCache()
    const load = countingLoader(() => null)
    expect(await cache.get('404', load)).toEqual({value: null, source: 'MISS'})
    expect(await cache.get('404', load)).toEqual({value: null, source: 'L1'})
    clock.advance(2_001)
    expect((await cache.get('404', load)).source).toBe('MISS')
    expect(load.calls).toBe(2)
  })

  it('serves an expired value as STALE when the origin fails, within the stale window only', async () => {
    const {cache, clock} = await makeCache({l2TtlMs: 10_000})
    const load = countingLoader()
    await cache.get('5', load)
    clock.advance(10_001) // past L1 and L2 freshness, inside the stale window
    load.fail = true
    expect(await cache.get('5', load)).toEqual({value: {id: '5', n: 1}, source: 'STALE'})
    expect(cache.stats().l1.stale).toBe(1)
    clock.advance(30_000) // past the stale window
    await expect(cache.get('5', load)).rejects.toThrow('origin down')
  })

  it('falls back to a stale L2 copy when L1 no longer has one', async () => {
    const {cache: writer, clock} = await makeCache({namespace: 'shared-stale', l2TtlMs: 10_000})
    const {cache: reader} = await makeCache({namespace: 'shared-stale', l2TtlMs: 10_000, clock})
    await writer.get('9', countingLoader())
    clock.advance(10_001)
    const failing = countingLoader()
    failing.fail = true
    expect(await reader.get('9', failing)).toEqual({value: {id: '9', n: 1}, source: 'STALE'})
    expect(reader.stats().l2.stale).toBe(1)
  })

  it('does not cache a load that a write overtook, and starts a fresh load for later readers', async () => {
    const {cache} = await makeCache()
    let version = 1
    const load = countingLoader((id) => ({id, n: version}))
    load.hold()
    const before = cache.get('3', load)
    await new Promise((r) => setTimeout(r, 10))
    version = 2
    await cache.invalidate(['3'])
    load.release()
    expect((await before).value?.n).toBe(1)
    const after = await cache.get('3', load)
    expect(after.value?.n).toBe(2)
    expect(after.source).toBe('MISS')
    expect(load.calls).toBe(2)
  })

  it('bounds L1 by entries and by bytes', async () => {
    const {cache: byCount} = await makeCache({l1MaxEntries: 10})
    for (let i = 0; i < 25; i++) await byCount.get(String(i), countingLoader())
    expect(byCount.stats().l1.entries).toBe(10)

    const big = (id: string) => ({id, n: 1, pad: 'x'.repeat(1000)}) as Item
    const {cache: byBytes} = await makeCache({l1MaxBytes: 5_000})
    for (let i = 0; i < 25; i++) await byBytes.get(String(i), countingLoader(big))
    const {entries, bytes} = byBytes.stats().l1
    expect(bytes).toBeLessThanOrEqual(5_000)
    expect(entries).toBeGreaterThan(0)
    expect(entries).toBeLessThan(5)
  })

  it('invalidates another instance L1 over pub/sub', async () => {
    const a = await makeCache({namespace: 'shared-bus'}, true, 'a')
    const b = await makeCache({namespace: 'shared-bus', clock: a.clock}, true, 'b')
    const load = countingLoader()
    await b.cache.get('11', load)
    expect((await b.cache.get('11', load)).source).toBe('L1')
    await a.cache.invalidate(['11'])
    await eventually(async () => (await b.cache.get('11', load)).source === 'MISS')
    const pubsub = await b.metrics.registry.getSingleMetric('scalelab_cache_invalidations_total')!.get()
    expect(pubsub.values.find((v) => v.labels.source === 'pubsub')?.value).toBe(1)
  })

  it('skips Redis through its breaker when Redis is unreachable, without failing reads', async () => {
    const metrics = createServiceMetrics('test', 'dead-redis')
    const dead = createRedis('redis://127.0.0.1:1', undefined, {retryStrategy: () => null})
    clients.push(dead)
    const redisBreaker = createBreaker({dependency: 'redis', timeoutMs: 200, consecutiveFailures: 3, halfOpenAfterMs: 60_000, metrics})
    const cache = new TwoLevelCache<Item>({
      namespace: 'dead',
      l1MaxEntries: 100,
      l1MaxBytes: 100_000,
      l1TtlMs: 0,
      l2TtlMs: 1_000,
      negativeTtlMs: 1_000,
      staleWindowMs: 1_000,
      redis: dead,
      redisBreaker,
      metrics,
    })
    const load = countingLoader()
    for (let i = 0; i < 10; i++) expect((await cache.get('1', load)).value?.id).toBe('1')
    expect(redisBreaker.state).toBe('open')
    expect(cache.stats().l2.errors).toBe(10)
    expect(load.calls).toBe(10)
  })
})
