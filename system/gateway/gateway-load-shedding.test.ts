// Load shedding: when every connection to the upstream is busy, a bounded number of requests wait
// for one, each for a bounded time; the rest get a fast 503 `overloaded` with Retry-After instead
// of queueing without end.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Agent, request} from 'undici'
import {SEED_API_KEYS} from '../../contracts/seed.js'
import {startTestPostgres, startTestRedis, type TestPostgres, type TestRedis} from '../../test/support/datastores.js'
import {silentLog, testGatewayConfig} from '../../test/support/gateway.js'
import {startHttpStandIn, type HttpStandIn} from '../../test/support/http-stand-in.js'
import {startGateway, type RunningGateway} from './gateway.js'

describe('gateway load shedding', () => {
  let postgres: TestPostgres
  let redis: TestRedis
  let upstream: HttpStandIn
  let queueFull: RunningGateway
  let queueTimeout: RunningGateway
  const client = new Agent({connections: 16})

  beforeAll(async () => {
    ;[postgres, redis, upstream] = await Promise.all([startTestPostgres({seedResources: 0}), startTestRedis(), startHttpStandIn()])
    upstream.on('/api/v1/slow', async (_req, res) => {
      await new Promise((r) => setTimeout(r, 600))
      res.writeHead(200, {'content-type': 'application/json'}).end('{"data":{}}')
    })
    const deps = {upstreamUrl: upstream.url, redisUrl: redis.url, databaseUrl: postgres.url}
    // One upstream connection: one request in flight, one may wait, the rest are shed at once.
    queueFull = await startGateway(testGatewayConfig(deps, {upstreamConnections: 1, upstreamMaxQueue: 1, upstreamQueueTimeoutMs: 10_000}), {log: silentLog()})
    // Waiters give up after 150 ms without a connection.
    queueTimeout = await startGateway(testGatewayConfig(deps, {upstreamConnections: 1, upstreamMaxQueue: 100, upstreamQueueTimeoutMs: 150}), {log: silentLog()})
  })
  afterAll(async () => {
    await client.close()
    await Promise.all([queueFull?.close(), queueTimeout?.close()])
    await Promise.all([postgres?.stop(), redis?.stop(), upstream?.close()])
  })

  const slow = async (via: RunningGateway) => {
    const began = performance.now()
    const res = await request(`${via.url}/api/v1/slow`, {headers: {'x-api-key': SEED_API_KEYS.enterprise}, dispatcher: client})
    const body = (await res.body.json()) as {error?: {code: string}}
    return {status: res.statusCode, retryAfter: res.headers['retry-after'], code: body.error?.code, ms: performance.now() - began}
  }

  const shedCount = async (via: RunningGateway) => {
    const text = await (await request(`${via.url}/metrics`, {dispatcher: client})).body.text()
    return Number(/^scalelab_gateway_load_shed_total\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 'NaN')
  }

  it('a full wait queue sheds the excess at once with 503 overloaded and Retry-After', async () => {
    const results = await Promise.all(Array.from({length: 5}, () => slow(queueFull)))
    const served = results.filter((r) => r.status === 200)
    const shed = results.filter((r) => r.status === 503)
    expect(served).toHaveLength(2)
    expect(shed).toHaveLength(3)
    for (const r of shed) {
      expect(r.code).toBe('overloaded')
      expect(r.retryAfter).toBe('1')
      expect(r.ms).toBeLessThan(550) // refused without waiting for the slow upstream
    }
    expect(await shedCount(queueFull)).toBe(3)
  })

  it('a request that waits longer than the queue timeout is shed', async () => {
    const results = await Promise.all(Array.from({length: 3}, () => slow(queueTimeout)))
    expect(results.filter((r) => r.status === 200)).toHaveLength(1)
    const shed = results.filter((r) => r.status === 503)
    expect(shed).toHaveLength(2)
    for (const r of shed) {
      expect(r.code).toBe('overloaded')
      expect(r.ms).toBeGreaterThanOrEqual(140)
      expect(r.ms).toBeLessThan(550)
    }
    expect(await shedCount(queueTimeout)).toBe(2)
  })
})
