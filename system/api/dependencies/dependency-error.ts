import {BrokenCircuitError, TaskCancelledError} from '../../shared/breaker.js'

export type Dependency = 'postgres' | 'redis' | 'external'

/**
 * A dependency could not answer: its circuit is open, the call timed out, or it failed in a way
 * that says something about its health. Handlers turn it into a 503 (or serve stale).
 */
export class DependencyError extends Error {
  readonly dependency: Dependency
  readonly reason: 'circuit_open' | 'timeout' | 'error'

  constructor(dependency: Dependency, cause: unknown) {
    const reason = cause instanceof BrokenCircuitError ? 'circuit_open' : cause instanceof TaskCancelledError ? 'timeout' : 'error'
    super(`${dependency} unavailable (${reason}): ${(cause as Error)?.message ?? String(cause)}`, {cause})
    this.name = 'DependencyError'
    this.dependency = dependency
    this.reason = reason
  }
}

// SQLSTATE classes that are about the statement or the data, not about Postgres being healthy:
// 22 data exception, 23 integrity constraint (unique violation), 40 serialization/deadlock,
// 42 syntax or access rule, P0 raised by PL/pgSQL.
const NOT_HEALTH_SQLSTATE_CLASSES = new Set(['22', '23', '40', '42', 'P0'])

/** True when a Postgres error says the database is unhealthy (and should count for its breaker). */
export function isPostgresHealthFailure(err: Error): boolean {
  const code = (err as {code?: unknown}).code
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return !NOT_HEALTH_SQLSTATE_CLASSES.has(code.slice(0, 2))
  return true
}

// Redis replies that mean "this command was wrong", not "Redis is unwell".
const REDIS_COMMAND_ERRORS = /^(WRONGTYPE|ERR |NOSCRIPT|EXECABORT)/

export function isRedisHealthFailure(err: Error): boolean {
  return !(err.name === 'ReplyError' && REDIS_COMMAND_ERRORS.test(err.message))
}
