import type {WindowDecision} from './sliding-window.js'

/** A quota: `limit` requests per `windowSeconds`, named for the RateLimit-Policy field (the tier). */
export interface RateLimitPolicy {
  name: string
  limit: number
  windowSeconds: number
}

/** One store of per-partition window counts (Redis, or process memory as the fallback). */
export interface ConsumeRequest {
  partition: string
  policy: RateLimitPolicy
  cost: number
}

export interface PartitionLimiter {
  consume(partition: string, policy: RateLimitPolicy, cost?: number): Promise<WindowDecision>
  /** Several decisions in one store call, decided in order as if one by one (stores that can batch). */
  consumeMany?(requests: readonly ConsumeRequest[]): Promise<WindowDecision[]>
}
