import {METRICS} from '../../contracts/metrics.js'
import type {BalancerStatus} from '../../contracts/http.js'
import {Http1Server, type ServerExchange} from '../shared/http1/server.js'
import {createHttpRecorder} from '../shared/http1/request-metrics.js'
import {createLogger, type Logger} from '../shared/logger.js'
import {createServiceMetrics, type ServiceMetrics} from '../shared/metrics.js'
import {balancerStatus, parseMembership, readJsonBody, readiness, secretMatches, sendError, sendJson} from './admin.js'
import type {Backend, BackendSpec} from './backend.js'
import {systemClock, type Clock} from '../shared/clock.js'
import type {RandomSource} from '../shared/random.js'
import type {BalancerConfig} from './config.js'
import {discoverBackends, resolveAll, type Resolve} from './dns-discovery.js'
import {Fleet} from './fleet.js'
import {HealthChecker, type Probe} from './health-checker.js'
import {OutlierDetector} from './outlier-detector.js'
import {LeastRequestPicker} from './picker.js'
import {createProxyHandler, type RetryReason} from './proxy.js'
import {RetryBudget} from './retry-budget.js'
import {createBackendPool, createHttpProbe} from './upstream.js'

const KNOWN_ADMIN_ROUTES = new Set(['/health', '/ready', '/metrics', '/lb/status', '/lb/backends'])

export interface BalancerDeps {
  clock?: Clock
  random?: RandomSource
  log?: Logger
  /** Replaces the HTTP health probe (tests). */
  probe?: Probe
  /** Replaces DNS resolution for BACKENDS_DNS (tests). */
  resolve?: Resolve
  /** Leave the periodic timers off and drive `tick*` by hand (tests with a fake clock). */
  manualTimers?: boolean
}

export interface RunningBalancer {
  url: string
  port: number
  server: Http1Server
  fleet: Fleet
  metrics: ServiceMetrics
  /** The Prometheus text /metrics serves (flushes the hot path's counts first). */
  metricsText(): Promise<{contentType: string; body: string}>
  status(): BalancerStatus
  /** Replaces the static membership, as PUT /lb/backends does. */
  setBackends(specs: BackendSpec[]): void
  /** One round of due health checks. */
  tickHealth(): Promise<void>
  /** One outlier sweep (returns backends whose ejection is over). */
  tickOutliers(): void
  /** Re-resolves BACKENDS_DNS once. */
  tickDns(): Promise<void>
  /** Flips /ready to unavailable (graceful shutdown's first step). */
  startDraining(): void
  /** Closes the server (in-flight requests finish first, bounded by graceMs), timers and pools. */
  stop(graceMs?: number): Promise<void>
}

