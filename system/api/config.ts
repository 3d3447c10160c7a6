import {z} from 'zod'
import {SESSION_TTL_SECONDS} from '../../contracts/identity.js'
import {env, readConfig} from '../shared/config.js'

/**
 * Everything an API instance can be told, from the environment only. The required variables come
 * from contracts/topology.ts; the rest are tuning knobs with defaults a laptop lab runs well on.
 */
export const apiConfigSchema = z.object({
  HOST: env.string('127.0.0.1'),
  PORT: env.port(3000),
  INSTANCE_ID: env.string('api'),
  DATABASE_URL: z.string().min(1, 'DATABASE_URL is required (postgres://user@host:port/db)'),
  /** Optional read replica for resource reads; an empty value means none. */
  DATABASE_READ_URL: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).optional()),
  REDIS_URL: z.string().min(1, 'REDIS_URL is required (redis://host:port)'),
  /** Empty: gateway identity headers are never trusted. */
  GATEWAY_SECRET: z.string().default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  // two-level cache
  CACHE_L1_TTL_MS: env.int(5_000),
  CACHE_L1_MAX_ENTRIES: env.int(10_000, 1),
  CACHE_L1_MAX_BYTES: env.int(32 * 1024 * 1024, 1024),
  CACHE_L2_TTL_MS: env.int(60_000, 1),
  CACHE_NEGATIVE_TTL_MS: env.int(2_000),
  CACHE_STALE_WINDOW_MS: env.int(60_000),

  // postgres
  DB_POOL_SIZE: env.int(10, 1),
  DB_CONNECTION_TIMEOUT_MS: env.int(1_000, 1),
  DB_STATEMENT_TIMEOUT_MS: env.int(2_000, 1),

  // circuit breakers (consecutive failures, open time, per-call timeout)
  BREAKER_FAILURES: env.int(5, 1),
  BREAKER_HALF_OPEN_MS: env.int(5_000, 1),
  REDIS_TIMEOUT_MS: env.int(250, 1),
  POSTGRES_TIMEOUT_MS: env.int(2_500, 1),
  EXTERNAL_TIMEOUT_MS: env.int(1_000, 1),

  // the simulated downstream behind GET /api/v1/external
  EXTERNAL_FAILURE_RATE: env.ratio(0.1),
  EXTERNAL_LATENCY_MS: env.int(50),
  EXTERNAL_LATENCY_JITTER_MS: env.int(25),

  // http
  BODY_LIMIT_BYTES: env.int(100 * 1024, 1),
  SHUTDOWN_GRACE_MS: env.int(10_000),
  READY_CHECK_TIMEOUT_MS: env.int(500, 1),
  SESSION_TTL_SECONDS: env.int(SESSION_TTL_SECONDS, 1),
  API_KEY_CACHE_TTL_MS: env.int(30_000),

  // sampled request logs written to Postgres (0 = off)
  REQUEST_LOG_SAMPLE_RATE: env.ratio(0),
  REQUEST_LOG_BATCH_SIZE: env.int(100, 1),
  REQUEST_LOG_FLUSH_MS: env.int(1_000, 10),
  REQUEST_LOG_MAX_BUFFER: env.int(1_000, 1),
})

export type ApiConfig = z.infer<typeof apiConfigSchema>

/** Reads the configuration from env-style values; tests pass a few and get the defaults for the rest. */
export function readApiConfig(values: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env): ApiConfig {
  return readConfig(apiConfigSchema, values as NodeJS.ProcessEnv)
}
