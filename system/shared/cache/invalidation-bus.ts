import type {Redis} from 'ioredis'
import {closeRedis} from '../redis.js'
import {z} from 'zod'
import type {DependencyBreaker} from '../breaker.js'
import type {Logger} from '../logger.js'

export const INVALIDATION_CHANNEL = 'scalelab:cache:invalidate'

const messageSchema = z.object({
  origin: z.string(),
  namespace: z.string(),
  keys: z.array(z.string()).optional(),
  all: z.boolean().optional(),
})

/** What one instance tells the others: drop these keys (or everything) of a cache namespace. */
export type InvalidationMessage = z.infer<typeof messageSchema>

export interface InvalidationBusOptions {
  instanceId: string
  /** A connection of its own: in subscriber mode it can do nothing else. */
  subscriber: Redis
  /** The ordinary connection, for PUBLISH. */
  publisher: Redis
  publisherBreaker: DependencyBreaker
  channel?: string
  log?: Logger
}

/**
 * Cross-instance cache invalidation over Redis pub/sub. Pub/sub has no memory: messages sent while
 * this instance was disconnected are lost, so every (re)subscription tells listeners to resync
 * (drop what they hold) instead of trusting a cache that may have missed invalidations.
 */
export class InvalidationBus {
  readonly #options: InvalidationBusOptions
  readonly #channel: string
  readonly #messageHandlers: Array<(message: InvalidationMessage) => void> = []
  readonly #resyncHandlers: Array<() => void> = []
  #subscribed = false
  #closed = false
  #markFirstSubscription!: () => void
  readonly #firstSubscription = new Promise<void>((resolve) => (this.#markFirstSubscription = resolve))

  constructor(options: InvalidationBusOptions) {
    this.#options = options
    this.#channel = options.channel ?? INVALIDATION_CHANNEL
    const {subscriber, log} = options
    subscriber.on('ready', () => void this.#subscribe())
    subscriber.on('close', () => {
      if (this.#subscribed && !this.#closed) log?.warn({channel: this.#channel}, 'invalidation bus: subscription lost, will resubscribe')
      this.#subscribed = false
    })
    subscriber.on('message', (channel: string, raw: string) => {
      if (channel !== this.#channel) return
      const parsed = messageSchema.safeParse(safeJson(raw))
      if (!parsed.success) {
        log?.warn({raw: raw.slice(0, 200)}, 'invalidation bus: ignoring malformed message')
        return
      }
      if (parsed.data.origin === options.instanceId) return
      for (const handler of this.#messageHandlers) handler(parsed.data)
    })
    if (subscriber.status === 'ready') void this.#subscribe()
  }

  /** Messages from other instances (this instance's own are skipped: it applied them already). */
  onMessage(handler: (message: InvalidationMessage) => void): void {
    this.#messageHandlers.push(handler)
  }

  /** Called after every successful (re)subscription, when missed messages cannot be ruled out. */
  onResync(handler: () => void): void {
    this.#resyncHandlers.push(handler)
  }

  get subscribed(): boolean {
    return this.#subscribed
  }

  /**
   * Waits for the first subscription (and the resync it triggers), at most `timeoutMs`; true when
   * subscribed. A service waits for it before taking requests: a resync that lands after the first
   * reads would throw their cache fills away.
   */
  async waitSubscribed(timeoutMs: number): Promise<boolean> {
    if (this.#subscribed) return true
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, timeoutMs))))
    try {
      return await Promise.race([this.#firstSubscription.then(() => true), timedOut])
    } finally {
      clearTimeout(timer)
    }
  }

  async publish(message: Omit<InvalidationMessage, 'origin'>): Promise<void> {
    const payload = JSON.stringify({...message, origin: this.#options.instanceId})
    await this.#options.publisherBreaker.execute(() => this.#options.publisher.publish(this.#channel, payload))
  }

  async close(): Promise<void> {
    this.#closed = true
    await closeRedis(this.#options.subscriber)
  }

  async #subscribe(): Promise<void> {
    if (this.#closed || this.#subscribed) return
    try {
      await this.#options.subscriber.subscribe(this.#channel)
      this.#subscribed = true
      this.#options.log?.info({channel: this.#channel}, 'invalidation bus: subscribed')
      for (const handler of this.#resyncHandlers) handler()
      this.#markFirstSubscription()
    } catch (err) {
      // The next 'ready' after a reconnect tries again.
      this.#options.log?.warn({err: (err as Error).message}, 'invalidation bus: subscribe failed')
    }
  }
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw)
  } catch {
    return undefined
  }
}
