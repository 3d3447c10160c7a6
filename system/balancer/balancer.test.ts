import {createHash} from 'node:crypto'
import http from 'node:http'
import {afterEach, describe, expect, it} from 'vitest'
import {Agent, request} from 'undici'
import type {BalancerStatus, ErrorEnvelope, ReadyBody} from '../../contracts/http.js'
import {freePort} from '../../cli/runtime/local/datastores.js'
import {startBalancer, type BalancerDeps, type RunningBalancer} from './balancer.js'
import {balancerConfig, type BalancerEnv} from './config.js'
import {FakeClock, seededRandom, sequenceRandom} from './testing/fake-clock.js'
import {echo, startTestBackend, type EchoBody, type TestBackend} from './testing/test-backend.js'

const SECRET = 'test-secret'
const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined)
})

const client = new Agent({connections: 16})
cleanups.push(() => Promise.resolve())

async function backend(...args: Parameters<typeof startTestBackend>): Promise<TestBackend> {
  const b = await startTestBackend(...args)
  cleanups.push(() => b.close())
  return b
}

/** A backend spec where nothing listens: connections are refused. */
async function deadSpec(name: string) {
  return {name, host: '127.0.0.1', port: await freePort(), weight: 1}
}

async function balancer(specs: string, env: Partial<Record<keyof BalancerEnv, string>> = {}, deps: BalancerDeps = {}): Promise<RunningBalancer> {
  const lb = await startBalancer(
    balancerConfig({PORT: '0', BACKENDS: specs, GATEWAY_SECRET: SECRET, LOG_LEVEL: 'silent', LB_HEALTH_INTERVAL_MS: '0', ...env}),
    {manualTimers: true, ...deps},
  )
  cleanups.push(() => lb.stop(100))
  return lb
}

const list = (...specs: Array<{name: string; port: number; weight?: number}>) => specs.map((s) => `${s.name}=127.0.0.1:${s.port}${s.weight && s.weight !== 1 ? `@${s.weight}` : ''}`).join(',')

async function call(lb: RunningBalancer, path: string, init: {method?: string; headers?: Record<string, string>; body?: string | Buffer} = {}) {
  const res = await request(lb.url + path, {dispatcher: client, method: (init.method ?? 'GET') as 'GET', headers: init.headers, body: init.body})
  const text = await res.body.text()
  return {status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) as unknown}
}

/** node:http sends headers as given (undici's client drops Connection), which the hop-by-hop test needs. */
function rawCall(lb: RunningBalancer, path: string, method: string, headers: Record<string, string>, body: string): Promise<{status: number; headers: http.IncomingHttpHeaders; text: string}> {
  return new Promise((resolve, reject) => {
    const req = http.request(lb.url + path, {method, headers, agent: false}, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (text += c))
      res.on('end', () => resolve({status: res.statusCode!, headers: res.headers, text}))
    })
    req.on('error', reject)
    req.end(body)
  })
}

async function metricValue(lb: RunningBalancer, name: string, labels: Record<string, string> = {}): Promise<number> {
  const {body} = await lb.metricsText()
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  const line = body.split('\n').find((l) => l.startsWith(name + '{') && want.every((w) => l.includes(w)))
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1))
}

