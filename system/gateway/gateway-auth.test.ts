import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import type {Redis} from 'ioredis'
import pg from 'pg'
import {Agent, request} from 'undici'
import {GATEWAY_HEADERS, sessionKey, type Session} from '../../contracts/identity.js'
import {SEED_API_KEYS} from '../../contracts/seed.js'
import {startTestPostgres, startTestRedis, type TestPostgres, type TestRedis} from '../../test/support/datastores.js'
import {TEST_GATEWAY_SECRET, silentLog, testGatewayConfig} from '../../test/support/gateway.js'
import {startHttpStandIn, type HttpStandIn, type RecordedRequest} from '../../test/support/http-stand-in.js'
import {redisReady} from '../../test/support/redis-time.js'
import {createFakeClock} from '../shared/clock.js'
import {hashApiKey} from '../shared/passwords.js'
import {createRedis} from '../shared/redis.js'
import {startGateway, type RunningGateway} from './gateway.js'

const TTL_MS = 5_000
const STALE_MS = 60_000

describe('gateway authentication', () => {
  let postgres: TestPostgres
  let redisServer: TestRedis
  let redis: Redis
  let db: pg.Client
  let upstream: HttpStandIn
  let gateway: RunningGateway
  let ids: {admin: number; user: number}
  const clock = createFakeClock()
  const client = new Agent({connections: 8})

  const send = async (path: string, init: {method?: string; headers?: Record<string, string>; body?: string} = {}) => {
    const before = upstream.requests.length
    const res = await request(`${gateway.url}${path}`, {method: (init.method ?? 'GET') as 'GET', headers: init.headers, body: init.body, dispatcher: client})
    const text = await res.body.text()
    const forwarded: RecordedRequest | undefined = upstream.requests[before]
    return {status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : null, forwarded}
  }
  const login = async (role: 'admin' | 'user', ttlSeconds = 3600): Promise<string> => {
    const token = `tok-${role}-${Math.random().toString(36).slice(2)}`
    const session: Session = {userId: ids[role], email: `${role}@example.com`, role, createdAt: new Date().toISOString()}
    await redis.set(sessionKey(token), JSON.stringify(session), 'EX', ttlSeconds)
    return token
  }
  const bearer = (token: string) => ({authorization: `Bearer ${token}`})
  const authMetric = async (result: string) => {
    const text = await (await request(`${gateway.url}/metrics`, {dispatcher: client})).body.text()
    const m = new RegExp(`scalelab_auth_decisions_total\\{result="${result}",[^}]*\\} (\\d+)`).exec(text)
    return m ? Number(m[1]) : 0
  }

  beforeAll(async () => {
    ;[postgres, redisServer, upstream] = await Promise.all([startTestPostgres({seedResources: 0}), startTestRedis(), startHttpStandIn()])
    redis = createRedis(redisServer.url)
    await redisReady(redis)
    db = new pg.Client({connectionString: postgres.url})
    db.on('error', () => undefined) // the Postgres outage test kills its server
    await db.connect()
    const {rows} = await db.query<{id: string; role: 'admin' | 'user'}>('SELECT id, role FROM users')
    ids = {admin: Number(rows.find((r) => r.role === 'admin')!.id), user: Number(rows.find((r) => r.role === 'user')!.id)}
    gateway = await startGateway(
      testGatewayConfig(
        {upstreamUrl: upstream.url, redisUrl: redisServer.url, databaseUrl: postgres.url},
        {authCacheTtlMs: TTL_MS, authCacheStaleMs: STALE_MS, breakerHalfOpenMs: 200, redisTimeoutMs: 200, postgresTimeoutMs: 500},
      ),
      {log: silentLog(), clock},
    )
  })
  afterAll(async () => {
    await client.close()
    await gateway?.close()
    redis?.disconnect()
    await db?.end()
    await Promise.all([postgres?.stop(), redisServer?.stop(), upstream?.close()])
  })
  beforeEach(async () => {
    const used = await redis.keys('scalelab:rl:*')
    if (used.length) await redis.del(...used)
  })

  it('passes requests without credentials as anonymous, with the secret and the client address', async () => {
    const r = await send('/api/v1/resources')
    expect(r.status).toBe(200)
    expect(r.forwarded.headers).toMatchObject({
      [GATEWAY_HEADERS.secret]: TEST_GATEWAY_SECRET,
      [GATEWAY_HEADERS.tier]: 'anonymous',
      [GATEWAY_HEADERS.clientIp]: '127.0.0.1',
    })
    expect(r.forwarded.headers[GATEWAY_HEADERS.userId]).toBeUndefined()
    expect(r.forwarded.headers[GATEWAY_HEADERS.role]).toBeUndefined()
  })

  it('strips every client-sent x-scalelab-* header, whatever its case', async () => {
    const r = await send('/api/v1/resources', {
      headers: {
        'X-Scalelab-Role': 'admin',
        'x-scalelab-user-id': '1',
        'x-scalelab-gateway-secret': 'forged',
        'x-scalelab-tier': 'enterprise',
        'x-scalelab-anything': 'x',
      },
    })
    expect(r.status).toBe(200)
    const h = r.forwarded.headers
    expect(h[GATEWAY_HEADERS.secret]).toBe(TEST_GATEWAY_SECRET)
    expect(h[GATEWAY_HEADERS.tier]).toBe('anonymous')
    expect(h[GATEWAY_HEADERS.role]).toBeUndefined()
    expect(h[GATEWAY_HEADERS.userId]).toBeUndefined()
    expect(h['x-scalelab-anything']).toBeUndefined()
    // A forged role does not open admin routes either.
    expect((await send('/api/v1/admin/cache/clear', {method: 'POST', headers: {'x-scalelab-role': 'admin'}})).status).toBe(401)
  })

  it('accepts a session token and forwards who it is (users get the free tier, admins enterprise)', async () => {
    const user = await send('/api/v1/resources', {headers: bearer(await login('user'))})
    expect(user.status).toBe(200)
    expect(user.forwarded.headers).toMatchObject({
      [GATEWAY_HEADERS.secret]: TEST_GATEWAY_SECRET,
      [GATEWAY_HEADERS.userId]: String(ids.user),
      [GATEWAY_HEADERS.email]: 'user@example.com',
      [GATEWAY_HEADERS.role]: 'user',
      [GATEWAY_HEADERS.tier]: 'free',
    })
    expect(user.headers['ratelimit-policy']).toBe('"free";q=1000;w=60')
    const admin = await send('/api/v1/resources', {headers: bearer(await login('admin'))})
    expect(admin.forwarded.headers[GATEWAY_HEADERS.tier]).toBe('enterprise')
    // The token itself still travels (the API needs it to log out).
    expect(admin.forwarded.headers.authorization).toMatch(/^Bearer tok-admin-/)
  })

  it('refuses missing, malformed, unknown and expired session tokens with 401', async () => {
    for (const authorization of ['Basic dXNlcjpwdw==', 'Bearer', 'Bearer unknown-token']) {
      const r = await send('/api/v1/resources', {headers: {authorization}})
      expect(r.status, authorization).toBe(401)
      expect(r.body).toMatchObject({error: {code: 'unauthorized'}})
      expect(r.forwarded).toBeUndefined()
    }
    const expiring = `tok-expiring-${Date.now()}`
    await redis.set(sessionKey(expiring), JSON.stringify({userId: ids.user, email: 'user@example.com', role: 'user', createdAt: new Date().toISOString()}), 'PX', 50)
    await new Promise((r) => setTimeout(r, 120))
    const expired = await send('/api/v1/resources', {headers: bearer(expiring)})
    expect(expired.status).toBe(401)
    expect(expired.body.error.message).toMatch(/log in again/)
  })

  it('revalidates a cached session after the cache TTL: a logged-out token stops working', async () => {
    const token = await login('user')
    expect((await send('/api/v1/resources', {headers: bearer(token)})).status).toBe(200)
    await redis.del(sessionKey(token))
    // Within the TTL the gateway does not ask Redis again.
    expect((await send('/api/v1/resources', {headers: bearer(token)})).status).toBe(200)
    clock.advance(TTL_MS + 1)
    expect((await send('/api/v1/resources', {headers: bearer(token)})).status).toBe(401)
  })

  it('accepts API keys with the tier of their row, and refuses unknown and revoked keys', async () => {
    const pro = await send('/api/v1/resources', {headers: {'x-api-key': SEED_API_KEYS.pro}})
    expect(pro.status).toBe(200)
    const {rows} = await db.query<{id: string}>('SELECT id FROM api_keys WHERE key_hash = $1', [hashApiKey(SEED_API_KEYS.pro)])
    expect(pro.forwarded.headers).toMatchObject({
      [GATEWAY_HEADERS.tier]: 'pro',
      [GATEWAY_HEADERS.apiKeyId]: rows[0].id,
      [GATEWAY_HEADERS.userId]: String(ids.user),
      [GATEWAY_HEADERS.role]: 'user',
    })
    expect(pro.headers['ratelimit-policy']).toBe('"pro";q=10000;w=60')

    expect((await send('/api/v1/resources', {headers: {'x-api-key': 'sl_nope'}})).status).toBe(401)
    expect((await send('/api/v1/resources', {headers: {'x-api-key': ''}})).status).toBe(401)
    const revokedKey = `sl_revoked_${Date.now()}`
    await db.query(`INSERT INTO api_keys (key_hash, prefix, tier, user_id, name, revoked_at) VALUES ($1, 'sl_revoked', 'pro', $2, 'revoked', now())`, [
      hashApiKey(revokedKey),
      ids.user,
    ])
    const revoked = await send('/api/v1/resources', {headers: {'x-api-key': revokedKey}})
    expect(revoked.status).toBe(401)
    expect(revoked.body.error.message).toMatch(/revoked/)
  })

  it('lets only admins into /api/v1/admin/*: 401 anonymous, 403 user, admin forwarded', async () => {
    const anonymous = await send('/api/v1/admin/cache/clear', {method: 'POST'})
    expect(anonymous.status).toBe(401)
    const user = await send('/api/v1/admin/cache/clear', {method: 'POST', headers: bearer(await login('user'))})
    expect(user.status).toBe(403)
    expect(user.body).toMatchObject({error: {code: 'forbidden'}})
    expect(user.forwarded).toBeUndefined()
    // The same path spelled differently is still an admin path.
    for (const path of ['/api/v1/Admin/cache/clear', '/api/v1//admin/cache/clear', '/api/v1/resources/../admin/cache/clear', '/api/v1/%61dmin/cache/clear']) {
      expect((await send(path, {method: 'POST', headers: bearer(await login('user'))})).status, path).toBe(403)
    }
    const userKey = await send('/api/v1/admin/dashboard', {headers: {'x-api-key': SEED_API_KEYS.enterprise}})
    expect(userKey.status).toBe(403)

    const admin = await send('/api/v1/admin/cache/clear', {method: 'POST', headers: bearer(await login('admin'))})
    expect(admin.status).toBe(200)
    expect(admin.forwarded).toMatchObject({method: 'POST', url: '/api/v1/admin/cache/clear'})
    expect(admin.forwarded.headers[GATEWAY_HEADERS.role]).toBe('admin')
  })

  it('passes login through anonymously, even with a stale token, body intact', async () => {
    const body = JSON.stringify({email: 'user@example.com', password: 'user123'})
    const r = await send('/api/v1/auth/login', {method: 'POST', headers: {'content-type': 'application/json', ...bearer('stale-token')}, body})
    expect(r.status).toBe(200)
    expect(r.forwarded.body).toBe(body)
    expect(r.forwarded.headers[GATEWAY_HEADERS.tier]).toBe('anonymous')
  })

  it('keeps accepting recently validated sessions while Redis is down, and never accepts an unknown one', async () => {
    const seen = await login('user')
    const seenLongAgo = await login('admin')
    expect((await send('/api/v1/resources', {headers: bearer(seenLongAgo)})).status).toBe(200)
    clock.advance(STALE_MS - 3_000)
    expect((await send('/api/v1/resources', {headers: bearer(seen)})).status).toBe(200)
    // Both cache entries are past their TTL: each use now asks Redis first.
    clock.advance(TTL_MS + 1_000)
    const cachedBefore = await authMetric('cached')

    await redisServer.kill()
    try {
      const during = await send('/api/v1/resources', {headers: bearer(seen)})
      expect(during.status).toBe(200)
      expect(during.forwarded.headers[GATEWAY_HEADERS.userId]).toBe(String(ids.user))
      expect(await authMetric('cached')).toBe(cachedBefore + 1)

      const unknown = await send('/api/v1/resources', {headers: bearer('never-seen-token')})
      expect(unknown.status).toBe(503)
      expect(unknown.body).toMatchObject({error: {code: 'auth_unavailable'}})
      expect(unknown.forwarded).toBeUndefined()
      // Validated longer ago than the stale limit: refused too.
      const old = await send('/api/v1/resources', {headers: bearer(seenLongAgo)})
      expect(old.status).toBe(503)
      // Anonymous traffic still flows (the limiter fails open).
      expect((await send('/api/v1/resources')).status).toBe(200)
    } finally {
      await redisServer.restart()
      await redisReady(redis)
    }
  })

  it('keeps accepting recently validated API keys while Postgres is down, and refuses unknown keys with 503', async () => {
    clock.advance(STALE_MS * 2)
    expect((await send('/api/v1/resources', {headers: {'x-api-key': SEED_API_KEYS.free}})).status).toBe(200)
    clock.advance(TTL_MS + 1)
    await postgres.kill()
    try {
      const during = await send('/api/v1/resources', {headers: {'x-api-key': SEED_API_KEYS.free}})
      expect(during.status).toBe(200)
      expect(during.forwarded.headers[GATEWAY_HEADERS.tier]).toBe('free')
      const unknown = await send('/api/v1/resources', {headers: {'x-api-key': 'sl_unknown_key'}})
      expect(unknown.status).toBe(503)
      expect(unknown.headers['retry-after']).toBe('1')
    } finally {
      await postgres.restart()
    }
  })
})
