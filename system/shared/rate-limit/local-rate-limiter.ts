import {LRUCache} from 'lru-cache'
import {systemClock, type Clock} from '../clock.js'
import type {PartitionLimiter, RateLimitPolicy} from './policy.js'
import {consume, type WindowCounts, type WindowDecision} from './sliding-window.js'

export interface LocalRateLimiterOptions {
  clock?: Clock
  /** Partitions remembered; the least recently seen are forgotten first. */
  maxPartitions?: number
}

/** The same sliding-window counter held in this process only: the fallback while Redis is unreachable. */
export function createLocalRateLimiter(options: LocalRateLimiterOptions = {}): PartitionLimiter & {readonly size: number} {
  const clock = options.clock ?? systemClock
  const states = new LRUCache<string, WindowCounts>({max: options.maxPartitions ?? 100_000})
  return {
    get size() {
      return states.size
    },
    async consume(partition: string, policy: RateLimitPolicy, cost = 1): Promise<WindowDecision> {
      const windowUs = policy.windowSeconds * 1_000_000
      const {state, decision} = consume(states.get(partition), Math.floor(clock.now() * 1000), windowUs, policy.limit, cost)
      if (decision.allowed) states.set(partition, state)
      return decision
    },
  }
}
