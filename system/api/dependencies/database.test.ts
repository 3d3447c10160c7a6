import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestPostgres, type TestPostgres} from '../../../test/support/datastores.js'
import {createPool} from '../../shared/postgres.js'
import {createServiceMetrics} from '../../shared/metrics.js'
import {createApiBreakers} from './breakers.js'
import {Database} from './database.js'
import {DependencyError} from './dependency-error.js'

const SETTINGS = {BREAKER_FAILURES: 3, BREAKER_HALF_OPEN_MS: 60_000, REDIS_TIMEOUT_MS: 250, POSTGRES_TIMEOUT_MS: 2_000, EXTERNAL_TIMEOUT_MS: 1_000}

describe('Database (real Postgres): which errors count against the breaker', () => {
  let postgres: TestPostgres
  beforeAll(async () => {
    postgres = await startTestPostgres({seedResources: 5})
  })
  afterAll(async () => {
    await postgres?.stop()
  })

  it('passes unique violations through untouched and keeps the breaker closed; not-found is just no rows', async () => {
    const metrics = createServiceMetrics('api', 'db-test')
    const breakers = createApiBreakers(SETTINGS, metrics)
    const pool = createPool({url: postgres.url, max: 2})
    const db = new Database({primary: pool, primaryBreaker: breakers.postgres, metrics})
    try {
      for (let i = 0; i < 6; i++) {
        await expect(
          db.query('user_insert', `INSERT INTO users (email, password_hash, role) VALUES ('admin@example.com', 'x', 'user')`),
        ).rejects.toMatchObject({code: '23505'})
      }
      for (let i = 0; i < 6; i++) expect((await db.query('resource_get', 'SELECT id FROM resources WHERE id = $1', [999_999])).rows).toEqual([])
      expect(breakers.postgres.state).toBe('closed')
      const {values} = await metrics.registry.getSingleMetric('scalelab_db_queries_total')!.get()
      expect(values.find((v) => v.labels.operation === 'user_insert' && v.labels.outcome === 'error')?.value).toBe(6)
    } finally {
      await pool.end()
    }
  })

  it('turns an unreachable Postgres into DependencyError and opens the breaker', async () => {
    const breakers = createApiBreakers(SETTINGS)
    const pool = createPool({url: 'postgres://scalelab@127.0.0.1:1/scalelab', connectionTimeoutMs: 200})
    const db = new Database({primary: pool, primaryBreaker: breakers.postgres})
    try {
      for (let i = 0; i < 3; i++) await expect(db.query('ping', 'SELECT 1')).rejects.toMatchObject({name: 'DependencyError', reason: 'error'})
      expect(breakers.postgres.state).toBe('open')
      const refused = await db.query('ping', 'SELECT 1').catch((err: unknown) => err)
      expect(refused).toBeInstanceOf(DependencyError)
      expect((refused as DependencyError).reason).toBe('circuit_open')
    } finally {
      await pool.end()
    }
  })
})
