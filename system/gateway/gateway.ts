import type {Redis} from 'ioredis'
import type pg from 'pg'
import type {AdminDashboard, GatewaySelfStatus} from '../../contracts/http.js'
import {API_KEY_HEADER, GATEWAY_HEADERS, REQUEST_ID_HEADER, TIERS, type Tier} from '../../contracts/identity.js'
import {createBreaker, type DependencyBreaker} from '../shared/breaker.js'
import {systemClock, type Clock} from '../shared/clock.js'
import {Http1Server, type ServerExchange} from '../shared/http1/server.js'
import {createHttpRecorder} from '../shared/http1/request-metrics.js'
import {createLogger, type Logger} from '../shared/logger.js'
import {createServiceMetrics, type ServiceMetrics} from '../shared/metrics.js'
import {METRICS} from '../../contracts/metrics.js'
import {createPool} from '../shared/postgres.js'
import {formatPolicy, formatServiceLimit, RATELIMIT_HEADER, RATELIMIT_POLICY_HEADER, RETRY_AFTER_HEADER} from '../shared/rate-limit/headers.js'
import {createLocalRateLimiter} from '../shared/rate-limit/local-rate-limiter.js'
import type {RateLimitPolicy} from '../shared/rate-limit/policy.js'
import {createFailOpenRateLimiter, type RateLimiter, type RateLimitResult} from '../shared/rate-limit/rate-limiter.js'
import {createBatchingRedisRateLimiter} from '../shared/rate-limit/batching-redis-rate-limiter.js'
import {closeRedis, createRedis} from '../shared/redis.js'
import {breakersView, cacheTotals, cacheView, createFleetInspector} from './admin/fleet-inspector.js'
import {createRouteLabeler, isAdminPath, isApiPath, LOGIN_PATH, normalizeApiPath, API_PREFIX} from './api-path.js'
import {createAuthenticator, type AuthOutcome} from './auth/authenticator.js'
import {clientIpOf} from './client-ip.js'
import type {GatewayConfig} from './config.js'
import {createUpstream} from './proxy/upstream.js'
import {createReadiness} from './readiness.js'
import {requestIdFrom} from './request-id.js'
import {sendData, sendError, sendJson, type ResponseContext} from './responses.js'

export interface GatewayDeps {
  /** Drives the local (fail-open) limiter and the auth cache's ages; tests pass a fake one. */
  clock?: Clock
  log?: Logger
}

export interface RunningGateway {
  url: string
  port: number
  server: Http1Server
  metrics: ServiceMetrics
  rateLimiter: RateLimiter
  breakers: {redis: DependencyBreaker; postgres: DependencyBreaker}
  selfStatus(): GatewaySelfStatus
  /** Readiness turns `unavailable` (503) so the lab stops sending traffic here. */
  beginDrain(): void
  /** Closes the upstream pools, Redis and Postgres (after the server stopped). */
  closeDependencies(): Promise<void>
  /** beginDrain, stop the server (waiting at most shutdownGraceMs for in-flight requests), closeDependencies. */
  close(): Promise<void>
}

const OWN_ADMIN_VIEWS = new Set([`${API_PREFIX}/admin/dashboard`, `${API_PREFIX}/admin/circuit-breakers`, `${API_PREFIX}/admin/cache`])

