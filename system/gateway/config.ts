import {z} from 'zod'
import {ROLES, TIERS, TIER_LIMITS_PER_MINUTE, type Role, type Tier} from '../../contracts/identity.js'
import {env, readConfig} from '../shared/config.js'

export interface GatewayConfig {
  host: string
  /** 0 picks a free port (tests and benchmarks). */
  port: number
  instanceId: string
  /** The balancer (or a single API instance). */
  upstreamUrl: string
  redisUrl: string
  databaseUrl: string
  gatewaySecret: string
  logLevel: string
  /** Requests per window by tier. */
  rateLimits: Record<Tier, number>
  rateLimitWindowSeconds: number
  /** `off` skips rate limiting altogether: for measuring what the limiter costs (bench/hops), never for a deployment. */
  rateLimitMode: 'redis' | 'off'
  /** Tier a session (login) gets by role: API keys carry their own tier. */
  sessionTiers: Record<Role, Tier>
  /** A validated credential is trusted without asking Redis/Postgres again for this long. */
  authCacheTtlMs: number
  /** While Redis/Postgres cannot be asked, credentials validated this recently are still accepted. */
  authCacheStaleMs: number
  authCacheMaxEntries: number
  /** Longest wait for the upstream's response headers (then 504), and between body chunks. */
  upstreamTimeoutMs: number
  upstreamConnectTimeoutMs: number
  /** Keep-alive connections to the upstream. */
  upstreamConnections: number
  /** Load shedding: requests that may wait for a busy upstream connection, and for how long (then 503). */
  upstreamMaxQueue: number
  upstreamQueueTimeoutMs: number
  /** Per-instance timeout of the admin views' status calls. */
  adminStatusTimeoutMs: number
  bodyLimitBytes: number
  /** Proxies in front of the gateway whose X-Forwarded-For entries are trusted (0: use the socket address). */
  trustProxy: number
  /** Breaker timeouts: a slower Redis/Postgres call counts as a failure and gives up. */
  redisTimeoutMs: number
  postgresTimeoutMs: number
  breakerFailures: number
  breakerHalfOpenMs: number
  postgresPoolMax: number
  shutdownGraceMs: number
}

/** `tier=number,...` over the contract's defaults; unknown tiers are a configuration error. */
export function parseRateLimits(value: string | undefined): Record<Tier, number> {
  const limits = {...TIER_LIMITS_PER_MINUTE}
  for (const [tier, n] of pairs(value, 'RATE_LIMITS')) {
    if (!(TIERS as readonly string[]).includes(tier)) throw new Error(`RATE_LIMITS: unknown tier "${tier}" (use ${TIERS.join(', ')})`)
    const limit = Number(n)
    if (!Number.isInteger(limit) || limit < 0) throw new Error(`RATE_LIMITS: ${tier} must be a whole number >= 0, got "${n}"`)
    limits[tier as Tier] = limit
  }
  return limits
}

export const DEFAULT_SESSION_TIERS: Record<Role, Tier> = {user: 'free', admin: 'enterprise'}

/** `role=tier,...` over DEFAULT_SESSION_TIERS. */
export function parseSessionTiers(value: string | undefined): Record<Role, Tier> {
  const tiers = {...DEFAULT_SESSION_TIERS}
  for (const [role, tier] of pairs(value, 'SESSION_TIERS')) {
    if (!(ROLES as readonly string[]).includes(role)) throw new Error(`SESSION_TIERS: unknown role "${role}" (use ${ROLES.join(', ')})`)
    if (!(TIERS as readonly string[]).includes(tier)) throw new Error(`SESSION_TIERS: unknown tier "${tier}" (use ${TIERS.join(', ')})`)
    tiers[role as Role] = tier as Tier
  }
  return tiers
}

function pairs(value: string | undefined, name: string): Array<[string, string]> {
  if (!value?.trim()) return []
  return value.split(',').map((part) => {
    const [k, v] = part.split('=').map((s) => s?.trim())
    if (!k || !v) throw new Error(`${name}: expected name=value pairs separated by commas, got "${part}"`)
    return [k, v]
  })
}

