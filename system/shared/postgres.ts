import pg from 'pg'
import {METRICS} from '../../contracts/metrics.js'
import type {Logger} from './logger.js'
import type {ServiceMetrics} from './metrics.js'

export interface PoolOptions {
  url: string
  max?: number
  connectionTimeoutMs?: number
  statementTimeoutMs?: number
  idleTimeoutMs?: number
  applicationName?: string
  metrics?: ServiceMetrics
  log?: Logger
}

/**
 * A pg Pool with explicit bounds: pool size, how long to wait for a connection, and a server-side
 * statement timeout, so a slow or unreachable Postgres surfaces as a fast error, not a hang.
 * Pool gauges are read at scrape time.
 */
export function createPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 1000,
    idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
    statement_timeout: options.statementTimeoutMs ?? 2000,
    query_timeout: (options.statementTimeoutMs ?? 2000) + 500,
    application_name: options.applicationName,
  })
  pool.on('error', (err) => options.log?.warn({err: err.message}, 'postgres idle client error'))
  if (options.metrics) {
    const {gauge} = options.metrics
    gauge(METRICS.dbPoolTotal, (g) => g.set(pool.totalCount))
    gauge(METRICS.dbPoolIdle, (g) => g.set(pool.idleCount))
    gauge(METRICS.dbPoolWaiting, (g) => g.set(pool.waitingCount))
  }
  return pool
}
