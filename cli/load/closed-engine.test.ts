import {afterEach, describe, expect, it} from 'vitest'
import {reply, startTestHttpServer, type TestHttpServer} from '../../test/support/http-servers.js'
import {startClosedPhase} from './closed-engine.js'
import {constantSource} from './request-sources.js'
import type {CapturedResponse, OutcomeCounts, PhaseSpec, RequestSource, RequestSpec} from './types.js'

const servers: TestHttpServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function server(handler: Parameters<typeof startTestHttpServer>[0]): Promise<TestHttpServer> {
  const s = await startTestHttpServer(handler)
  servers.push(s)
  return s
}

const get: RequestSpec = {method: 'GET', path: '/'}

describe('closed engine', () => {
  it('sends a different request each time from the source (per-request templates)', async () => {
    const received = new Map<number, {method: string; url: string; header: string; body: string}>()
    const target = await server((req, res, body) => {
      const seq = Number(req.headers['x-seq'])
      received.set(seq, {method: req.method!, url: req.url!, header: String(req.headers['x-seq']), body})
      reply(res, 200)
    })
    let seq = 0
    const source: RequestSource = {
      next(): RequestSpec {
        seq++
        return seq % 2
          ? {method: 'POST', path: `/items/${seq}`, headers: {'x-seq': String(seq), 'content-type': 'application/json'}, body: JSON.stringify({seq})}
          : {method: 'GET', path: `/items/${seq}?view=full`, headers: {'x-seq': String(seq)}}
      },
    }
    const result = await startClosedPhase({
      target: target.url,
      durationMs: 1500,
      load: {model: 'closed', connections: 4},
      source,
    }).result

    expect(result.model).toBe('closed')
    expect(result.connections).toBe(4)
    expect(result.totals.sent).toBe(seq)
    expect(seq).toBeGreaterThan(100)
    expect(result.outcomes.status2xx + result.totals.unfinished).toBe(result.totals.sent)
    expect(result.totals.unfinished).toBeLessThanOrEqual(4)
    expect(result.outcomes.status2xx).toBeGreaterThanOrEqual(received.size - 4)
    // Every request the server saw is exactly the template the source produced for its number.
    for (const [n, r] of received) {
      if (n % 2) expect(r).toEqual({method: 'POST', url: `/items/${n}`, header: String(n), body: JSON.stringify({seq: n})})
      else expect(r).toEqual({method: 'GET', url: `/items/${n}?view=full`, header: String(n), body: ''})
    }
    expect(received.size).toBeGreaterThanOrEqual(seq - 4)
    expect(result.latencyMs!.count).toBe(result.outcomes.status2xx)
    expect(result.seconds.length).toBeGreaterThanOrEqual(2)
    expect(result.achievedRate).toBeGreaterThan(50)
  })

  it('counts outcome classes apart, including requests lost to a connection closed without an answer', async () => {
    const target = await server((req, res) => {
      switch (req.url) {
        case '/ok': return reply(res, 200)
        case '/moved': return reply(res, 301)
        case '/missing': return reply(res, 404)
        case '/limited': return reply(res, 429)
        case '/broken': return reply(res, 500)
        case '/reset': return req.socket.resetAndDestroy()
        case '/close': return req.socket.destroy()
        case '/hang': return
      }
    })
    const classOf: Record<string, keyof OutcomeCounts> = {
      '/ok': 'status2xx', '/moved': 'status3xx', '/missing': 'status4xx', '/limited': 'status429', '/broken': 'status5xx',
      '/reset': 'socketErrors', '/close': 'socketErrors', '/hang': 'timeouts',
    }
    const paths = Object.keys(classOf)
    const produced: Partial<Record<keyof OutcomeCounts, number>> = {}
    let i = 0
    const source: RequestSource = {
      next() {
        const path = paths[i++ % paths.length]
        produced[classOf[path]] = (produced[classOf[path]] ?? 0) + 1
        return {method: 'GET', path}
      },
    }
    const result = await startClosedPhase({
      target: target.url,
      durationMs: 2500,
      load: {model: 'closed', connections: 4},
      source,
      bounds: {timeoutMs: 1000},
    }).result

    const {unfinished, sent} = result.totals
    expect(unfinished).toBeLessThanOrEqual(4)
    const counted = Object.values(result.outcomes).reduce((a, b) => a + b, 0)
    expect(counted + unfinished).toBe(sent)
    for (const [outcome, count] of Object.entries(produced) as [keyof OutcomeCounts, number][]) {
      expect(result.outcomes[outcome], outcome).toBeGreaterThanOrEqual(count - unfinished)
      expect(result.outcomes[outcome], outcome).toBeLessThanOrEqual(count)
    }
    expect(result.outcomes.timeouts).toBeGreaterThanOrEqual(4)
    expect(result.outcomes.socketErrors).toBeGreaterThanOrEqual(8)
  })

  it('hands captured responses with their latency to onResponse', async () => {
    let id = 0
    const target = await server((req, res) => (req.url === '/items' ? reply(res, 201, JSON.stringify({id: ++id})) : reply(res, 200)))
    const requests: RequestSpec[] = [{method: 'POST', path: '/items', body: '{}', captureBody: true, tag: 'create'}, get]
    let n = 0
    const captured: CapturedResponse[] = []
    const result = await startClosedPhase({
      target: target.url,
      durationMs: 1000,
      load: {model: 'closed', connections: 2},
      source: {next: () => requests[n++ % 2]},
      onResponse: (r) => captured.push(r),
    }).result

    expect(captured.length).toBeGreaterThan(20)
    expect(captured.every((c) => c.request.tag === 'create' && c.status === 201 && c.outcome === 'response' && c.latencyMs > 0)).toBe(true)
    const ids = captured.map((c) => JSON.parse(c.body).id as number)
    expect(new Set(ids).size).toBe(ids.length)
    expect(Math.max(...ids)).toBeLessThanOrEqual(id)
    // Every create the source handed out was captured, except those cut off by the phase's end.
    const creates = Math.ceil(result.totals.sent / 2)
    expect(captured.length).toBeLessThanOrEqual(creates)
    expect(captured.length).toBeGreaterThanOrEqual(creates - result.totals.unfinished)
    expect(result.outcomes.status2xx).toBeGreaterThan(40)
  })

  it('reports a server stall as a handful of slow requests: coordinated omission, which is why open phases use the open engine', async () => {
    let stallFrom = Infinity
    let stallUntil = Infinity
    const target = await server((_req, res) => {
      const now = performance.now()
      if (now >= stallFrom && now < stallUntil) setTimeout(() => reply(res, 200), stallUntil - now)
      else reply(res, 200)
    })
    const run = startClosedPhase({target: target.url, durationMs: 3000, load: {model: 'closed', connections: 10}, source: constantSource(get)})
    stallFrom = performance.now() + 1000
    stallUntil = stallFrom + 1000
    const result = await run.result
    // Ten connections wait out the stall with one request each; everything else is fast.
    expect(result.latencyMs!.max).toBeGreaterThan(900)
    expect(result.latencyMs!.p90).toBeLessThan(50)
  })

  it('stops promptly on abort and still returns a partial result', async () => {
    const target = await server((_req, res) => setTimeout(() => reply(res, 200), 5))
    const controller = new AbortController()
    const run = startClosedPhase({target: target.url, durationMs: 10_000, load: {model: 'closed', connections: 4}, source: constantSource(get), signal: controller.signal})
    await new Promise((r) => setTimeout(r, 1000))
    const abortedAt = performance.now()
    controller.abort()
    const result = await run.result
    expect(performance.now() - abortedAt).toBeLessThan(400)
    expect(result.aborted).toBe(true)
    expect(result.durationMs).toBeGreaterThan(950)
    expect(result.durationMs).toBeLessThan(1200)
    expect(result.outcomes.status2xx).toBeGreaterThan(100)
  })

  it('refuses what autocannon cannot do with a clear message', () => {
    const spec: PhaseSpec = {target: 'http://127.0.0.1:9', durationMs: 1000, load: {model: 'closed', connections: 2, pipelining: 4}, source: constantSource(get)}
    expect(() => startClosedPhase({...spec, onResponse: () => {}})).toThrow(/needs pipelining 1/)
    expect(() => startClosedPhase({...spec, bounds: {timeoutMs: 500}})).toThrow(/timeoutMs ≥ 1000/)
    expect(() => startClosedPhase({...spec, load: {model: 'closed', connections: 0}})).toThrow(/connections ≥ 1/)
  })
})
