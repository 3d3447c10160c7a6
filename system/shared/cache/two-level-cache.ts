import type {Redis} from 'ioredis'
import {LRUCache} from 'lru-cache'
import {METRICS} from '../../../contracts/metrics.js'
import {BrokenCircuitError, type DependencyBreaker} from '../breaker.js'
import type {Logger} from '../logger.js'
import type {ServiceMetrics} from '../metrics.js'
import type {InvalidationBus} from './invalidation-bus.js'
import {SingleFlight} from './single-flight.js'

export interface Clock {
  /** Milliseconds since the epoch (Date.now by default; tests pass a fake). */
  now(): number
}

export const systemClock: Clock = {now: () => Date.now()}

/** Where a read was answered from; also the X-Cache response header. */
export type CacheSource = 'L1' | 'L2' | 'MISS' | 'STALE'

export interface CacheLookup<V> {
  /** null: the origin says there is no such thing (a cached 404). */
  value: V | null
  source: CacheSource
}

export interface TwoLevelCacheOptions {
  /** Names the Redis keys (`cache:<namespace>:<key>`) and the invalidation messages. */
  namespace: string
  l1MaxEntries: number
  l1MaxBytes: number
  l1TtlMs: number
  l2TtlMs: number
  /** How long "does not exist" is remembered, in both layers. */
  negativeTtlMs: number
  /** How long past freshness a value is kept to be served when the origin fails (stale-if-error). */
  staleWindowMs: number
  redis: Redis
  redisBreaker: DependencyBreaker
  bus?: InvalidationBus
  clock?: Clock
  metrics?: ServiceMetrics
  log?: Logger
}

export interface TwoLevelCacheStats {
  l1: {entries: number; bytes: number; maxEntries: number; maxBytes: number; hits: number; misses: number; stale: number}
  l2: {hits: number; misses: number; stale: number; errors: number}
}

interface Entry<V> {
  value: V | null
  freshUntil: number
}

interface FlightResult<V> {
  value: V | null
  source: CacheSource
  staleLayer?: 'l1' | 'l2'
}

/** Bytes an L1 entry is charged: its JSON plus the key and a fixed per-entry overhead. */
const ENTRY_OVERHEAD_BYTES = 64

/**
 * Read-through two-level cache: L1 an in-process LRU bounded by entries and bytes, L2 Redis.
 * Misses for one key are coalesced (one origin load per key per instance at a time). "Not found"
 * is cached briefly. Values are kept past freshness for a stale window and served, marked STALE,
 * only when the origin fails. Redis goes through its circuit breaker: with Redis down, reads go
 * L1 → origin without errors. Writes call `invalidate`, which drops the key here at once, deletes
 * it from L2 and tells the other instances over the invalidation bus.
 *
 * Metrics: one L1 event per read (hit, negative_hit, miss); one L2 event per Redis lookup (hit,
 * negative_hit, miss, error) — coalesced reads share a lookup; one `stale` event per read answered
 * stale, on the layer the stale copy came from.
 */
export class TwoLevelCache<V> {
  readonly #o: TwoLevelCacheOptions
  readonly #clock: Clock
  readonly #l1: LRUCache<string, Entry<V>>
  readonly #flights = new SingleFlight<FlightResult<V>>()
  readonly #events
  readonly #invalidations
  readonly #stats = {l1: {hits: 0, misses: 0, stale: 0}, l2: {hits: 0, misses: 0, stale: 0, errors: 0}}

