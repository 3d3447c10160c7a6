import http from 'node:http'
import type {AddressInfo} from 'node:net'
import type {Redis} from 'ioredis'
import {InvalidationBus} from '../shared/cache/invalidation-bus.js'
import {systemClock, TwoLevelCache, type Clock} from '../shared/cache/two-level-cache.js'
import {createLogger, type Logger} from '../shared/logger.js'
import {createServiceMetrics} from '../shared/metrics.js'
import {createPool} from '../shared/postgres.js'
import {closeRedis, createRedis} from '../shared/redis.js'
import {createGracefulStop} from '../shared/shutdown.js'
import {createApp} from './app.js'
import {BatchRunner} from './batch/batch-runner.js'
import type {ApiConfig} from './config.js'
import {createApiBreakers} from './dependencies/breakers.js'
import {Database} from './dependencies/database.js'
import {DependencyProbe} from './dependencies/dependency-probe.js'
import {FlakyDownstream} from './external/flaky-downstream.js'
import {HttpFaults} from './faults/http-faults.js'
import {Access} from './identity/access.js'
import {ApiKeyStore} from './identity/api-key-store.js'
import {IdentityResolver} from './identity/identity-resolver.js'
import {SessionStore} from './identity/session-store.js'
import {UserStore} from './identity/user-store.js'
import {RequestLogWriter} from './request-log/request-log-writer.js'
import {RESOURCE_CACHE_NAMESPACE, ResourceService} from './resources/resource-service.js'
import {ResourceStore, type Resource} from './resources/resource-store.js'
import type {ApiServices, LifecycleState} from './services.js'

export interface StartApiOptions {
  /** Cache freshness and fault expiry read this clock (breakers read Date.now, as cockatiel does). */
  clock?: Clock
  /** Fault injection, the simulated downstream and request-log sampling draw from this. */
  random?: () => number
  log?: Logger
}

export interface ApiInstance {
  url: string
  port: number
  server: http.Server
  services: ApiServices
  /** Graceful stop: readiness → unavailable, stop accepting, drain in-flight (bounded), close pools and Redis. */
  close(): Promise<void>
}

// Long enough for a local Redis to accept; starting without it is allowed (the instance is degraded).
const REDIS_STARTUP_WAIT_MS = 2_000

