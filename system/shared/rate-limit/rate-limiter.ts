import type {Counter} from 'prom-client'
import {METRICS} from '../../../contracts/metrics.js'
import type {DependencyBreaker} from '../breaker.js'
import type {Logger} from '../logger.js'
import type {ServiceMetrics} from '../metrics.js'
import type {ConsumeRequest, PartitionLimiter, RateLimitPolicy} from './policy.js'
import {report, type WindowDecision} from './sliding-window.js'

export type RateLimitDecision = 'allowed' | 'limited' | 'fail_open'

export interface RateLimitResult {
  allowed: boolean
  policy: RateLimitPolicy
  remaining: number
  /** Seconds until more quota is available; the Retry-After value when not allowed. */
  resetSeconds: number
  /** Which store decided: the shared Redis one, or this process's fallback. */
  source: 'redis' | 'local'
  decision: RateLimitDecision
}

export interface RateLimiterStats {
  algorithm: 'sliding-window-counter'
  /** Where the last decision was made. */
  mode: 'redis' | 'local'
  decisions: Record<RateLimitDecision, number>
  lastFailOpenAt: string | null
}

export interface RateLimiter {
  check(partition: string, policy: RateLimitPolicy, cost?: number): Promise<RateLimitResult>
  stats(): RateLimiterStats
}

export interface FailOpenRateLimiterOptions {
  shared: PartitionLimiter
  fallback: PartitionLimiter
  /** Guards the shared store: once it is open, decisions go straight to the fallback without waiting. */
  breaker: DependencyBreaker
  metrics?: ServiceMetrics
  log?: Logger
}

/**
 * Decides in the shared store; when it cannot be reached (error, timeout, open breaker) the
 * process-local fallback decides instead, so an outage of Redis never blocks traffic. Metrics:
 * decision="fail_open" counts requests the fallback let through, "limited" every 429 whichever
 * store decided, "allowed" requests the shared store let through.
 */
export function createFailOpenRateLimiter(options: FailOpenRateLimiterOptions): RateLimiter {
  const {shared, fallback, breaker, log} = options
  const counter = options.metrics?.counter(METRICS.rateLimitDecisions)
  // Label lookups hash their values on every call; resolve each (tier, decision) child once.
  const children = new Map<string, Counter.Internal>()
  const count = (tier: string, decision: RateLimitDecision) => {
    if (!counter) return
    const id = `${tier}\u0000${decision}`
    let child = children.get(id)
    if (!child) {
      child = counter.labels({tier, decision})
      children.set(id, child)
    }
    child.inc()
  }
  const totals: Record<RateLimitDecision, number> = {allowed: 0, limited: 0, fail_open: 0}
  let mode: 'redis' | 'local' = 'redis'
  let lastFailOpenAt: Date | null = null

  const settle = (policy: RateLimitPolicy, decided: WindowDecision, source: 'redis' | 'local'): RateLimitResult => {
    if (source === 'redis' && mode === 'local') log?.info('rate limiter: shared store is back')
    mode = source
    const decision: RateLimitDecision = !decided.allowed ? 'limited' : source === 'redis' ? 'allowed' : 'fail_open'
    if (decision === 'fail_open') lastFailOpenAt = new Date()
    totals[decision]++
    count(policy.name, decision)
    const {remaining, resetSeconds} = report(decided)
    return {allowed: decided.allowed, policy, remaining, resetSeconds, source, decision}
  }
  const failingOpen = (err: unknown) => {
    if (mode === 'redis') log?.warn({err: (err as Error).message}, 'rate limiter: shared store unreachable, failing open to the local limiter')
  }

  const checkOne = async (partition: string, policy: RateLimitPolicy, cost: number): Promise<RateLimitResult> => {
    try {
      return settle(policy, await breaker.execute(() => shared.consume(partition, policy, cost)), 'redis')
    } catch (err) {
      failingOpen(err)
      return settle(policy, await fallback.consume(partition, policy, cost), 'local')
    }
  }

  // A store that decides many requests in one call gets every check of one event-loop turn at
  // once: one breaker call, one timeout and one round trip for the batch instead of one each.
  const consumeMany = shared.consumeMany?.bind(shared)
  let queue: Array<ConsumeRequest & {resolve(r: RateLimitResult): void; reject(err: unknown): void}> = []
  const flush = () => {
    const batch = queue
    queue = []
    breaker.execute(() => consumeMany!(batch)).then(
      (decisions) => {
        for (let i = 0; i < batch.length; i++) batch[i].resolve(settle(batch[i].policy, decisions[i], 'redis'))
      },
      async (err: unknown) => {
        failingOpen(err)
        for (const r of batch) {
          try {
            r.resolve(settle(r.policy, await fallback.consume(r.partition, r.policy, r.cost), 'local'))
          } catch (fallbackErr) {
            r.reject(fallbackErr)
          }
        }
      },
    )
  }

  return {
    check(partition, policy, cost = 1) {
      if (consumeMany === undefined) return checkOne(partition, policy, cost)
      return new Promise((resolve, reject) => {
        if (queue.push({partition, policy, cost, resolve, reject}) === 1) setImmediate(flush)
      })
    },
    stats: () => ({
      algorithm: 'sliding-window-counter',
      mode,
      decisions: {...totals},
      lastFailOpenAt: lastFailOpenAt?.toISOString() ?? null,
    }),
  }
}
