import {request as httpRequest, type IncomingHttpHeaders} from 'node:http'
import {Readable} from 'node:stream'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Agent, request} from 'undici'
import type {ReadyBody} from '../../contracts/http.js'
import {freePort} from '../../cli/runtime/local/datastores.js'
import {startTestPostgres, startTestRedis, type TestPostgres, type TestRedis} from '../../test/support/datastores.js'
import {silentLog, testGatewayConfig} from '../../test/support/gateway.js'
import {json, startHttpStandIn, type HttpStandIn} from '../../test/support/http-stand-in.js'
import {startGateway, type RunningGateway} from './gateway.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('gateway routing to the upstream', () => {
  let postgres: TestPostgres
  let redis: TestRedis
  let upstream: HttpStandIn
  let gateway: RunningGateway
  let deadGateway: RunningGateway
  const client = new Agent({connections: 8})

  beforeAll(async () => {
    ;[postgres, redis, upstream] = await Promise.all([startTestPostgres({seedResources: 0}), startTestRedis(), startHttpStandIn()])
    const deps = {upstreamUrl: upstream.url, redisUrl: redis.url, databaseUrl: postgres.url}
    gateway = await startGateway(testGatewayConfig(deps, {upstreamTimeoutMs: 400, bodyLimitBytes: 1_000}), {log: silentLog()})
    // Nothing listens on this one's upstream port.
    deadGateway = await startGateway(testGatewayConfig({...deps, upstreamUrl: `http://127.0.0.1:${await freePort()}`}), {log: silentLog()})
  })
  afterAll(async () => {
    await client.close()
    await Promise.all([gateway?.close(), deadGateway?.close()])
    await Promise.all([postgres?.stop(), redis?.stop(), upstream?.close()])
  })

  const send = async (path: string, init: {method?: string; headers?: Record<string, string>; body?: string | Readable} = {}, via = gateway) => {
    const res = await request(`${via.url}${path}`, {method: (init.method ?? 'GET') as 'GET', headers: init.headers, body: init.body, dispatcher: client})
    const text = await res.body.text()
    let body: any = text
    try {
      body = JSON.parse(text)
    } catch {
      // keep text
    }
    return {status: res.statusCode, headers: res.headers, body}
  }

  it('serves /health, /ready with every dependency, and /metrics', async () => {
    expect((await send('/health')).body).toMatchObject({status: 'ok'})
    const ready = await send('/ready')
    expect(ready.status).toBe(200)
    const body = ready.body as ReadyBody
    expect(body.status).toBe('ready')
    expect(Object.keys(body.checks).sort()).toEqual(['postgres', 'redis', 'upstream'])
    expect(Object.values(body.checks).every((c) => c.state === 'up')).toBe(true)
    await send('/api/v1/resources/7')
    const metrics = await send('/metrics')
    expect(metrics.headers['content-type']).toMatch(/text\/plain/)
    expect(metrics.body).toMatch(/scalelab_http_requests_total\{route="\/api\/v1\/resources",method="GET",status="200",service="gateway",instance="gateway"\} \d+/)
    expect(metrics.body).toMatch(/scalelab_http_request_duration_seconds_count\{[^}]*route="\/api\/v1\/resources",method="GET"\} 1/)
    expect(metrics.body).toMatch(/scalelab_breaker_state\{dependency="redis",[^}]*\} 0/)
    expect(metrics.body).toMatch(/scalelab_breaker_state\{dependency="postgres",[^}]*\} 0/)
    expect(metrics.body).toMatch(/scalelab_db_pool_connections/)
  })

  it('reports degraded (still 200) when the upstream is gone, and unavailable (503) while draining', async () => {
    const ready = await send('/ready', {}, deadGateway)
    expect(ready.status).toBe(200)
    expect(ready.body).toMatchObject({status: 'degraded', degraded: ['upstream'], checks: {upstream: {state: 'down'}}})
    deadGateway.beginDrain()
    const draining = await send('/ready', {}, deadGateway)
    expect(draining.status).toBe(503)
    expect(draining.body.status).toBe('unavailable')
  })

  it('keeps a plain client request id, replaces an unsafe one, and forwards and echoes it', async () => {
    upstream.requests.length = 0
    const kept = await send('/api/v1/resources', {headers: {'x-request-id': 'client-req-42'}})
    expect(kept.headers['x-request-id']).toBe('client-req-42')
    expect(upstream.requests[0].headers['x-request-id']).toBe('client-req-42')
    const replaced = await send('/api/v1/resources', {headers: {'x-request-id': 'bad id with spaces'}})
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(upstream.requests[1].headers['x-request-id']).toBe(replaced.headers['x-request-id'])
    const generated = await send('/api/v1/nope-here', {method: 'DELETE'})
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    // Errors the gateway answers itself carry it too, in the header and the envelope.
    const notFound = await send('/somewhere-else', {headers: {'x-request-id': 'nf-1'}})
    expect(notFound.status).toBe(404)
    expect(notFound.body).toMatchObject({error: {code: 'not_found'}, meta: {requestId: 'nf-1', instance: 'gateway'}})
  })

  it('passes status, headers and query through, and keeps hop-by-hop headers to one hop', async () => {
    upstream.on('/api/v1/things', (req, res) => {
      res.writeHead(201, {'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'], 'x-custom': 'yes', 'keep-alive': 'timeout=99'})
      res.end(JSON.stringify({data: {created: true}, meta: {}}))
    })
    upstream.requests.length = 0
    // node:http, not undici: undici replaces a caller's Connection header with its own.
    const r = await new Promise<{status: number; headers: IncomingHttpHeaders; body: unknown}>((resolve, reject) => {
      const req = httpRequest(`${gateway.url}/api/v1/things?x=1&y=two`, {
        method: 'POST',
        headers: {'content-type': 'application/json', connection: 'keep-alive, x-hop', 'x-hop': 'drop-me'},
      })
      req.on('response', async (res) => {
        let text = ''
        for await (const c of res) text += c
        resolve({status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text)})
      })
      req.on('error', reject)
      req.end('{"a":1}')
    })
    expect(r.status).toBe(201)
    expect(r.headers['set-cookie']).toEqual(['a=1', 'b=2'])
    expect(r.headers['x-custom']).toBe('yes')
    expect(r.headers['keep-alive']).not.toBe('timeout=99')
    expect(r.body).toEqual({data: {created: true}, meta: {}})
    expect(upstream.requests[0]).toMatchObject({method: 'POST', url: '/api/v1/things?x=1&y=two', body: '{"a":1}'})
    expect(upstream.requests[0].headers['x-hop']).toBeUndefined()
    expect(upstream.requests[0].headers['x-forwarded-for']).toBe('127.0.0.1')
  })

  it('streams response bodies: the first chunk arrives before the upstream has finished', async () => {
    upstream.on('/api/v1/stream', async (_req, res) => {
      res.writeHead(200, {'content-type': 'text/plain'})
      res.write('first;')
      await sleep(300)
      res.end('second')
    })
    const began = performance.now()
    const res = await request(`${gateway.url}/api/v1/stream`, {dispatcher: client})
    const chunks: Array<{at: number; text: string}> = []
    for await (const chunk of res.body) chunks.push({at: performance.now() - began, text: chunk.toString()})
    expect(chunks.map((c) => c.text).join('')).toBe('first;second')
    expect(chunks[0].text).toBe('first;')
    expect(chunks[0].at).toBeLessThan(250)
    expect(chunks[chunks.length - 1].at).toBeGreaterThanOrEqual(290)
  })

  it('streams chunked request bodies to the upstream', async () => {
    upstream.requests.length = 0
    async function* parts() {
      for (const part of ['part-1;', 'part-2;', 'part-3']) {
        yield part
        await sleep(50)
      }
    }
    const r = await send('/api/v1/upload', {method: 'POST', body: Readable.from(parts())})
    expect(r.status).toBe(200)
    expect(upstream.requests[0].body).toBe('part-1;part-2;part-3')
    // Not buffered first: the length was unknown when the gateway started sending upstream.
    expect(upstream.requests[0].headers['transfer-encoding']).toBe('chunked')
  })

  it('refuses bodies over the limit with 413, by Content-Length or while streaming', async () => {
    upstream.requests.length = 0
    const declared = await send('/api/v1/upload', {method: 'POST', headers: {'content-type': 'text/plain'}, body: 'x'.repeat(1_001)})
    expect(declared.status).toBe(413)
    expect(declared.body).toMatchObject({error: {code: 'payload_too_large'}})
    expect(upstream.requests).toHaveLength(0)

    upstream.on('/api/v1/slow-reader', async (req, res) => {
      for await (const _ of req) {
        // drain
      }
      json(res, 200, {data: {}, meta: {}})
    })
    async function* big() {
      for (let i = 0; i < 5; i++) {
        yield 'y'.repeat(400)
        await sleep(20)
      }
    }
    const streamed = await send('/api/v1/slow-reader', {method: 'POST', body: Readable.from(big())})
    expect(streamed.status).toBe(413)
    expect(streamed.body.error.code).toBe('payload_too_large')
  })

  it('answers 504 with an envelope when the upstream is too slow, without waiting for it', async () => {
    upstream.on('/api/v1/slow', async (_req, res) => {
      await sleep(2_000)
      if (!res.destroyed) json(res, 200, {data: 'late', meta: {}})
    })
    const began = performance.now()
    const r = await send('/api/v1/slow', {headers: {'x-request-id': 'slow-1'}})
    expect(r.status).toBe(504)
    expect(r.body).toMatchObject({error: {code: 'upstream_timeout'}, meta: {requestId: 'slow-1'}})
    expect(r.headers.ratelimit).toBeDefined()
    expect(performance.now() - began).toBeLessThan(1_500)
  })

  it('answers 502 with an envelope, at once, when the upstream cannot be reached', async () => {
    const began = performance.now()
    const r = await send('/api/v1/resources', {}, deadGateway)
    expect(r.status).toBe(502)
    expect(r.body).toMatchObject({error: {code: 'upstream_unreachable'}, meta: {requestId: expect.any(String)}})
    expect(performance.now() - began).toBeLessThan(1_000)
  })
})