/** Builds one API instance from its configuration and starts listening. */
export async function startApi(config: ApiConfig, options: StartApiOptions = {}): Promise<ApiInstance> {
  const clock = options.clock ?? systemClock
  const random = options.random ?? Math.random
  const log = options.log ?? createLogger('api', config.INSTANCE_ID, config.LOG_LEVEL)
  const metrics = createServiceMetrics('api', config.INSTANCE_ID)
  const breakers = createApiBreakers(config, metrics, log)
  const lifecycle: LifecycleState = {state: 'starting', startedAt: Date.now(), inFlight: 0}

  const poolOptions = {
    max: config.DB_POOL_SIZE,
    connectionTimeoutMs: config.DB_CONNECTION_TIMEOUT_MS,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    applicationName: `scalelab-${config.INSTANCE_ID}`,
    log,
  }
  const primaryPool = createPool({...poolOptions, url: config.DATABASE_URL, metrics})
  // The pool gauges describe the primary; the replica pool is not exported twice under the same names.
  const replicaPool = config.DATABASE_READ_URL ? createPool({...poolOptions, url: config.DATABASE_READ_URL}) : undefined
  const redis = createRedis(config.REDIS_URL, log)
  const subscriber = createRedis(config.REDIS_URL, log, {autoResubscribe: false})

  const db = new Database({primary: primaryPool, primaryBreaker: breakers.postgres, replica: replicaPool, replicaBreaker: breakers.postgresReplica, metrics, log})
  const bus = new InvalidationBus({instanceId: config.INSTANCE_ID, subscriber, publisher: redis, publisherBreaker: breakers.redis, log})
  const cache = new TwoLevelCache<Resource>({
    namespace: RESOURCE_CACHE_NAMESPACE,
    l1MaxEntries: config.CACHE_L1_MAX_ENTRIES,
    l1MaxBytes: config.CACHE_L1_MAX_BYTES,
    l1TtlMs: config.CACHE_L1_TTL_MS,
    l2TtlMs: config.CACHE_L2_TTL_MS,
    negativeTtlMs: config.CACHE_NEGATIVE_TTL_MS,
    staleWindowMs: config.CACHE_STALE_WINDOW_MS,
    redis,
    redisBreaker: breakers.redis,
    bus,
    clock,
    metrics,
    log,
  })
  const sessions = new SessionStore(redis, breakers.redis, config.SESSION_TTL_SECONDS)
  const apiKeys = new ApiKeyStore(db, config.API_KEY_CACHE_TTL_MS)
  let selfUrl = ''

  const services: ApiServices = {
    config,
    log,
    metrics,
    lifecycle,
    primaryPool,
    replicaPool,
    redis,
    subscriber,
    db,
    breakers,
    bus,
    cache,
    resources: new ResourceService(new ResourceStore(db), cache),
    users: new UserStore(db),
    sessions,
    access: new Access(new IdentityResolver(config.GATEWAY_SECRET, sessions, apiKeys)),
    faults: new HttpFaults(clock, random, metrics, log),
    downstream: new FlakyDownstream({
      failureRate: config.EXTERNAL_FAILURE_RATE,
      latencyMs: config.EXTERNAL_LATENCY_MS,
      jitterMs: config.EXTERNAL_LATENCY_JITTER_MS,
      random,
    }),
    probe: new DependencyProbe({primary: primaryPool, replica: replicaPool, redis, timeoutMs: config.READY_CHECK_TIMEOUT_MS}),
    requestLog: new RequestLogWriter({
      db,
      instanceId: config.INSTANCE_ID,
      sampleRate: config.REQUEST_LOG_SAMPLE_RATE,
      batchSize: config.REQUEST_LOG_BATCH_SIZE,
      flushMs: config.REQUEST_LOG_FLUSH_MS,
      maxBuffer: config.REQUEST_LOG_MAX_BUFFER,
      random,
      log,
    }),
    batch: new BatchRunner(() => selfUrl),
    selfUrl: () => selfUrl,
  }

  const closeDependencies = async () => {
    await services.requestLog.close()
    await services.batch.close()
    await bus.close()
    await closeRedis(redis)
    await Promise.all([primaryPool.end(), replicaPool?.end()])
  }

  const server = http.createServer(createApp(services))
  try {
    const startupDeadline = Date.now() + REDIS_STARTUP_WAIT_MS
    await waitForRedis(redis, REDIS_STARTUP_WAIT_MS)
    // The first subscription empties L1 (resync): let that happen before the first request fills it.
    await bus.waitSubscribed(startupDeadline - Date.now())
    await listen(server, config.PORT, config.HOST)
  } catch (err) {
    await closeDependencies().catch(() => undefined)
    throw err
  }
  const port = (server.address() as AddressInfo).port
  selfUrl = `http://${loopbackHost(config.HOST)}:${port}`
  lifecycle.state = 'serving'
  log.info({url: selfUrl, replica: Boolean(replicaPool)}, 'api listening')

  const stop = createGracefulStop(server, log, {
    graceMs: config.SHUTDOWN_GRACE_MS,
    onDrainStart: () => {
      lifecycle.state = 'draining'
    },
    close: closeDependencies,
  })
  return {url: selfUrl, port, server, services, close: () => stop('close')}
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`port ${port} on ${host} is already in use; stop what uses it or set PORT to another port`, {cause: err})
          : err,
      )
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
}

async function waitForRedis(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, timeoutMs)
    function done() {
      clearTimeout(timer)
      redis.off('ready', done)
      resolve()
    }
    redis.once('ready', done)
  })
}

/** Where this process can reach itself: a wildcard bind is reached over loopback. */
function loopbackHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1'
  if (host === '::') return '[::1]'
  return host.includes(':') ? `[${host}]` : host
}
