import {z} from 'zod'
import {env, readConfig} from '../shared/config.js'
import type {BackendSpec} from './backend.js'

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/
const MAX_WEIGHT = 1000

/**
 * Parses BACKENDS: comma-separated `name=host:port`, optionally `@weight` (a whole number,
 * default 1), e.g. `api-1=127.0.0.1:7501@3,api-2=127.0.0.1:7502`. The name may be left out
 * (`127.0.0.1:7501`); then the address is the name. Throws one sentence naming the bad entry.
 */
export function parseBackends(value: string): BackendSpec[] {
  const specs: BackendSpec[] = []
  const names = new Set<string>()
  for (const raw of value.split(',')) {
    const entry = raw.trim()
    if (entry === '') continue
    const eq = entry.indexOf('=')
    const name = eq === -1 ? undefined : entry.slice(0, eq).trim()
    const target = parseTarget(eq === -1 ? entry : entry.slice(eq + 1).trim(), entry)
    const address = target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`
    const spec = {name: name ?? address, ...target}
    if (name !== undefined && !NAME.test(name)) throw new Error(`backend "${entry}": the name may use letters, digits and . _ : - only`)
    if (names.has(spec.name)) throw new Error(`backend "${entry}": the name ${spec.name} appears twice; give every backend its own name`)
    names.add(spec.name)
    specs.push(spec)
  }
  return specs
}

/** `host:port[@weight]`; shared by BACKENDS entries and BACKENDS_DNS. */
export function parseTarget(value: string, entry = value): {host: string; port: number; weight: number} {
  const m = /^(\[[^\]]+\]|[^:@\s]+):(\d+)(?:@(\d+))?$/.exec(value)
  if (!m) throw new Error(`backend "${entry}": expected host:port or host:port@weight, e.g. 127.0.0.1:7501@2`)
  const port = Number(m[2])
  if (port < 1 || port > 65535) throw new Error(`backend "${entry}": port ${m[2]} is outside 1-65535`)
  const weight = m[3] === undefined ? 1 : Number(m[3])
  if (weight < 1 || weight > MAX_WEIGHT) throw new Error(`backend "${entry}": weight must be a whole number from 1 to ${MAX_WEIGHT}`)
  const host = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1]
  return {host, port, weight}
}

const backendList = z.string().default('').transform((v, ctx) => {
  try {
    return parseBackends(v)
  } catch (err) {
    ctx.addIssue({code: 'custom', message: (err as Error).message})
    return z.NEVER
  }
})

const dnsTarget = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v.trim() === '') return undefined
    try {
      return parseTarget(v.trim())
    } catch (err) {
      ctx.addIssue({code: 'custom', message: (err as Error).message})
      return z.NEVER
    }
  })

/** Every variable the balancer reads; LB_* tune it and have defaults suited to the lab. */
export const balancerEnvSchema = z
  .object({
    HOST: z.string().default('127.0.0.1'),
    PORT: env.port(7401),
    INSTANCE_ID: env.string('balancer'),
    BACKENDS: backendList,
    /** `host:port[@weight]`: every address the name resolves to is a backend (Docker, compose --scale). */
    BACKENDS_DNS: dnsTarget,
    DNS_REFRESH_MS: env.int(5000, 100),
    GATEWAY_SECRET: z.string().optional(),
    LOG_LEVEL: env.string('info'),

    LB_HEALTH_PATH: z.string().startsWith('/').default('/ready'),
    LB_HEALTH_INTERVAL_MS: env.int(1000),
    LB_HEALTH_TIMEOUT_MS: env.int(1000, 1),
    LB_HEALTHY_THRESHOLD: env.int(2, 1),
    LB_UNHEALTHY_THRESHOLD: env.int(2, 1),

    LB_OUTLIER_CONSECUTIVE_FAILURES: env.int(5, 1),
    LB_OUTLIER_BASE_EJECTION_MS: env.int(10_000, 1),
    LB_OUTLIER_MAX_EJECTION_MS: env.int(120_000, 1),
    LB_OUTLIER_MAX_EJECTION_PERCENT: env.number(50).pipe(z.number().max(100)),
    LB_OUTLIER_INTERVAL_MS: env.int(500, 10),

    LB_RETRY_BUDGET_PERCENT: env.number(20).pipe(z.number().max(100)),
    LB_RETRY_MIN_CONCURRENCY: env.int(3),

    LB_MAX_IN_FLIGHT_PER_BACKEND: env.int(512, 1),
    LB_CONNECTIONS_PER_BACKEND: env.int(128, 1),
    LB_ACTIVE_REQUEST_BIAS: env.number(1),
    LB_CONNECT_TIMEOUT_MS: env.int(1000, 1),
    LB_HEADERS_TIMEOUT_MS: env.int(15_000, 1),
    LB_BODY_TIMEOUT_MS: env.int(15_000, 1),
    LB_KEEPALIVE_MS: env.int(4000, 1),
    LB_SHUTDOWN_GRACE_MS: env.int(10_000),
  })
  .refine((c) => c.BACKENDS.length > 0 || c.BACKENDS_DNS !== undefined, {
    message: 'set BACKENDS (e.g. api-1=127.0.0.1:7501,api-2=127.0.0.1:7502) or BACKENDS_DNS (e.g. api:3000)',
    path: ['BACKENDS'],
  })

export type BalancerEnv = z.infer<typeof balancerEnvSchema>

export interface BalancerConfig {
  host: string
  port: number
  instanceId: string
  backends: BackendSpec[]
  backendsDns?: {host: string; port: number; weight: number; refreshMs: number}
  /** Required by PUT /lb/backends; without it membership cannot be changed over HTTP. */
  gatewaySecret?: string
  logLevel: string
  healthCheck: {path: string; intervalMs: number; timeoutMs: number; healthyThreshold: number; unhealthyThreshold: number}
  outlier: {consecutiveFailures: number; baseEjectionMs: number; maxEjectionMs: number; maxEjectionPercent: number; intervalMs: number}
  retry: {budgetPercent: number; minRetryConcurrency: number}
  upstream: {
    maxInFlightPerBackend: number
    connectionsPerBackend: number
    activeRequestBias: number
    connectTimeoutMs: number
    headersTimeoutMs: number
    bodyTimeoutMs: number
    keepAliveMs: number
  }
  shutdownGraceMs: number
}

/** Reads the balancer's configuration from the environment (throws naming the bad variable). */
export function readBalancerConfig(source: NodeJS.ProcessEnv = process.env): BalancerConfig {
  return toBalancerConfig(readConfig(balancerEnvSchema, source))
}

export function toBalancerConfig(e: BalancerEnv): BalancerConfig {
  return {
    host: e.HOST,
    port: e.PORT,
    instanceId: e.INSTANCE_ID,
    backends: e.BACKENDS,
    backendsDns: e.BACKENDS_DNS ? {...e.BACKENDS_DNS, refreshMs: e.DNS_REFRESH_MS} : undefined,
    gatewaySecret: e.GATEWAY_SECRET || undefined,
    logLevel: e.LOG_LEVEL,
    healthCheck: {
      path: e.LB_HEALTH_PATH,
      intervalMs: e.LB_HEALTH_INTERVAL_MS,
      timeoutMs: e.LB_HEALTH_TIMEOUT_MS,
      healthyThreshold: e.LB_HEALTHY_THRESHOLD,
      unhealthyThreshold: e.LB_UNHEALTHY_THRESHOLD,
    },
    outlier: {
      consecutiveFailures: e.LB_OUTLIER_CONSECUTIVE_FAILURES,
      baseEjectionMs: e.LB_OUTLIER_BASE_EJECTION_MS,
      maxEjectionMs: e.LB_OUTLIER_MAX_EJECTION_MS,
      maxEjectionPercent: e.LB_OUTLIER_MAX_EJECTION_PERCENT,
      intervalMs: e.LB_OUTLIER_INTERVAL_MS,
    },
    retry: {budgetPercent: e.LB_RETRY_BUDGET_PERCENT, minRetryConcurrency: e.LB_RETRY_MIN_CONCURRENCY},
    upstream: {
      maxInFlightPerBackend: e.LB_MAX_IN_FLIGHT_PER_BACKEND,
      connectionsPerBackend: e.LB_CONNECTIONS_PER_BACKEND,
      activeRequestBias: e.LB_ACTIVE_REQUEST_BIAS,
      connectTimeoutMs: e.LB_CONNECT_TIMEOUT_MS,
      headersTimeoutMs: e.LB_HEADERS_TIMEOUT_MS,
      bodyTimeoutMs: e.LB_BODY_TIMEOUT_MS,
      keepAliveMs: e.LB_KEEPALIVE_MS,
    },
    shutdownGraceMs: e.LB_SHUTDOWN_GRACE_MS,
  }
}

/** The defaults with the given overrides: what tests and the bench start a balancer with. */
export function balancerConfig(overrides: Partial<Record<keyof BalancerEnv, string>> = {}): BalancerConfig {
  return readBalancerConfig(overrides as NodeJS.ProcessEnv)
}
