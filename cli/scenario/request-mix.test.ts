// Request templates and identities against a real gateway in front of a real API instance (real
// Redis and Postgres underneath): what the mix generates must be what the system accepts.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {API_KEY_HEADER} from '../../contracts/identity.js'
import {SEED_API_KEYS} from '../../contracts/seed.js'
import {startGateway, type RunningGateway} from '../../system/gateway/gateway.js'
import type {ApiInstance} from '../../system/api/server.js'
import {startTestApi, TEST_GATEWAY_SECRET} from '../../test/support/api-harness.js'
import {startTestPostgres, startTestRedis, type TestPostgres, type TestRedis} from '../../test/support/datastores.js'
import {silentLog, testGatewayConfig} from '../../test/support/gateway.js'
import {flushCaches} from '../bench/setup.js'
import {UserError} from '../errors.js'
import type {RequestSpec} from '../load/types.js'
import {identityHeaders} from './identities.js'
import {parseScenarioText} from './load-scenario.js'
import {buildRequestMix} from './request-mix.js'
import {resolveScenario} from './resolve-scenario.js'
import {seededRandom} from './zipf.js'

const SEEDED = 200

const scenario = resolveScenario(
  parseScenarioText(
    `name: mix
description: templates against the real system
identities:
  reader: {kind: api-key, tier: enterprise}
  writer: {kind: user, email: user@example.com, password: user123}
requests:
  - name: read
    weight: 3
    path: /api/v1/resources/{{id}}
    identity: reader
    ids: {distribution: uniform, max: ${SEEDED}}
  - name: create
    weight: 1
    method: POST
    path: /api/v1/resources
    identity: writer
    body: {name: "bench-{{seq}}", description: "trace {{uuid}}", data: {again: "{{uuid}}"}}
  - name: anonymous-read
    weight: 1
    path: /api/v1/resources/{{id}}?same={{id}}
    ids: {distribution: zipf, s: 1.2, max: ${SEEDED}}
phases: [{name: p, duration: 1s, rate: 1}]
`,
    'mix.yaml',
  ),
)

let redis: TestRedis
let postgres: TestPostgres
let api: ApiInstance
let gateway: RunningGateway

beforeAll(async () => {
  ;[redis, postgres] = await Promise.all([startTestRedis(), startTestPostgres({seedResources: SEEDED})])
  api = await startTestApi({redis, postgres})
  gateway = await startGateway(
    testGatewayConfig({upstreamUrl: api.url, redisUrl: redis.url, databaseUrl: postgres.url}, {gatewaySecret: TEST_GATEWAY_SECRET}),
    {log: silentLog()},
  )
})
afterAll(async () => {
  await gateway?.close()
  await api?.close()
  await Promise.all([redis?.stop(), postgres?.stop()])
})

async function send(spec: RequestSpec) {
  const response = await fetch(`${gateway.url}${spec.path}`, {method: spec.method, headers: spec.headers, body: spec.body})
  const text = await response.text()
  return {status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined}
}

describe('identities', () => {
  it('an API key identity sends the seeded key of its tier; a user logs in once through the gateway', async () => {
    const headers = await identityHeaders(scenario.identities, ['reader', 'writer', 'anonymous'], gateway.url)
    expect(headers.reader).toEqual({[API_KEY_HEADER]: SEED_API_KEYS.enterprise})
    expect(headers.anonymous).toEqual({})
    expect(headers.writer.authorization).toMatch(/^Bearer \S+$/)
    const me = await send({method: 'GET', path: '/api/v1/me', headers: headers.writer})
    expect(me.status).toBe(200)
    expect(me.body.data.email).toBe('user@example.com')
  })

  it('a wrong password is a UserError naming the identity and the reason', async () => {
    const bad = {...scenario.identities, writer: {kind: 'user' as const, email: 'user@example.com', password: 'nope'}}
    const attempt = identityHeaders(bad, ['writer'], gateway.url)
    await expect(attempt).rejects.toThrow(UserError)
    await expect(identityHeaders(bad, ['writer'], gateway.url)).rejects.toThrow(/Cannot log in identity "writer" as user@example.com .*: the email or password is wrong/)
  })
})

describe('request mix against the gateway', () => {
  it('every generated request is accepted, carries its identity, and fills placeholders consistently', async () => {
    const headers = await identityHeaders(scenario.identities, ['reader', 'writer', 'anonymous'], gateway.url)
    const uuids: string[] = []
    const mix = buildRequestMix(scenario.requests, headers, {random: seededRandom(11), uuid: () => `u-${uuids.push('x')}`})
    const byTemplate = new Map<string, number>()
    for (let i = 0; i < 40; i++) {
      const spec = mix.next()
      byTemplate.set(spec.tag!, (byTemplate.get(spec.tag!) ?? 0) + 1)
      const response = await send(spec)
      if (spec.tag === 'create') {
        expect(response.status).toBe(201)
        const body = JSON.parse(spec.body as string)
        // {{seq}} counts requests of the whole mix; one {{uuid}} per request wherever it appears.
        expect(response.body.data.name).toBe(`bench-${i + 1}`)
        expect(body.description.replace('trace ', '')).toBe(body.data.again)
        expect(response.headers.get('ratelimit-policy')).toContain('"free"')
      } else {
        expect(response.status).toBe(200)
        const id = Number(spec.path.split('/').pop()!.split('?')[0])
        expect(id).toBeGreaterThanOrEqual(1)
        expect(id).toBeLessThanOrEqual(SEEDED)
        expect(response.body.data.id).toBe(id)
        if (spec.tag === 'anonymous-read') {
          expect(spec.path).toBe(`/api/v1/resources/${id}?same=${id}`)
          expect(response.headers.get('ratelimit-policy')).toContain('"anonymous"')
        } else {
          expect(response.headers.get('ratelimit-policy')).toContain('"enterprise"')
        }
      }
    }
    expect(mix.count).toBe(40)
    expect([...byTemplate.keys()].sort()).toEqual(['anonymous-read', 'create', 'read'])
  })

  it('picks templates by weight', () => {
    const headers = {reader: {}, writer: {}, anonymous: {}}
    const mix = buildRequestMix(scenario.requests, headers, {random: seededRandom(5)})
    const counts: Record<string, number> = {}
    for (let i = 0; i < 50_000; i++) {
      const tag = mix.next().tag!
      counts[tag] = (counts[tag] ?? 0) + 1
    }
    expect(counts.read / 50_000).toBeCloseTo(3 / 5, 1)
    expect(counts.create / 50_000).toBeCloseTo(1 / 5, 1)
    expect(counts['anonymous-read'] / 50_000).toBeCloseTo(1 / 5, 1)
  })

  it('setup flushCaches empties the cache through the admin endpoint', async () => {
    const headers = {[API_KEY_HEADER]: SEED_API_KEYS.enterprise}
    await send({method: 'GET', path: '/api/v1/resources/7', headers})
    expect((await send({method: 'GET', path: '/api/v1/resources/7', headers})).headers.get('x-cache')).toBe('L1')
    expect(await flushCaches(gateway.url)).toMatch(/^setup: caches cleared \(\d+ Redis keys deleted; every instance told to drop its L1\)$/)
    expect((await send({method: 'GET', path: '/api/v1/resources/7', headers})).headers.get('x-cache')).toBe('MISS')
  })
})
