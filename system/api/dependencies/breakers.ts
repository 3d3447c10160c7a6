import type {DependencyName} from '../../../contracts/http.js'
import {createBreaker, type DependencyBreaker} from '../../shared/breaker.js'
import type {Logger} from '../../shared/logger.js'
import type {ServiceMetrics} from '../../shared/metrics.js'
import type {ApiConfig} from '../config.js'
import {isPostgresHealthFailure, isRedisHealthFailure} from './dependency-error.js'

export interface ApiBreakers extends Record<DependencyName, DependencyBreaker> {
  /** Only with DATABASE_READ_URL: trips on its own so a dead replica falls back to the primary fast. */
  postgresReplica?: DependencyBreaker
}

type BreakerSettings = Pick<
  ApiConfig,
  'BREAKER_FAILURES' | 'BREAKER_HALF_OPEN_MS' | 'REDIS_TIMEOUT_MS' | 'POSTGRES_TIMEOUT_MS' | 'EXTERNAL_TIMEOUT_MS' | 'DATABASE_READ_URL'
>

/** One breaker per dependency, each with its own timeout; errors that say nothing about health pass uncounted. */
export function createApiBreakers(config: BreakerSettings, metrics?: ServiceMetrics, log?: Logger): ApiBreakers {
  const common = {consecutiveFailures: config.BREAKER_FAILURES, halfOpenAfterMs: config.BREAKER_HALF_OPEN_MS, metrics, log}
  const breakers: ApiBreakers = {
    redis: createBreaker({...common, dependency: 'redis', timeoutMs: config.REDIS_TIMEOUT_MS, isFailure: isRedisHealthFailure}),
    postgres: createBreaker({...common, dependency: 'postgres', timeoutMs: config.POSTGRES_TIMEOUT_MS, isFailure: isPostgresHealthFailure}),
    external: createBreaker({...common, dependency: 'external', timeoutMs: config.EXTERNAL_TIMEOUT_MS}),
  }
  if (config.DATABASE_READ_URL) {
    breakers.postgresReplica = createBreaker({
      ...common,
      dependency: 'postgres_replica',
      timeoutMs: config.POSTGRES_TIMEOUT_MS,
      isFailure: isPostgresHealthFailure,
    })
  }
  return breakers
}
