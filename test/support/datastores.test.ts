import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import pg from 'pg'
import {Redis} from 'ioredis'
import {startTestPostgres, startTestRedis, type TestPostgres, type TestRedis} from './datastores.js'
import {SEED_API_KEYS} from '../../contracts/seed.js'
import {hashApiKey, verifyPassword} from '../../system/shared/passwords.js'

describe('test datastores and the seed', () => {
  let redis: TestRedis
  let postgres: TestPostgres
  beforeAll(async () => {
    ;[redis, postgres] = await Promise.all([startTestRedis(), startTestPostgres({seedResources: 50})])
  })
  afterAll(async () => {
    await Promise.all([redis?.stop(), postgres?.stop()])
  })

  it('runs a private redis that survives kill and restart on the same port', async () => {
    expect(redis.port).not.toBe(6379)
    const client = new Redis(redis.url, {lazyConnect: true, maxRetriesPerRequest: 0})
    await client.connect()
    expect(await client.ping()).toBe('PONG')
    client.disconnect()
    await redis.restart()
    const again = new Redis(redis.url, {lazyConnect: true, maxRetriesPerRequest: 0})
    await again.connect()
    expect(await again.ping()).toBe('PONG')
    again.disconnect()
  })

  it('migrates and seeds users, one key per tier and resources', async () => {
    expect(postgres.port).not.toBe(5432)
    const client = new pg.Client({connectionString: postgres.url})
    await client.connect()
    try {
      const users = await client.query('SELECT email, role, password_hash FROM users ORDER BY email')
      expect(users.rows.map((r) => [r.email, r.role])).toEqual([
        ['admin@example.com', 'admin'],
        ['user@example.com', 'user'],
      ])
      expect(await verifyPassword('admin123', users.rows[0].password_hash)).toBe(true)
      expect(await verifyPassword('wrong', users.rows[0].password_hash)).toBe(false)
      const keys = await client.query('SELECT tier FROM api_keys WHERE key_hash = $1', [hashApiKey(SEED_API_KEYS.pro)])
      expect(keys.rows).toEqual([{tier: 'pro'}])
      const n = await client.query('SELECT count(*)::int AS n FROM resources')
      expect(n.rows[0].n).toBe(50)
    } finally {
      await client.end()
    }
  })
})
