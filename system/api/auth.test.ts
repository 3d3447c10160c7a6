import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Redis} from 'ioredis'
import {sessionKey} from '../../contracts/identity.js'
import {SEED_API_KEYS} from '../../contracts/seed.js'
import {startTestPostgres, startTestRedis, type TestPostgres, type TestRedis} from '../../test/support/datastores.js'
import {ADMIN_VIA_GATEWAY, USER_VIA_GATEWAY, call, gatewayHeaders, startTestApi} from '../../test/support/api-harness.js'
import type {ApiInstance} from './server.js'

describe('identity: login, sessions, API keys, gateway trust, admin access', () => {
  let redis: TestRedis
  let postgres: TestPostgres
  let api: ApiInstance
  let adminToken: string
  let userToken: string

  beforeAll(async () => {
    ;[redis, postgres] = await Promise.all([startTestRedis(), startTestPostgres({seedResources: 10})])
    api = await startTestApi({redis, postgres}, {INSTANCE_ID: 'api-auth', SESSION_TTL_SECONDS: '600'})
  })
  afterAll(async () => {
    await api?.close()
    await Promise.all([redis?.stop(), postgres?.stop()])
  })

  const login = (email: string, password: string) => call(api.url, 'POST', '/api/v1/auth/login', {body: {email, password}})
  const bearer = (token: string) => ({authorization: `Bearer ${token}`})

  describe('login and me', () => {
    it('logs in with email and password and stores the session in Redis with a TTL', async () => {
      const r = await login('admin@example.com', 'admin123')
      expect(r.status).toBe(200)
      expect(r.body.data).toMatchObject({tokenType: 'Bearer', expiresInSeconds: 600, user: {email: 'admin@example.com', role: 'admin'}})
      adminToken = r.body.data.token
      expect(adminToken).toMatch(/^[A-Za-z0-9_-]{43}$/) // 32 random bytes
      const direct = new Redis(redis.url)
      try {
        const stored = JSON.parse((await direct.get(sessionKey(adminToken))) ?? 'null')
        expect(stored).toMatchObject({email: 'admin@example.com', role: 'admin', userId: r.body.data.user.id})
        const ttl = await direct.ttl(sessionKey(adminToken))
        expect(ttl).toBeGreaterThan(590)
        expect(ttl).toBeLessThanOrEqual(600)
      } finally {
        direct.disconnect()
      }
      userToken = (await login('USER@example.com', 'user123')).body.data.token
      expect(userToken).toBeTruthy()
    })

    it('refuses wrong passwords and unknown users alike with 401', async () => {
      for (const [email, password] of [
        ['admin@example.com', 'wrong'],
        ['nobody@example.com', 'admin123'],
      ]) {
        const r = await login(email, password)
        expect(r.status).toBe(401)
        expect(r.body.error.code).toBe('invalid_credentials')
      }
    })

    it('validates the login body', async () => {
      expect((await login('not-an-email', 'x')).body.error).toMatchObject({code: 'validation_failed', field: 'email'})
      expect((await login('a@example.com', '')).body.error).toMatchObject({code: 'validation_failed', field: 'password'})
    })

    it('tells who is calling: session, API key, or the gateway', async () => {
      const viaSession = await call(api.url, 'GET', '/api/v1/me', {headers: bearer(adminToken)})
      expect(viaSession.status).toBe(200)
      expect(viaSession.body.data).toMatchObject({kind: 'session', email: 'admin@example.com', role: 'admin', apiKeyId: null})

      const viaKey = await call(api.url, 'GET', '/api/v1/me', {headers: {'x-api-key': SEED_API_KEYS.pro}})
      expect(viaKey.status).toBe(200)
      expect(viaKey.body.data).toMatchObject({kind: 'api-key', tier: 'pro', email: 'user@example.com', role: 'user'})
      expect(viaKey.body.data.apiKeyId).toEqual(expect.any(Number))

      const viaGateway = await call(api.url, 'GET', '/api/v1/me', {
        headers: gatewayHeaders({userId: 77, email: 'g@example.com', role: 'user', tier: 'enterprise', apiKeyId: 5}),
      })
      expect(viaGateway.body.data).toEqual({kind: 'api-key', userId: 77, email: 'g@example.com', role: 'user', tier: 'enterprise', apiKeyId: 5})
    })

    it('answers 401 without identity and for unknown or malformed credentials', async () => {
      for (const headers of <Array<Record<string, string>>>[
        {},
        bearer('A'.repeat(43)),
        bearer('short'),
        {authorization: 'Basic YWRtaW46YWRtaW4xMjM='},
        {'x-api-key': 'sl_pro_nope_000000000000000000000000000000'},
      ]) {
        const r = await call(api.url, 'GET', '/api/v1/me', {headers})
        expect(r.status).toBe(401)
        expect(r.body.error.code).toBe('unauthorized')
      }
    })

    it('stops accepting a session once it is gone from Redis', async () => {
      const token = (await login('user@example.com', 'user123')).body.data.token
      const direct = new Redis(redis.url)
      await direct.del(sessionKey(token))
      direct.disconnect()
      expect((await call(api.url, 'GET', '/api/v1/me', {headers: bearer(token)})).status).toBe(401)
    })
  })

  describe('gateway header trust', () => {
    it('ignores identity headers with a wrong or missing secret', async () => {
      const forged = gatewayHeaders({userId: 1, role: 'admin', tier: 'enterprise'}, 'wrong-secret')
      expect((await call(api.url, 'GET', '/api/v1/me', {headers: forged})).status).toBe(401)
      const {['x-scalelab-gateway-secret']: _, ...noSecret} = forged
      expect((await call(api.url, 'GET', '/api/v1/admin/cache', {headers: noSecret})).status).toBe(401)
    })

    it('checks the caller own credentials when the secret is wrong, not the forged headers', async () => {
      const forged = {...gatewayHeaders({userId: 1, role: 'admin'}, 'wrong-secret'), ...bearer(userToken)}
      const me = await call(api.url, 'GET', '/api/v1/me', {headers: forged})
      expect(me.body.data).toMatchObject({kind: 'session', role: 'user'})
      expect((await call(api.url, 'GET', '/api/v1/admin/cache', {headers: forged})).status).toBe(403)
    })

    it('never trusts the headers when no GATEWAY_SECRET is configured', async () => {
      const noSecretApi = await startTestApi({redis, postgres}, {INSTANCE_ID: 'api-nosecret', GATEWAY_SECRET: ''})
      try {
        for (const secret of ['', 'anything']) {
          const r = await call(noSecretApi.url, 'GET', '/api/v1/me', {headers: gatewayHeaders({userId: 1, role: 'admin'}, secret)})
          expect(r.status).toBe(401)
        }
      } finally {
        await noSecretApi.close()
      }
    })
  })

  describe('admin routes', () => {
    const adminPaths: Array<[string, string]> = [
      ['GET', '/api/v1/admin/circuit-breakers'],
      ['GET', '/api/v1/admin/cache'],
      ['POST', '/api/v1/admin/cache/clear'],
    ]

    it.each(adminPaths)('%s %s: 401 without identity, 403 for a user, 200 for an admin', async (method, path) => {
      expect((await call(api.url, method, path)).status).toBe(401)
      expect((await call(api.url, method, path, {headers: bearer(userToken)})).status).toBe(403)
      expect((await call(api.url, method, path, {headers: USER_VIA_GATEWAY})).status).toBe(403)
      expect((await call(api.url, method, path, {headers: {'x-api-key': SEED_API_KEYS.enterprise}})).status).toBe(403)
      const ok = await call(api.url, method, path, {headers: bearer(adminToken)})
      expect(ok.status).toBe(200)
      expect((await call(api.url, method, path, {headers: ADMIN_VIA_GATEWAY})).status).toBe(200)
    })

    it('lists the breakers with their state and settings', async () => {
      const r = await call(api.url, 'GET', '/api/v1/admin/circuit-breakers', {headers: ADMIN_VIA_GATEWAY})
      expect(r.body.data.redis).toMatchObject({state: 'closed', trips: 0, consecutiveFailures: 5, halfOpenAfterMs: 5000, timeoutMs: 250})
      expect(Object.keys(r.body.data).sort()).toEqual(['external', 'postgres', 'redis'])
    })

    it('allows fault injection only with the gateway secret and the admin role', async () => {
      const body = {errorRate: 0.1}
      expect((await call(api.url, 'PUT', '/api/v1/admin/faults', {body})).status).toBe(401)
      expect((await call(api.url, 'PUT', '/api/v1/admin/faults', {body, headers: USER_VIA_GATEWAY})).status).toBe(403)
      const directAdmin = await call(api.url, 'PUT', '/api/v1/admin/faults', {body, headers: bearer(adminToken)})
      expect(directAdmin.status).toBe(403)
      expect(directAdmin.body.error.message).toContain('gateway secret')
      expect((await call(api.url, 'GET', '/api/v1/admin/faults', {headers: bearer(adminToken)})).status).toBe(403)
      expect((await call(api.url, 'PUT', '/api/v1/admin/faults', {body, headers: ADMIN_VIA_GATEWAY})).status).toBe(200)
      expect((await call(api.url, 'DELETE', '/api/v1/admin/faults', {headers: ADMIN_VIA_GATEWAY})).status).toBe(200)
    })
  })
})