/** Starts a balancer listening on config.host:config.port (0 for a free port). */
export async function startBalancer(config: BalancerConfig, deps: BalancerDeps = {}): Promise<RunningBalancer> {
  const clock = deps.clock ?? systemClock
  const random = deps.random ?? Math.random
  const log = deps.log ?? createLogger('balancer', config.instanceId, config.logLevel)
  const metrics = createServiceMetrics('balancer', config.instanceId)
  const healthChecking = config.healthCheck.intervalMs > 0
  let draining = false

  // ----- metrics: per-backend gauges are read from the fleet at scrape time -----
  const lbRequests = metrics.counter(METRICS.lbRequests)
  const lbEjections = metrics.counter(METRICS.lbEjections)
  const lbRetries = metrics.counter(METRICS.lbRetries)
  const lbOverloaded = metrics.counter(METRICS.lbOverloaded)
  const perBackendGauge = (spec: typeof METRICS.lbInFlight, value: (b: Backend) => number) =>
    metrics.gauge(spec, (g) => {
      g.reset()
      for (const b of fleet.all) g.set({backend: b.name}, value(b))
    })
  perBackendGauge(METRICS.lbInFlight, (b) => b.inFlight)
  perBackendGauge(METRICS.lbHealthy, (b) => (b.healthy ? 1 : 0))
  perBackendGauge(METRICS.lbEjected, (b) => (b.ejected ? 1 : 0))
  const flushBackend = (b: Backend) => {
    if (b.okCount) lbRequests.inc({backend: b.name, outcome: 'ok'}, b.okCount)
    if (b.errorCount) lbRequests.inc({backend: b.name, outcome: 'error'}, b.errorCount)
    if (b.timeoutCount) lbRequests.inc({backend: b.name, outcome: 'timeout'}, b.timeoutCount)
    b.okCount = b.errorCount = b.timeoutCount = 0
  }
  const retryCounters = {} as Record<RetryReason, {inc(): void}>
  for (const reason of ['connect_failure', 'reset', 'timeout', 'budget_exhausted'] as const) {
    retryCounters[reason] = lbRetries.labels({reason})
    lbRetries.inc({reason}, 0) // present from the start, so rates work from the first scrape
  }

  // ----- the fleet and the rules that act on it -----
  const picker = new LeastRequestPicker({random, activeRequestBias: config.upstream.activeRequestBias, maxInFlight: config.upstream.maxInFlightPerBackend})
  const fleet: Fleet = new Fleet(
    {
      added(b) {
        b.pool = createBackendPool(b, config.upstream)
        for (const outcome of ['ok', 'error', 'timeout']) lbRequests.inc({backend: b.name, outcome}, 0)
      },
      removed(b) {
        flushBackend(b)
        // Requests already on it finish; then its connections close.
        const pool = b.pool
        b.pool = null
        void pool?.close().catch(() => undefined)
      },
      changed(candidates) {
        picker.reset(candidates)
      },
    },
    !healthChecking,
  )
  const outlier = new OutlierDetector(config.outlier, clock, {
    ejected(b, reason, durationMs) {
      lbEjections.inc({backend: b.name, reason})
      log.warn({backend: b.name, reason, durationMs, ejections: b.ejections}, `ejected ${b.name} for ${durationMs} ms`)
      fleet.refresh()
    },
    returned(b) {
      log.info({backend: b.name}, `${b.name} returns from ejection`)
      fleet.refresh()
    },
  })
  const httpProbe = deps.probe ? undefined : createHttpProbe(config.healthCheck.path)
  const checker = new HealthChecker(config.healthCheck, clock, deps.probe ?? httpProbe!.probe, (b, healthy) => {
    if (healthy) log.info({backend: b.name}, `${b.name} is healthy`)
    else log.warn({backend: b.name, error: b.lastCheckError}, `${b.name} is unhealthy`)
    fleet.refresh()
  })
  const budget = new RetryBudget(config.retry.budgetPercent, config.retry.minRetryConcurrency)
  const proxy = createProxyHandler({
    fleet,
    picker,
    outlier,
    budget,
    metrics: {retry: (reason) => retryCounters[reason].inc(), overloaded: () => lbOverloaded.inc()},
    instanceId: config.instanceId,
    retryAfterSeconds: 1,
  })

  const setBackends = (specs: BackendSpec[]) => {
    const {added, removed} = fleet.replace('static', specs)
    if (added.length || removed.length) log.info({added, removed}, 'membership changed')
  }
  setBackends(config.backends)
  const resolve = deps.resolve ?? resolveAll
  const tickDns = async () => {
    if (!config.backendsDns) return
    try {
      const specs = await discoverBackends(config.backendsDns, resolve)
      const {added, removed} = fleet.replace('dns', specs)
      if (added.length || removed.length) log.info({added, removed, name: config.backendsDns.host}, 'DNS membership changed')
    } catch (err) {
      // Keep the last answer: a DNS hiccup must not empty the fleet.
      log.warn({err: (err as Error).message, name: config.backendsDns.host}, 'DNS re-resolution failed; keeping the current backends')
    }
  }
  await tickDns()
  const tickHealth = () => (healthChecking ? checker.runDue(fleet.all) : Promise.resolve())
  const tickOutliers = () => outlier.sweep(fleet.all)
  // A first round of checks before listening, so a fresh balancer is ready at once.
  await tickHealth()

  // ----- HTTP -----
  const admin = async (ex: ServerExchange, path: string): Promise<number> => {
    const method = ex.method
    if (path === '/health' && (method === 'GET' || method === 'HEAD')) {
      sendJson(ex, 200, {status: 'ok'})
      return 200
    }
    if (path === '/ready' && (method === 'GET' || method === 'HEAD')) {
      const {status, body} = readiness(fleet, draining)
      sendJson(ex, status, body)
      return status
    }
    if (path === '/metrics' && method === 'GET') {
      const {contentType, body} = await metricsText()
      ex.respond(200, {'content-type': contentType}, body)
      return 200
    }
    if (path === '/lb/status' && method === 'GET') {
      sendJson(ex, 200, balancerStatus(config.instanceId, picker.algorithm, fleet))
      return 200
    }
    if (path === '/lb/backends' && method === 'PUT') {
      if (!secretMatches(ex, config.gatewaySecret)) {
        const message = config.gatewaySecret
          ? 'Membership changes need the x-scalelab-gateway-secret header with the lab\'s GATEWAY_SECRET.'
          : 'Membership changes are disabled: start the balancer with GATEWAY_SECRET set.'
        sendError(ex, config.instanceId, 403, 'forbidden', message)
        return 403
      }
      let body: unknown
      try {
        body = await readJsonBody(ex)
      } catch (err) {
        sendError(ex, config.instanceId, 400, 'invalid_body', `The body must be JSON like {"backends":[{"name":"api-1","host":"127.0.0.1","port":7501}]} (${(err as Error).message}).`)
        return 400
      }
      const parsed = parseMembership(body)
      if ('error' in parsed) {
        sendError(ex, config.instanceId, 400, 'invalid_membership', `Invalid membership: ${parsed.error}.`)
        return 400
      }
      setBackends(parsed.specs)
      void tickHealth()
      sendJson(ex, 200, balancerStatus(config.instanceId, picker.algorithm, fleet))
      return 200
    }
    sendError(ex, config.instanceId, 404, 'not_found', `No balancer endpoint ${method} ${path}; see /lb/status, PUT /lb/backends, /metrics, /health, /ready.`)
    return 404
  }

  const httpRecorder = createHttpRecorder(metrics)
  /** Renders /metrics after moving the hot path's plain counts into prom-client. */
  const metricsText = () => {
    httpRecorder.flush()
    for (const b of fleet.all) flushBackend(b)
    return metrics.text()
  }
  const isAdminPath = (path: string) => path === '/health' || path === '/ready' || path === '/metrics' || path.startsWith('/lb/')
  const server = new Http1Server({
    keepAliveTimeoutMs: 5_000,
    onRequest(ex) {
      const method = ex.method
      const url = ex.target
      const q = url.indexOf('?')
      const path = q === -1 ? url : url.slice(0, q)
      const startedAt = httpRecorder.start()
      if (isAdminPath(path)) {
        const route = KNOWN_ADMIN_ROUTES.has(path) ? path : '/lb/*' // bounded label values
        admin(ex, path).then(
          (status) => httpRecorder.end(route, method, status, startedAt),
          (err: unknown) => {
            log.error({err}, 'admin endpoint failed')
            if (!ex.headSent) sendError(ex, config.instanceId, 500, 'internal', 'The balancer failed to answer; see its log.')
            httpRecorder.end(route, method, 500, startedAt)
          },
        )
        return
      }
      proxy(ex, (status) => httpRecorder.end('proxy', method, status, startedAt))
    },
  })
  const port = await server.listen(config.port, config.host)

  const timers: NodeJS.Timeout[] = []
  if (!deps.manualTimers) {
    if (healthChecking) timers.push(setInterval(() => void tickHealth(), Math.max(10, Math.min(config.healthCheck.intervalMs, 250))))
    timers.push(setInterval(tickOutliers, config.outlier.intervalMs))
    if (config.backendsDns) timers.push(setInterval(() => void tickDns(), config.backendsDns.refreshMs))
    for (const t of timers) t.unref()
  }
  log.info(
    {port, backends: fleet.all.map((b) => `${b.name}=${b.address}@${b.weight}`), dns: config.backendsDns?.host, algorithm: picker.algorithm},
    `balancer listening on ${config.host}:${port}`,
  )

  let idleSweep: NodeJS.Timeout | undefined
  /** Flips /ready to unavailable and closes each client connection once its last response is out. */
  const startDraining = () => {
    if (draining) return
    draining = true
    // Each connection closes after its current response instead of idling on.
    server.draining = true
    idleSweep = setInterval(() => server.closeIdleConnections(), 50)
    idleSweep.unref()
  }
  let stopping: Promise<void> | undefined
  return {
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    port,
    server,
    fleet,
    metrics,
    metricsText,
    status: () => balancerStatus(config.instanceId, picker.algorithm, fleet),
    setBackends,
    tickHealth,
    tickOutliers,
    tickDns,
    startDraining,
    stop(graceMs = config.shutdownGraceMs) {
      stopping ??= (async () => {
        for (const t of timers) clearInterval(t)
        startDraining()
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        server.closeIdleConnections()
        const force = setTimeout(() => server.closeAllConnections(), graceMs)
        force.unref()
        await closed
        clearInterval(idleSweep)
        clearTimeout(force)
        await Promise.all(fleet.all.map((b) => b.pool?.destroy().catch(() => undefined)))
        await httpProbe?.close().catch(() => undefined)
      })()
      return stopping
    },
  }
}
