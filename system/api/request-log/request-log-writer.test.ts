import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import pg from 'pg'
import {startTestPostgres, type TestPostgres} from '../../../test/support/datastores.js'
import {seededRandom} from '../../../test/support/api-harness.js'
import {createPool} from '../../shared/postgres.js'
import {createApiBreakers} from '../dependencies/breakers.js'
import {Database} from '../dependencies/database.js'
import {RequestLogWriter} from './request-log-writer.js'

const BREAKERS = {BREAKER_FAILURES: 3, BREAKER_HALF_OPEN_MS: 60_000, REDIS_TIMEOUT_MS: 250, POSTGRES_TIMEOUT_MS: 2_000, EXTERNAL_TIMEOUT_MS: 1_000}
const entry = (i: number) => ({requestId: `req-${i}`, method: 'GET', path: `/api/v1/resources/${i}`, status: 200, durationMs: 1.5, userId: null})

describe('RequestLogWriter (real Postgres)', () => {
  let postgres: TestPostgres
  let pool: pg.Pool
  beforeAll(async () => {
    postgres = await startTestPostgres()
    pool = createPool({url: postgres.url, max: 2})
  })
  afterAll(async () => {
    await pool?.end()
    await postgres?.stop()
  })

  const count = async (instance: string) => Number((await pool.query('SELECT count(*) AS n FROM request_logs WHERE instance_id = $1', [instance])).rows[0].n)

  it('writes every entry at rate 1, in batches, and flushes the rest on close', async () => {
    const db = new Database({primary: pool, primaryBreaker: createApiBreakers(BREAKERS).postgres})
    const writer = new RequestLogWriter({db, instanceId: 'all', sampleRate: 1, batchSize: 5, flushMs: 60_000, maxBuffer: 100})
    for (let i = 0; i < 12; i++) writer.record(entry(i))
    await writer.close()
    expect(await count('all')).toBe(12)
    expect(writer.written).toBe(12)
    const row = (await pool.query("SELECT * FROM request_logs WHERE request_id = 'req-3'")).rows[0]
    expect(row).toMatchObject({instance_id: 'all', method: 'GET', path: '/api/v1/resources/3', status: 200})
  })

  it('samples at the configured rate', async () => {
    const db = new Database({primary: pool, primaryBreaker: createApiBreakers(BREAKERS).postgres})
    const writer = new RequestLogWriter({db, instanceId: 'tenth', sampleRate: 0.1, batchSize: 100, flushMs: 60_000, maxBuffer: 10_000, random: seededRandom(1)})
    for (let i = 0; i < 2_000; i++) writer.record(entry(i))
    await writer.close()
    const n = await count('tenth')
    expect(n).toBeGreaterThan(140)
    expect(n).toBeLessThan(260)
  })

  it('bounds its buffer and drops batches it cannot write instead of piling them up', async () => {
    const deadPool = createPool({url: 'postgres://scalelab@127.0.0.1:1/scalelab', connectionTimeoutMs: 100})
    const db = new Database({primary: deadPool, primaryBreaker: createApiBreakers(BREAKERS).postgres})
    const writer = new RequestLogWriter({db, instanceId: 'dead', sampleRate: 1, batchSize: 1_000, flushMs: 60_000, maxBuffer: 10})
    for (let i = 0; i < 25; i++) writer.record(entry(i))
    expect(writer.dropped).toBe(15)
    await writer.close()
    expect(writer.dropped).toBe(25)
    expect(writer.written).toBe(0)
    await deadPool.end()
  })
})
