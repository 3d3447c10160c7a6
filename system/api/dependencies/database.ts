import type pg from 'pg'
import {METRICS} from '../../../contracts/metrics.js'
import type {DependencyBreaker} from '../../shared/breaker.js'
import type {Logger} from '../../shared/logger.js'
import type {ServiceMetrics} from '../../shared/metrics.js'
import {DependencyError, isPostgresHealthFailure} from './dependency-error.js'

export interface DatabaseOptions {
  primary: pg.Pool
  primaryBreaker: DependencyBreaker
  replica?: pg.Pool
  replicaBreaker?: DependencyBreaker
  metrics?: ServiceMetrics
  log?: Logger
}

export interface QueryOptions {
  /** May be answered by the read replica (falls back to the primary when the replica fails). */
  readOnly?: boolean
}

/**
 * Every Postgres query of the API goes through here: under the postgres breaker and its timeout,
 * counted by operation and outcome. Failures that say the database is unhealthy become a
 * DependencyError; errors about the statement itself (a unique violation) pass through as they are.
 */
export class Database {
  readonly #o: DatabaseOptions
  readonly #queries

  constructor(options: DatabaseOptions) {
    this.#o = options
    this.#queries = options.metrics?.counter(METRICS.dbQueries)
  }

  async query<R extends pg.QueryResultRow>(operation: string, sql: string, params: unknown[] = [], options: QueryOptions = {}): Promise<pg.QueryResult<R>> {
    const {replica, replicaBreaker} = this.#o
    if (options.readOnly && replica && replicaBreaker) {
      try {
        return await this.#run<R>(replica, replicaBreaker, operation, sql, params)
      } catch (err) {
        if (!(err instanceof DependencyError)) throw err
        this.#o.log?.debug({operation, err: err.message}, 'replica failed, reading from the primary')
      }
    }
    return this.#run<R>(this.#o.primary, this.#o.primaryBreaker, operation, sql, params)
  }

  async #run<R extends pg.QueryResultRow>(pool: pg.Pool, breaker: DependencyBreaker, operation: string, sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    let issued = false
    try {
      const result = await breaker.execute(() => {
        issued = true
        return pool.query<R>(sql, params)
      })
      this.#queries?.inc({operation, outcome: 'ok'})
      return result
    } catch (err) {
      // A call refused by an open breaker never reached Postgres: not a query.
      if (issued) this.#queries?.inc({operation, outcome: 'error'})
      if (err instanceof Error && !isPostgresHealthFailure(err)) throw err
      throw new DependencyError('postgres', err)
    }
  }
}
