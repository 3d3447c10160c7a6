import type {Redis} from 'ioredis'
import type pg from 'pg'
import type {DependencyStatus, ReadyBody} from '../../contracts/http.js'
import type {Upstream} from './proxy/upstream.js'

export interface ReadinessOptions {
  redis: Redis
  pool: pg.Pool
  upstream: Upstream
  timeoutMs: number
}

/**
 * `/ready`: each dependency asked directly (not through the breakers, so the answer is the
 * current truth), in parallel, each bounded by `timeoutMs`. A missing dependency makes the
 * gateway `degraded`, not unready: it still authenticates from its cache, limits locally and
 * answers with envelopes.
 */
export function createReadiness(options: ReadinessOptions): {check(draining: boolean): Promise<ReadyBody>} {
  const {redis, pool, upstream, timeoutMs} = options
  const probe = async (fn: () => Promise<unknown>): Promise<DependencyStatus> => {
    const began = performance.now()
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        fn(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
        }),
      ])
      return {state: 'up', latencyMs: Math.round((performance.now() - began) * 100) / 100}
    } catch (err) {
      return {state: 'down', latencyMs: null, error: (err as Error).message}
    } finally {
      clearTimeout(timer)
    }
  }
  return {
    async check(draining) {
      const [redisCheck, postgresCheck, upstreamCheck] = await Promise.all([
        probe(() => redis.ping()),
        probe(() => pool.query('SELECT 1')),
        probe(async () => {
          const {status} = await upstream.getJson('/ready', {}, timeoutMs)
          if (status !== 200) throw new Error(`upstream /ready answered HTTP ${status}`)
        }),
      ])
      const checks = {redis: redisCheck, postgres: postgresCheck, upstream: upstreamCheck}
      const degraded = Object.entries(checks)
        .filter(([, c]) => c.state === 'down')
        .map(([name]) => name)
      return {status: draining ? 'unavailable' : degraded.length ? 'degraded' : 'ready', degraded, checks}
    },
  }
}