/** Starts the gateway: auth, distributed rate limiting, routing to the upstream, admin views. */
export async function startGateway(config: GatewayConfig, deps: GatewayDeps = {}): Promise<RunningGateway> {
  const clock = deps.clock ?? systemClock
  const log = deps.log ?? createLogger('gateway', config.instanceId, config.logLevel)
  const metrics = createServiceMetrics('gateway', config.instanceId)
  const loadShed = metrics.counter(METRICS.loadShed)
  const startedAt = Date.now()

  // No auto-pipelining: the limiter batches its own calls per event-loop turn (one script call),
  // which leaves ioredis a command at a time, and its per-tick pipeline objects would be overhead.
  const redis: Redis = createRedis(config.redisUrl, log)
  const pool: pg.Pool = createPool({
    url: config.databaseUrl,
    max: config.postgresPoolMax,
    connectionTimeoutMs: config.postgresTimeoutMs,
    statementTimeoutMs: config.postgresTimeoutMs,
    applicationName: `scalelab-${config.instanceId}`,
    metrics,
    log,
  })
  const breakerOptions = {consecutiveFailures: config.breakerFailures, halfOpenAfterMs: config.breakerHalfOpenMs, metrics, log}
  const breakers = {
    redis: createBreaker({dependency: 'redis', timeoutMs: config.redisTimeoutMs, ...breakerOptions}),
    postgres: createBreaker({dependency: 'postgres', timeoutMs: config.postgresTimeoutMs, ...breakerOptions}),
  }

  const rateLimiter = createFailOpenRateLimiter({
    // One script call per event-loop turn for all the requests read in it (see the module).
    shared: createBatchingRedisRateLimiter(redis),
    fallback: createLocalRateLimiter({clock}),
    breaker: breakers.redis,
    metrics,
    log,
  })
  const authenticator = createAuthenticator({
    redis,
    pool,
    redisBreaker: breakers.redis,
    postgresBreaker: breakers.postgres,
    gatewaySecret: config.gatewaySecret,
    sessionTiers: config.sessionTiers,
    cacheTtlMs: config.authCacheTtlMs,
    cacheStaleMs: config.authCacheStaleMs,
    cacheMaxEntries: config.authCacheMaxEntries,
    clock,
    metrics,
    log,
  })
  const upstream = createUpstream({
    url: config.upstreamUrl,
    connections: config.upstreamConnections,
    timeoutMs: config.upstreamTimeoutMs,
    connectTimeoutMs: config.upstreamConnectTimeoutMs,
    maxQueued: config.upstreamMaxQueue,
    queueTimeoutMs: config.upstreamQueueTimeoutMs,
  })
  const inspector = createFleetInspector({upstream, gatewaySecret: config.gatewaySecret, timeoutMs: config.adminStatusTimeoutMs})
  const readiness = createReadiness({redis, pool, upstream, timeoutMs: 1_000})

  // Per tier, computed once: the policy and its RateLimit-Policy field value.
  const policies = new Map<Tier, {policy: RateLimitPolicy; field: string}>(
    TIERS.map((tier) => {
      const policy = {name: tier, limit: config.rateLimits[tier], windowSeconds: config.rateLimitWindowSeconds}
      return [tier, {policy, field: formatPolicy(tier, policy.limit, policy.windowSeconds)}]
    }),
  )
  const routeLabel = createRouteLabeler()
  const accessLog = log.isLevelEnabled('debug')
  let draining = false

  function selfStatus(): GatewaySelfStatus {
    const stats = rateLimiter.stats()
    return {
      instanceId: config.instanceId,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      breakers: {
        redis: {state: breakers.redis.state, trips: breakers.redis.trips},
        postgres: {state: breakers.postgres.state, trips: breakers.postgres.trips},
      },
      rateLimiter: {
        algorithm: stats.algorithm,
        windowSeconds: config.rateLimitWindowSeconds,
        limits: {...config.rateLimits},
        mode: stats.mode,
        decisions: stats.decisions,
        lastFailOpenAt: stats.lastFailOpenAt,
      },
      authCache: {entries: authenticator.cacheEntries, ttlMs: config.authCacheTtlMs, staleMs: config.authCacheStaleMs},
    }
  }

  function rateLimitHeaders(result: RateLimitResult, field: string): Record<string, string> {
    const headers: Record<string, string> = {
      [RATELIMIT_POLICY_HEADER]: field,
      [RATELIMIT_HEADER]: formatServiceLimit(result.policy.name, result.remaining, result.resetSeconds),
    }
    if (!result.allowed) headers[RETRY_AFTER_HEADER] = String(result.resetSeconds)
    return headers
  }

  /** Charges the request to its partition; answers 429 itself and returns undefined when over the limit. */
  async function limit(ex: ServerExchange, ctx: ResponseContext, tier: Tier, partition: string): Promise<Record<string, string> | undefined> {
    if (config.rateLimitMode === 'off') return {}
    const {policy, field} = policies.get(tier)!
    const result = await rateLimiter.check(partition, policy)
    const headers = rateLimitHeaders(result, field)
    if (result.allowed) return headers
    sendError(ex, ctx, 429, 'rate_limited', `rate limit of ${policy.limit} requests per ${policy.windowSeconds} s for tier ${tier} exceeded; retry after ${result.resetSeconds} s`, headers)
    return undefined
  }

  async function handleApi(ex: ServerExchange, ctx: ResponseContext, normalized: string): Promise<void> {
    if (ex.head.contentLength > config.bodyLimitBytes) {
      sendError(ex, ctx, 413, 'payload_too_large', `request body exceeds ${config.bodyLimitBytes} bytes; send a smaller body`, {connection: 'close'})
      return
    }
    const clientIp = clientIpOf(ex.remoteAddress, config.trustProxy > 0 ? ex.headerJoined('x-forwarded-for') : undefined, config.trustProxy)
    const isLogin = ex.method === 'POST' && normalized === LOGIN_PATH
    const credentials = isLogin ? {} : {authorization: ex.header('authorization'), apiKey: ex.header(API_KEY_HEADER)}
    // Anonymous and freshly cached credentials are decided without a promise; the rest asks a store.
    const auth: AuthOutcome = authenticator.authenticateNow(credentials) ?? (await authenticator.authenticate(credentials))

    if (!auth.ok) {
      // Failed attempts are charged to the client's address, so guessing credentials is limited too.
      const headers = await limit(ex, ctx, 'anonymous', `ip:${clientIp}`)
      if (!headers) return
      sendError(ex, ctx, auth.status, auth.status === 401 ? 'unauthorized' : 'auth_unavailable', auth.message, auth.status === 503 ? {...headers, [RETRY_AFTER_HEADER]: '1'} : headers)
      return
    }
    const rl = await limit(ex, ctx, auth.identity.tier, auth.partition ?? `ip:${clientIp}`)
    if (!rl) return
    rl[REQUEST_ID_HEADER] = ctx.requestId

    if (isAdminPath(normalized) && auth.identity.role !== 'admin') {
      if (auth.identity.kind === 'anonymous') sendError(ex, ctx, 401, 'unauthorized', 'admin routes need a session token or API key of an admin', rl)
      else sendError(ex, ctx, 403, 'forbidden', 'admin routes are for the admin role only', rl)
      return
    }

    const identity = [...auth.forwardHeaders, GATEWAY_HEADERS.clientIp, clientIp, REQUEST_ID_HEADER, ctx.requestId]
    if (ex.method === 'GET' && OWN_ADMIN_VIEWS.has(normalized)) {
      await serveAdminView(ex, ctx, normalized, identity, rl)
      return
    }
    if (ex.gone) return
    upstream.forward({
      exchange: ex,
      headers: identity,
      responseHeaders: rl,
      bodyLimit: config.bodyLimitBytes,
      onError(failure) {
        if (failure.code === 'overloaded') {
          loadShed.inc()
          sendError(ex, ctx, 503, failure.code, failure.message, {...rl, 'retry-after': '1'})
          return
        }
        if (failure.status >= 500) log.warn({requestId: ctx.requestId, code: failure.code}, `upstream failed: ${failure.code}`)
        sendError(ex, ctx, failure.status, failure.code, failure.message, failure.status === 413 || failure.status === 400 ? {...rl, connection: 'close'} : rl)
      },
    })
  }

  async function serveAdminView(ex: ServerExchange, ctx: ResponseContext, path: string, identity: string[], headers: Record<string, string>): Promise<void> {
    const snapshot = await inspector.inspect(identity)
    if (path.endsWith('/dashboard')) {
      const up = snapshot.instances.filter((i) => i.up).length
      const dashboard: AdminDashboard = {
        gateway: selfStatus(),
        balancer: snapshot.balancer,
        instances: snapshot.instances,
        totals: {
          instances: snapshot.instances.length,
          up,
          down: snapshot.instances.length - up,
          inFlight: snapshot.instances.reduce((n, i) => n + (i.status?.inFlight ?? 0), 0),
          cache: cacheTotals(snapshot.instances),
        },
      }
      sendData(ex, ctx, dashboard, headers)
    } else if (path.endsWith('/circuit-breakers')) {
      sendData(ex, ctx, breakersView(selfStatus().breakers, snapshot), headers)
    } else {
      sendData(ex, ctx, cacheView(snapshot), headers)
    }
  }

  const httpRecorder = createHttpRecorder(metrics)
  /** Per request: the route label and start time for the shared HTTP metrics, recorded when the exchange ends. */
  async function handle(ex: ServerExchange): Promise<void> {
    const startedAt = httpRecorder.start()
    let route = 'unmatched'
    const method = ex.method
    const ctx: ResponseContext = {requestId: requestIdFrom(ex.header(REQUEST_ID_HEADER)), instance: config.instanceId}
    ex.onFinished = (status, aborted) => {
      httpRecorder.end(route, method, status, startedAt)
      if (accessLog) {
        log.debug({requestId: ctx.requestId, method, path: ex.target, status, ms: Math.round((performance.now() - startedAt) * 100) / 100, aborted}, 'request')
      }
    }
    const url = ex.target
    const q = url.indexOf('?')
    const path = q === -1 ? url : url.slice(0, q)
    try {
      if (path === '/health') {
        route = '/health'
        sendJson(ex, 200, {status: 'ok', instance: config.instanceId}, {[REQUEST_ID_HEADER]: ctx.requestId})
        return
      }
      if (path === '/ready') {
        route = '/ready'
        const body = await readiness.check(draining)
        sendJson(ex, body.status === 'unavailable' ? 503 : 200, body, {[REQUEST_ID_HEADER]: ctx.requestId})
        return
      }
      if (path === '/metrics') {
        route = '/metrics'
        httpRecorder.flush()
        const {contentType, body} = await metrics.text()
        ex.respond(200, {'content-type': contentType}, body)
        return
      }
      const normalized = normalizeApiPath(path)
      if (normalized === null || !isApiPath(normalized)) {
        sendError(ex, ctx, 404, 'not_found', `no route for ${path}; the API is under ${API_PREFIX}/`)
        return
      }
      route = OWN_ADMIN_VIEWS.has(normalized) ? normalized : routeLabel(normalized)
      await handleApi(ex, ctx, normalized)
    } catch (err) {
      log.error({requestId: ctx.requestId, err}, 'gateway: unexpected error')
      sendError(ex, ctx, 500, 'internal', 'unexpected gateway error; see the gateway log for this request id')
    }
  }

  const server = new Http1Server({keepAliveTimeoutMs: 65_000, onRequest: (ex) => void handle(ex)})
  const port = await server.listen(config.port, config.host)
  // Start with Redis connected when it is there at all, so the first requests are not decided locally.
  await Promise.race([
    redis.status === 'ready' ? Promise.resolve() : new Promise((r) => redis.once('ready', r)),
    new Promise((r) => setTimeout(r, 2_000).unref()),
  ])
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
  log.info({url, upstream: config.upstreamUrl}, 'gateway listening')

  const closeDependencies = async () => {
    await Promise.allSettled([upstream.close(), inspector.close(), pool.end()])
    await closeRedis(redis)
  }
  let closing: Promise<void> | undefined
  return {
    url,
    port,
    server,
    metrics,
    rateLimiter,
    breakers,
    selfStatus,
    beginDrain: () => {
      draining = true
      server.draining = true
    },
    closeDependencies,
    close() {
      closing ??= (async () => {
        draining = true
        server.draining = true
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
        server.closeIdleConnections()
        const force = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs)
        force.unref()
        await stopped
        clearTimeout(force)
        await closeDependencies()
      })()
      return closing
    },
  }
}
