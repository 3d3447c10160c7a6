// Starting real API instances against the test datastores, and small helpers to call them.
import {GATEWAY_HEADERS} from '../../contracts/identity.js'
import type {Identity} from '../../contracts/identity.js'
import {readApiConfig} from '../../system/api/config.js'
import {startApi, type ApiInstance, type StartApiOptions} from '../../system/api/server.js'
import type {TestPostgres, TestRedis} from './datastores.js'

export const TEST_GATEWAY_SECRET = 'test-gateway-secret-0123456789'

export async function startTestApi(
  datastores: {redis: TestRedis; postgres: TestPostgres},
  env: Record<string, string> = {},
  options: StartApiOptions = {},
): Promise<ApiInstance> {
  const config = readApiConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    INSTANCE_ID: 'api-test',
    DATABASE_URL: datastores.postgres.url,
    REDIS_URL: datastores.redis.url,
    GATEWAY_SECRET: TEST_GATEWAY_SECRET,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...env,
  })
  return startApi(config, options)
}

/** Identity headers as the gateway sends them, with the right secret unless another is given. */
export function gatewayHeaders(identity: Partial<Identity>, secret = TEST_GATEWAY_SECRET): Record<string, string> {
  const h: Record<string, string> = {[GATEWAY_HEADERS.secret]: secret}
  if (identity.userId != null) h[GATEWAY_HEADERS.userId] = String(identity.userId)
  if (identity.email != null) h[GATEWAY_HEADERS.email] = identity.email
  if (identity.role != null) h[GATEWAY_HEADERS.role] = identity.role
  if (identity.tier != null) h[GATEWAY_HEADERS.tier] = identity.tier
  if (identity.apiKeyId != null) h[GATEWAY_HEADERS.apiKeyId] = String(identity.apiKeyId)
  return h
}

export const ADMIN_VIA_GATEWAY = gatewayHeaders({userId: 1, email: 'admin@example.com', role: 'admin', tier: 'enterprise'})
export const USER_VIA_GATEWAY = gatewayHeaders({userId: 2, email: 'user@example.com', role: 'user', tier: 'free'})

export interface CallResult {
  status: number
  headers: Headers
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any
}

/** One HTTP call with a JSON body (if given); the response body parsed as JSON when it is JSON. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: {body?: unknown; rawBody?: string; headers?: Record<string, string>} = {},
): Promise<CallResult> {
  const headers: Record<string, string> = {...options.headers}
  let body: string | undefined = options.rawBody
  if (options.body !== undefined) {
    body = JSON.stringify(options.body)
    headers['content-type'] ??= 'application/json'
  }
  const response = await fetch(`${baseUrl}${path}`, {method, headers, body})
  const text = await response.text()
  let parsed: unknown = text
  if ((response.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text)
  return {status: response.status, headers: response.headers, body: parsed}
}

/** The value of one counter or gauge series of an instance (0 when the series does not exist yet). */
export async function metricValue(api: ApiInstance, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = api.services.metrics.registry.getSingleMetric(name)
  if (!metric) return 0
  const {values} = await metric.get()
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want))
    .reduce((sum, v) => sum + v.value, 0)
}

export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 5_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

export {seededRandom} from '../../system/shared/random.js'