describe('proxying', () => {
  it('forwards method, path, headers and body, and the response back', async () => {
    const a = await backend('api-1', (req, res, body) => {
      res.statusCode = 201
      res.setHeader('x-from-backend', 'yes')
      echo('api-1')(req, res, body)
    })
    const lb = await balancer(list(a))
    const res = await rawCall(
      lb,
      '/api/v1/things?x=1',
      'POST',
      {'content-type': 'text/plain', 'x-custom': '1', connection: 'keep-alive, x-hop', 'x-hop': 'secret', 'x-forwarded-for': '10.0.0.1', te: 'trailers'},
      'hello',
    )
    expect(res.status).toBe(201)
    expect(res.headers['x-from-backend']).toBe('yes')
    const seen = JSON.parse(res.text) as EchoBody
    expect(seen).toMatchObject({method: 'POST', url: '/api/v1/things?x=1', body: 'hello'})
    expect(seen.headers['x-custom']).toBe('1')
    expect(seen.headers['x-hop']).toBeUndefined()
    expect(seen.headers.te).toBeUndefined()
    expect(seen.headers['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.1')
    expect(seen.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)

    const kept = (await call(lb, '/x', {headers: {'x-request-id': 'req-42'}})).json() as EchoBody
    expect(kept.headers['x-request-id']).toBe('req-42')
  })

  it('streams large bodies both ways intact', async () => {
    const a = await backend('api-1', (_req, res, body) => {
      res.setHeader('content-type', 'application/octet-stream')
      res.end(body) // echoes the bytes
    })
    const lb = await balancer(list(a))
    const payload = Buffer.alloc(3 * 1024 * 1024)
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff
    const res = await request(lb.url + '/upload', {dispatcher: client, method: 'PUT', body: payload})
    const back = Buffer.from(await res.body.arrayBuffer())
    expect(res.statusCode).toBe(200)
    expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'))
  })

  it('splits traffic by weight when weights differ', async () => {
    const a = await backend('api-1', echo('api-1'), 3)
    const b = await backend('api-2', echo('api-2'), 1)
    const lb = await balancer(list(a.spec, b.spec), {}, {random: seededRandom(11)})
    expect(lb.status().algorithm).toBe('weighted-least-request')
    for (let i = 0; i < 40; i++) expect((await call(lb, '/w')).status).toBe(200)
    expect(Math.abs(a.traffic - 30)).toBeLessThanOrEqual(1)
  })
})

describe('retries', () => {
  it('retries a request that could not connect on another backend, whatever its method', async () => {
    const dead = await deadSpec('api-dead')
    const live = await backend('api-live')
    // Draws 0, 0: the two-choice pick lands on the first backend, the dead one.
    const lb = await balancer(list(dead, live), {}, {random: sequenceRandom([0, 0])})
    const res = await call(lb, '/orders', {method: 'POST', body: 'one order'})
    expect(res.status).toBe(200)
    expect(res.json()).toMatchObject({backend: 'api-live', body: 'one order'})
    expect(await metricValue(lb, 'scalelab_lb_retries_total', {reason: 'connect_failure'})).toBe(1)
    expect(await metricValue(lb, 'scalelab_lb_backend_requests_total', {backend: 'api-dead', outcome: 'error'})).toBe(1)
  })

  it('never retries a non-idempotent request that reached a backend, but retries an idempotent one', async () => {
    const breaker = await backend('api-breaker', (req) => req.socket.destroy()) // reads the request, then drops the connection
    const live = await backend('api-live')
    const lb = await balancer(list(breaker.spec, live.spec), {}, {random: sequenceRandom([0, 0])})

    const post = await call(lb, '/payments', {method: 'POST', body: 'charge 10'})
    expect(post.status).toBe(502)
    expect((post.json() as ErrorEnvelope).error.code).toBe('upstream_unavailable')
    expect(breaker.traffic).toBe(1)
    expect(live.traffic).toBe(0)

    const get = await call(lb, '/payments/1')
    expect(get.status).toBe(200)
    expect(live.traffic).toBe(1)
    expect(await metricValue(lb, 'scalelab_lb_retries_total', {reason: 'reset'})).toBe(1)
  })

  it('refuses retries the budget does not cover, and counts them', async () => {
    const dead = await deadSpec('api-dead')
    const live = await backend('api-live')
    const lb = await balancer(list(dead, live), {LB_RETRY_BUDGET_PERCENT: '0', LB_RETRY_MIN_CONCURRENCY: '0'}, {random: sequenceRandom([0, 0])})
    const res = await call(lb, '/x')
    expect(res.status).toBe(502)
    expect(live.traffic).toBe(0)
    expect(await metricValue(lb, 'scalelab_lb_retries_total', {reason: 'budget_exhausted'})).toBe(1)
  })

  it('answers 504 when a backend never sends its response headers', async () => {
    const stuck = await backend('api-stuck', () => undefined)
    const lb = await balancer(list(stuck.spec), {LB_HEADERS_TIMEOUT_MS: '300'})
    const began = Date.now()
    const res = await call(lb, '/slow')
    expect(res.status).toBe(504)
    expect((res.json() as ErrorEnvelope).error.code).toBe('upstream_timeout')
    expect(Date.now() - began).toBeLessThan(3000)
    expect(await metricValue(lb, 'scalelab_lb_backend_requests_total', {backend: 'api-stuck', outcome: 'timeout'})).toBe(1)
  })
})

describe('in-flight limit', () => {
  it('answers 503 with Retry-After when every backend is at its limit', async () => {
    const held: Array<() => void> = []
    let holding = true
    const slow = await backend('api-slow', (req, res, body) => (holding ? held.push(() => echo('api-slow')(req, res, body)) : echo('api-slow')(req, res, body)))
    const lb = await balancer(list(slow.spec), {LB_MAX_IN_FLIGHT_PER_BACKEND: '1'})
    const first = call(lb, '/hold')
    while (held.length === 0) await new Promise((r) => setTimeout(r, 10))

    const refused = await call(lb, '/more')
    expect(refused.status).toBe(503)
    expect(refused.headers['retry-after']).toBe('1')
    const envelope = refused.json() as ErrorEnvelope
    expect(envelope.error.code).toBe('overloaded')
    expect(envelope.meta.requestId).toBeTruthy()
    expect(await metricValue(lb, 'scalelab_lb_overloaded_total')).toBe(1)

    holding = false
    held[0]()
    expect((await first).status).toBe(200)
    expect((await call(lb, '/after')).status).toBe(200)
  })
})

describe('membership', () => {
  it('PUT /lb/backends needs the gateway secret and a valid body', async () => {
    const a = await backend('api-1')
    const lb = await balancer(list(a))
    const body = JSON.stringify({backends: [{name: 'api-1', host: '127.0.0.1', port: a.port}]})
    expect((await call(lb, '/lb/backends', {method: 'PUT', body})).status).toBe(403)
    expect((await call(lb, '/lb/backends', {method: 'PUT', body, headers: {'x-scalelab-gateway-secret': 'wrong'}})).status).toBe(403)
    const bad = await call(lb, '/lb/backends', {method: 'PUT', body: '{"backends":[{"name":"x"}]}', headers: {'x-scalelab-gateway-secret': SECRET}})
    expect(bad.status).toBe(400)
    expect((bad.json() as ErrorEnvelope).error.message).toMatch(/backends\.0\.host/)
  })

  it('replaces the set, keeping the state of backends that stay', async () => {
    const a = await backend('api-1')
    const b = await backend('api-2')
    const c = await backend('api-3')
    const lb = await balancer(list(a, b), {}, {random: seededRandom(4)})
    for (let i = 0; i < 10; i++) await call(lb, '/x')
    const before = lb.status().backends.find((x) => x.name === 'api-2')!.requests

    const res = await call(lb, '/lb/backends', {
      method: 'PUT',
      headers: {'x-scalelab-gateway-secret': SECRET, 'content-type': 'application/json'},
      body: JSON.stringify({backends: [b.spec, {...c.spec, weight: 2}]}),
    })
    expect(res.status).toBe(200)
    const status = res.json() as BalancerStatus
    expect(status.backends.map((x) => [x.name, x.weight])).toEqual([
      ['api-2', 1],
      ['api-3', 2],
    ])
    expect(status.backends[0].requests).toBe(before)
    expect(status.algorithm).toBe('weighted-least-request')

    const aBefore = a.traffic
    for (let i = 0; i < 12; i++) expect((await call(lb, '/y')).status).toBe(200)
    expect(a.traffic).toBe(aBefore)
    expect(c.traffic).toBeGreaterThan(0)
  })

  it('follows BACKENDS_DNS as its answer changes, and keeps the last answer when resolution fails', async () => {
    const a = await backend('api')
    let answer: string[] | Error = ['127.0.0.1']
    const resolve = async () => {
      if (answer instanceof Error) throw answer
      return answer
    }
    const lb = await startBalancer(balancerConfig({PORT: '0', BACKENDS_DNS: `api.internal:${a.port}`, LOG_LEVEL: 'silent', LB_HEALTH_INTERVAL_MS: '0'}), {manualTimers: true, resolve})
    cleanups.push(() => lb.stop(100))
    expect(lb.status().backends.map((x) => x.name)).toEqual([`127.0.0.1:${a.port}`])
    expect((await call(lb, '/via-dns')).status).toBe(200)

    answer = ['127.0.0.2', '127.0.0.1']
    await lb.tickDns()
    expect(lb.status().backends.map((x) => x.name)).toEqual([`127.0.0.1:${a.port}`, `127.0.0.2:${a.port}`])
    expect(lb.status().backends[0].requests).toBe(1)

    answer = new Error('SERVFAIL')
    await lb.tickDns()
    expect(lb.status().backends).toHaveLength(2)

    answer = ['127.0.0.2']
    await lb.tickDns()
    expect(lb.status().backends.map((x) => x.name)).toEqual([`127.0.0.2:${a.port}`])
  })
})

describe('health, readiness and status', () => {
  it('is ready while a backend is healthy, degraded when none is, unavailable while draining', async () => {
    const a = await backend('api-1')
    const dead = await deadSpec('api-dead')
    const clock = new FakeClock()
    const lb = await balancer(list(a, dead), {LB_HEALTH_INTERVAL_MS: '1000', LB_HEALTH_TIMEOUT_MS: '500', LB_UNHEALTHY_THRESHOLD: '2'}, {clock})

    let ready = await call(lb, '/ready')
    expect(ready.status).toBe(200)
    expect((ready.json() as ReadyBody).status).toBe('ready')
    expect(lb.status().backends.map((x) => [x.name, x.healthy])).toEqual([
      ['api-1', true],
      ['api-dead', false],
    ])
    // Traffic only goes to the healthy one.
    for (let i = 0; i < 5; i++) expect((await call(lb, '/x')).status).toBe(200)
    expect(a.traffic).toBe(5)

    await a.close()
    for (let i = 0; i < 2; i++) {
      clock.advance(1000)
      await lb.tickHealth()
    }
    ready = await call(lb, '/ready')
    expect(ready.status).toBe(200)
    const body = ready.json() as ReadyBody
    expect(body.status).toBe('degraded')
    expect(body.checks['api-1'].state).toBe('down')
    expect(await metricValue(lb, 'scalelab_lb_backend_healthy', {backend: 'api-1'})).toBe(0)

    lb.startDraining()
    ready = await call(lb, '/ready')
    expect(ready.status).toBe(503)
    expect((ready.json() as ReadyBody).status).toBe('unavailable')
  })

  it('serves /health, /lb/status and the contract metrics', async () => {
    const a = await backend('api-1')
    const lb = await balancer(list(a))
    await call(lb, '/x')
    expect((await call(lb, '/health')).status).toBe(200)
    const status = (await call(lb, '/lb/status')).json() as BalancerStatus
    expect(status).toMatchObject({instance: 'balancer', algorithm: 'p2c-least-request'})
    expect(status.backends[0]).toMatchObject({name: 'api-1', address: `127.0.0.1:${a.port}`, weight: 1, healthy: true, ejected: false, ejectedUntil: null, ejections: 0, inFlight: 0, requests: 1})
    const metrics = (await call(lb, '/metrics')).text
    for (const name of ['scalelab_lb_backend_requests_total', 'scalelab_lb_backend_in_flight', 'scalelab_lb_backend_healthy', 'scalelab_lb_backend_ejected', 'scalelab_lb_ejections_total', 'scalelab_lb_retries_total', 'scalelab_lb_overloaded_total', 'scalelab_http_requests_total']) {
      expect(metrics).toContain(`# TYPE ${name}`)
    }
    expect(await metricValue(lb, 'scalelab_http_requests_total', {route: 'proxy', method: 'GET', status: '200'})).toBe(1)
    expect((await call(lb, '/lb/nope')).status).toBe(404)
  })
})

describe('lifecycle', () => {
  it('lets in-flight requests finish when stopping', async () => {
    const held: Array<() => void> = []
    const slow = await backend('api-slow', (req, res, body) => held.push(() => echo('api-slow')(req, res, body)))
    const lb = await startBalancer(balancerConfig({PORT: '0', BACKENDS: list(slow.spec), LOG_LEVEL: 'silent', LB_HEALTH_INTERVAL_MS: '0'}), {manualTimers: true})
    const inFlight = call(lb, '/long')
    while (held.length === 0) await new Promise((r) => setTimeout(r, 10))
    const stopped = lb.stop(5000)
    expect((await call(lb, '/ready').catch(() => ({status: 0}))).status).not.toBe(200)
    held[0]()
    expect((await inFlight).status).toBe(200)
    await stopped
  })

  it('cancels the upstream request when the client goes away, without blaming the backend', async () => {
    const held: Array<() => void> = []
    let upstreamClosed = false
    const slow = await backend('api-slow', (req, res) => {
      res.on('close', () => (upstreamClosed = true))
      held.push(() => res.end('late'))
    })
    const lb = await balancer(list(slow.spec))
    const controller = new AbortController()
    const pending = request(lb.url + '/long', {dispatcher: client, signal: controller.signal}).catch((err: Error) => err)
    while (held.length === 0) await new Promise((r) => setTimeout(r, 10))
    controller.abort()
    expect(await pending).toBeInstanceOf(Error)
    expect(await waitUntil(() => upstreamClosed && lb.status().backends[0].inFlight === 0)).toBe(true)
    expect(lb.fleet.all[0].consecutiveFailures).toBe(0)
    expect(await metricValue(lb, 'scalelab_lb_backend_requests_total', {backend: 'api-slow', outcome: 'error'})).toBe(0)
  })
})

async function waitUntil(check: () => boolean, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) return false
    await new Promise((r) => setTimeout(r, 10))
  }
  return true
}

describe('requests that cannot be forwarded', () => {
  it('answers 400 to OPTIONS * (valid HTTP, but not a path undici sends), without blaming the backend', async () => {
    const a = await backend('api-1')
    const lb = await balancer(list(a))
    const res = await new Promise<number>((resolve, reject) => {
      const req = http.request({host: '127.0.0.1', port: lb.port, method: 'OPTIONS', path: '*', agent: false}, (r) => {
        r.resume()
        resolve(r.statusCode!)
      })
      req.on('error', reject)
      req.end()
    })
    expect(res).toBe(400)
    expect(a.traffic).toBe(0)
    expect(lb.fleet.all[0].consecutiveFailures).toBe(0)
    expect((await call(lb, '/still-fine')).status).toBe(200)
  })
})
