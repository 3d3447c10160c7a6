import type {Redis} from 'ioredis'
import type pg from 'pg'
import type {DependencyStatus} from '../../../contracts/http.js'

export interface DependencyProbeOptions {
  primary: pg.Pool
  replica?: pg.Pool
  redis: Redis
  timeoutMs: number
}

/**
 * Pings each dependency directly (not through its breaker, so readiness reports the dependency's
 * real state, not what the breaker last saw), each with a short timeout, in parallel.
 */
export class DependencyProbe {
  readonly #o: DependencyProbeOptions

  constructor(options: DependencyProbeOptions) {
    this.#o = options
  }

  async check(): Promise<Record<string, DependencyStatus>> {
    const {primary, replica, redis} = this.#o
    const checks: Array<[string, Promise<DependencyStatus>]> = [
      ['postgres', this.#probe(() => primary.query('SELECT 1'))],
      [
        'redis',
        redis.status === 'ready'
          ? this.#probe(() => redis.ping())
          : Promise.resolve({state: 'down', latencyMs: null, error: `not connected (${redis.status})`}),
      ],
    ]
    if (replica) checks.push(['postgres_replica', this.#probe(() => replica.query('SELECT 1'))])
    const results = await Promise.all(checks.map(async ([name, p]) => [name, await p] as const))
    return Object.fromEntries(results)
  }

  async #probe(ping: () => Promise<unknown>): Promise<DependencyStatus> {
    const began = performance.now()
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${this.#o.timeoutMs} ms`)), this.#o.timeoutMs)
        }),
      ])
      return {state: 'up', latencyMs: Math.round((performance.now() - began) * 100) / 100}
    } catch (err) {
      return {state: 'down', latencyMs: null, error: (err as Error).message}
    } finally {
      clearTimeout(timer)
    }
  }
}