const schema = z
  .object({
    HOST: env.string('127.0.0.1'),
    PORT: env.port(8080),
    INSTANCE_ID: env.string('gateway'),
    UPSTREAM_URL: env.url(),
    REDIS_URL: z.string().min(1),
    DATABASE_URL: z.string().min(1),
    GATEWAY_SECRET: z.string().min(8, 'must be at least 8 characters'),
    LOG_LEVEL: env.string('info'),
    RATE_LIMITS: z.string().optional(),
    RATE_LIMIT_WINDOW_SECONDS: env.int(60, 1),
    RATE_LIMIT_MODE: z.enum(['redis', 'off']).default('redis'),
    SESSION_TIERS: z.string().optional(),
    AUTH_CACHE_TTL_MS: env.int(5_000),
    AUTH_CACHE_STALE_MS: env.int(60_000),
    AUTH_CACHE_MAX_ENTRIES: env.int(10_000, 1),
    UPSTREAM_TIMEOUT_MS: env.int(10_000, 1),
    UPSTREAM_CONNECT_TIMEOUT_MS: env.int(1_000, 1),
    UPSTREAM_CONNECTIONS: env.int(128, 1),
    UPSTREAM_MAX_QUEUE: env.int(1_024),
    UPSTREAM_QUEUE_TIMEOUT_MS: env.int(1_000, 1),
    ADMIN_STATUS_TIMEOUT_MS: env.int(1_000, 1),
    BODY_LIMIT_BYTES: env.int(1_048_576, 1),
    TRUST_PROXY: env.int(0),
    REDIS_TIMEOUT_MS: env.int(500, 1),
    POSTGRES_TIMEOUT_MS: env.int(1_000, 1),
    BREAKER_FAILURES: env.int(5, 1),
    BREAKER_HALF_OPEN_MS: env.int(5_000, 1),
    POSTGRES_POOL_MAX: env.int(10, 1),
    SHUTDOWN_GRACE_MS: env.int(10_000),
  })
  .transform((e, ctx): GatewayConfig => {
    let rateLimits = TIER_LIMITS_PER_MINUTE
    let sessionTiers = DEFAULT_SESSION_TIERS
    try {
      rateLimits = parseRateLimits(e.RATE_LIMITS)
      sessionTiers = parseSessionTiers(e.SESSION_TIERS)
    } catch (err) {
      ctx.addIssue({code: 'custom', message: (err as Error).message})
      return z.NEVER
    }
    return {
      host: e.HOST,
      port: e.PORT,
      instanceId: e.INSTANCE_ID,
      upstreamUrl: e.UPSTREAM_URL.replace(/\/+$/, ''),
      redisUrl: e.REDIS_URL,
      databaseUrl: e.DATABASE_URL,
      gatewaySecret: e.GATEWAY_SECRET,
      logLevel: e.LOG_LEVEL,
      rateLimits,
      rateLimitWindowSeconds: e.RATE_LIMIT_WINDOW_SECONDS,
      rateLimitMode: e.RATE_LIMIT_MODE,
      sessionTiers,
      authCacheTtlMs: e.AUTH_CACHE_TTL_MS,
      authCacheStaleMs: e.AUTH_CACHE_STALE_MS,
      authCacheMaxEntries: e.AUTH_CACHE_MAX_ENTRIES,
      upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
      upstreamConnectTimeoutMs: e.UPSTREAM_CONNECT_TIMEOUT_MS,
      upstreamConnections: e.UPSTREAM_CONNECTIONS,
      upstreamMaxQueue: e.UPSTREAM_MAX_QUEUE,
      upstreamQueueTimeoutMs: e.UPSTREAM_QUEUE_TIMEOUT_MS,
      adminStatusTimeoutMs: e.ADMIN_STATUS_TIMEOUT_MS,
      bodyLimitBytes: e.BODY_LIMIT_BYTES,
      trustProxy: e.TRUST_PROXY,
      redisTimeoutMs: e.REDIS_TIMEOUT_MS,
      postgresTimeoutMs: e.POSTGRES_TIMEOUT_MS,
      breakerFailures: e.BREAKER_FAILURES,
      breakerHalfOpenMs: e.BREAKER_HALF_OPEN_MS,
      postgresPoolMax: e.POSTGRES_POOL_MAX,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    }
  })

/** The gateway's configuration from its environment; throws naming every bad variable. */
export function gatewayConfigFromEnv(source: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return readConfig(schema, source)
}