  constructor(options: TwoLevelCacheOptions) {
    this.#o = options
    this.#clock = options.clock ?? systemClock
    this.#l1 = new LRUCache<string, Entry<V>>({
      max: options.l1MaxEntries,
      maxSize: options.l1MaxBytes,
      ttl: Math.max(1, options.l1TtlMs + options.staleWindowMs),
      // Expiry follows the injected clock, checked on every read (no timers: fake clocks work).
      perf: {now: () => this.#clock.now()},
      ttlResolution: 0,
      updateAgeOnGet: false,
      allowStale: false,
    })
    const metrics = options.metrics
    this.#events = metrics?.counter(METRICS.cacheEvents)
    this.#invalidations = metrics?.counter(METRICS.cacheInvalidations)
    metrics?.gauge(METRICS.cacheL1Entries, (g) => g.set(this.#l1.size))
    metrics?.gauge(METRICS.cacheL1Bytes, (g) => g.set(this.#l1.calculatedSize))
    options.bus?.onMessage((message) => {
      if (message.namespace !== options.namespace) return
      if (message.all) this.#dropAll('pubsub')
      else if (message.keys?.length) this.#drop(message.keys, 'pubsub')
    })
    // Invalidations sent while we were not subscribed are lost: start over rather than serve them.
    options.bus?.onResync(() => this.#dropAll('resync'))
  }

  /** Reads through L1 → L2 → `load`; `load` resolves null for "does not exist". */
  async get(key: string, load: (key: string) => Promise<V | null>): Promise<CacheLookup<V>> {
    const entry = this.#l1.get(key)
    if (entry && entry.freshUntil > this.#clock.now()) {
      this.#count('l1', entry.value === null ? 'negative_hit' : 'hit')
      return {value: entry.value, source: 'L1'}
    }
    this.#count('l1', 'miss')
    const result = await this.#flights.run(key, (isCurrent) => this.#fill(key, entry, load, isCurrent))
    if (result.staleLayer) this.#count(result.staleLayer, 'stale')
    return {value: result.value, source: result.source}
  }

  /** After a write: drop the keys here now, then from Redis and from every other instance's L1. */
  async invalidate(keys: string[]): Promise<void> {
    this.#drop(keys, 'local')
    await Promise.allSettled([
      this.#o.redisBreaker.execute(() => this.#o.redis.del(...keys.map((k) => this.#redisKey(k)))),
      this.#o.bus?.publish({namespace: this.#o.namespace, keys}),
    ]).then((results) => this.#logFailures(results, 'invalidate'))
  }

  /**
   * Empties this instance's L1, the namespace in Redis, and every other instance's L1. With Redis
   * unreachable only the local part happens; the result says what was done.
   */
  async clear(): Promise<{l1Dropped: number; l2Deleted: number | null; broadcast: boolean}> {
    const l1Dropped = this.#l1.size
    this.#dropAll('local')
    let l2Deleted: number | null = null
    let broadcast = false
    try {
      l2Deleted = await this.#o.redisBreaker.execute(() => this.#deleteNamespace())
    } catch (err) {
      this.#o.log?.warn({err: (err as Error).message, namespace: this.#o.namespace}, 'cache: clear could not reach Redis')
    }
    if (this.#o.bus) {
      try {
        await this.#o.bus.publish({namespace: this.#o.namespace, all: true})
        broadcast = true
      } catch (err) {
        this.#o.log?.warn({err: (err as Error).message, namespace: this.#o.namespace}, 'cache: clear could not be broadcast')
      }
    }
    return {l1Dropped, l2Deleted, broadcast}
  }

  stats(): TwoLevelCacheStats {
    return {
      l1: {
        entries: this.#l1.size,
        bytes: this.#l1.calculatedSize,
        maxEntries: this.#o.l1MaxEntries,
        maxBytes: this.#o.l1MaxBytes,
        ...this.#stats.l1,
      },
      l2: {...this.#stats.l2},
    }
  }

  async #fill(
    key: string,
    l1Entry: Entry<V> | undefined,
    load: (key: string) => Promise<V | null>,
    isCurrent: () => boolean,
  ): Promise<FlightResult<V>> {
    let stale: {value: V; layer: 'l1' | 'l2'} | undefined = l1Entry && l1Entry.value !== null ? {value: l1Entry.value, layer: 'l1'} : undefined

    const l2 = await this.#readL2(key)
    if (l2 && l2.entry.freshUntil > this.#clock.now()) {
      if (isCurrent()) this.#setL1(key, l2.entry, l2.bytes)
      return {value: l2.entry.value, source: 'L2'}
    }
    // Redis expires the copy on its own clock; the stale window is also checked on ours.
    if (!stale && l2 && l2.entry.value !== null && l2.entry.freshUntil + this.#o.staleWindowMs > this.#clock.now()) {
      stale = {value: l2.entry.value, layer: 'l2'}
    }

    let value: V | null
    try {
      value = await load(key)
    } catch (err) {
      if (stale) {
        this.#o.log?.debug({key, namespace: this.#o.namespace, err: (err as Error).message}, 'cache: origin failed, serving stale')
        return {value: stale.value, source: 'STALE', staleLayer: stale.layer}
      }
      throw err
    }

    // A write while we were loading made this value outdated: hand it to the waiting readers, keep it out of the cache.
    if (isCurrent()) {
      const now = this.#clock.now()
      const positive = value !== null
      const l2Entry: Entry<V> = {value, freshUntil: now + (positive ? this.#o.l2TtlMs : this.#o.negativeTtlMs)}
      const json = JSON.stringify({f: l2Entry.freshUntil, v: value})
      this.#setL1(key, l2Entry, Buffer.byteLength(json))
      const ttlMs = positive ? this.#o.l2TtlMs + this.#o.staleWindowMs : this.#o.negativeTtlMs
      // Off the response path: a slow or dead Redis must not delay the answer.
      this.#o.redisBreaker
        .execute(() => this.#o.redis.set(this.#redisKey(key), json, 'PX', Math.max(1, ttlMs)))
        .catch((err: Error) => this.#o.log?.debug({key, err: err.message}, 'cache: L2 write skipped'))
    }
    return {value, source: 'MISS'}
  }

  async #readL2(key: string): Promise<{entry: Entry<V>; bytes: number} | undefined> {
    let raw: string | null
    try {
      raw = await this.#o.redisBreaker.execute(() => this.#o.redis.get(this.#redisKey(key)))
    } catch {
      this.#count('l2', 'error')
      return undefined
    }
    const entry = raw === null ? undefined : parseEntry<V>(raw)
    if (!entry) {
      this.#count('l2', 'miss')
      return undefined
    }
    const fresh = entry.freshUntil > this.#clock.now()
    this.#count('l2', !fresh ? 'miss' : entry.value === null ? 'negative_hit' : 'hit')
    return {entry, bytes: Buffer.byteLength(raw as string)}
  }

  #setL1(key: string, entry: Entry<V>, jsonBytes: number): void {
    const now = this.#clock.now()
    const positive = entry.value !== null
    const freshUntil = Math.min(entry.freshUntil, now + (positive ? this.#o.l1TtlMs : this.#o.negativeTtlMs))
    const ttl = Math.max(1, freshUntil - now + (positive ? this.#o.staleWindowMs : 0))
    this.#l1.set(key, {value: entry.value, freshUntil}, {ttl, size: jsonBytes + key.length + ENTRY_OVERHEAD_BYTES})
  }

  #drop(keys: string[], source: 'local' | 'pubsub'): void {
    for (const key of keys) {
      this.#l1.delete(key)
      this.#flights.forget(key)
    }
    this.#invalidations?.inc({source}, keys.length)
  }

  #dropAll(source: 'local' | 'pubsub' | 'resync'): void {
    const had = this.#l1.size
    this.#l1.clear()
    this.#flights.forgetAll()
    if (had > 0 || source !== 'resync') this.#invalidations?.inc({source}, Math.max(had, 1))
  }

  async #deleteNamespace(): Promise<number> {
    let cursor = '0'
    let deleted = 0
    do {
      const [next, keys] = await this.#o.redis.scan(cursor, 'MATCH', this.#redisKey('*'), 'COUNT', 1000)
      if (keys.length) deleted += await this.#o.redis.unlink(...keys)
      cursor = next
    } while (cursor !== '0')
    return deleted
  }

  #redisKey(key: string): string {
    return `cache:${this.#o.namespace}:${key}`
  }

  #count(layer: 'l1' | 'l2', result: 'hit' | 'negative_hit' | 'miss' | 'stale' | 'error'): void {
    this.#events?.inc({layer, result})
    const s = this.#stats[layer] as Record<string, number>
    const field = result === 'hit' || result === 'negative_hit' ? 'hits' : result === 'miss' ? 'misses' : result === 'stale' ? 'stale' : 'errors'
    if (field in s) s[field]++
  }

  #logFailures(results: PromiseSettledResult<unknown>[], what: string): void {
    for (const r of results) {
      if (r.status !== 'rejected') continue
      // With the circuit open this is expected on every write; the breaker already logged the outage.
      const level = r.reason instanceof BrokenCircuitError ? 'debug' : 'warn'
      this.#o.log?.[level]({err: (r.reason as Error).message, namespace: this.#o.namespace}, `cache: ${what} could not reach Redis`)
    }
  }
}

function parseEntry<V>(raw: string): Entry<V> | undefined {
  try {
    const parsed = JSON.parse(raw) as {f?: unknown; v?: unknown}
    if (typeof parsed.f !== 'number' || !('v' in parsed)) return undefined
    return {freshUntil: parsed.f, value: parsed.v as V | null}
  } catch {
    return undefined
  }
}
