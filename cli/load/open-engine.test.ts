import {afterEach, describe, expect, it} from 'vitest'
import {reply, startTestHttpServer, type TestHttpServer} from '../../test/support/http-servers.js'
import {ConnectionPool} from './connection-pool.js'
import {startOpenPhase} from './open-engine.js'
import {startPhase} from './phase.js'
import {constantSource, cycleSource} from './request-sources.js'
import type {CapturedResponse, PhaseSpec, RequestSource, RequestSpec, SecondSample} from './types.js'

const servers: TestHttpServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

async function server(handler: Parameters<typeof startTestHttpServer>[0]): Promise<TestHttpServer> {
  const s = await startTestHttpServer(handler)
  servers.push(s)
  return s
}

/** Counts what the engine took from the source. */
function counting(source: RequestSource): RequestSource & {taken: number} {
  const counted = {
    taken: 0,
    next() {
      counted.taken++
      return source.next()
    },
  }
  return counted
}

const get: RequestSpec = {method: 'GET', path: '/'}

describe('open engine', () => {
  it('measures a 1 s server stall from the intended send time: p90/p99/max match the analytic values', async () => {
    // 100 req/s for 5 s; every request arriving in [2 s, 3 s) is held until 3 s. A request intended
    // at t in the stall waits 3 s − t, so 20% of requests have latency uniform on (0, 1000] ms:
    // p90 = 1000·(0.90 − 0.8)/0.2 = 500 ms, p99 = 1000·(0.99 − 0.8)/0.2 = 950 ms, max ≈ 1000 ms.
    // A generator that waited for responses (coordinated omission) would see p90 ≈ 1 ms. A busy
    // shared machine only adds delay, so the bounds give more room above than below.
    let stallFrom = Infinity
    let stallUntil = Infinity
    const target = await server((_req, res) => {
      const now = performance.now()
      if (now >= stallFrom && now < stallUntil) setTimeout(() => reply(res, 200), stallUntil - now)
      else reply(res, 200)
    })
    const seconds: SecondSample[] = []
    const run = startOpenPhase({
      target: target.url,
      durationMs: 5000,
      load: {model: 'open', rate: {kind: 'constant', perSecond: 100}},
      source: constantSource(get),
      onSecond: (s) => seconds.push(s),
    })
    const start = performance.now()
    stallFrom = start + 2000
    stallUntil = start + 3000
    const result = await run.result

    expect(result.totals.sent).toBe(500)
    expect(result.generatorBehind.dropped).toBe(0)
    expect(result.outcomes.status2xx).toBe(500)
    const latency = result.latencyMs!
    expect(latency.p50).toBeLessThan(25)
    expect(latency.p90).toBeGreaterThan(450)
    expect(latency.p90).toBeLessThan(620)
    expect(latency.p99).toBeGreaterThan(920)
    expect(latency.p99).toBeLessThan(1050)
    expect(latency.max).toBeGreaterThan(970)
    expect(latency.max).toBeLessThan(1100)
    // The pool grew to hold the requests parked during the stall.
    expect(target.maxOpenSockets).toBeGreaterThan(80)
    // The stalled second completes nothing; the next one completes its own and the stalled ones.
    expect(seconds[2].completed).toBeLessThan(5)
    expect(seconds[3].completed).toBeGreaterThan(170)
    expect(seconds[3].latencyMs!.max).toBeGreaterThan(950)
  })

  it('counts requests sent late when the generator itself is blocked, and measures them from the intended time', async () => {
    // 200 req/s for 3 s; at 1 s the test blocks this process's event loop for 300 ms. The 60
    // arrivals due meanwhile go out late, at ≈ 1.3 s: latency from the intended time is uniform on
    // (0, 300] ms (p99 of 600 requests = 300·(0.99 − 0.9)/0.1 = 270 ms), and the 50 due in the
    // first 250 ms are more than 50 ms late. Measured from the actual send they would look instant.
    // The lower bounds are what coordinated omission would break; a busy machine only adds delay.
    // (50 ms rather than the default 10 ms keeps a busy shared machine's scheduling jitter out.)
    const target = await server((_req, res) => reply(res, 200))
    const run = startOpenPhase({
      target: target.url,
      durationMs: 3000,
      load: {model: 'open', rate: {kind: 'constant', perSecond: 200}},
      source: constantSource(get),
      bounds: {lateAfterMs: 50},
    })
    setTimeout(() => {
      const until = performance.now() + 300
      while (performance.now() < until) {
        // Busy-wait: the generator cannot send while this runs.
      }
    }, 1000)
    const result = await run.result

    expect(result.totals.sent).toBe(600)
    // 50 from the block; a busy shared machine may add a few of its own scheduling delays.
    expect(result.generatorBehind.late).toBeGreaterThanOrEqual(47)
    expect(result.generatorBehind.late).toBeLessThanOrEqual(90)
    expect(result.seconds[1].generatorBehind.late).toBeGreaterThanOrEqual(47)
    expect(result.generatorBehind.sendLagMs!.max).toBeGreaterThan(280)
    const latency = result.latencyMs!
    expect(latency.max).toBeGreaterThan(280)
    expect(latency.max).toBeLessThan(450)
    expect(latency.p99).toBeGreaterThan(245)
    expect(latency.p99).toBeLessThan(400)
    expect(result.generator.saturated).toBe(true)
    expect(result.generator.reason).toMatch(/sent more than 50 ms after their intended time/)
  })

  it('drops what it cannot send on time when every connection of a bounded pool is busy', async () => {
    // 4 connections against a server that answers after 40 ms: capacity ≈ 4 / 40 ms = 100 req/s
    // (a little less, as a freed connection waits for the next 2.5 ms arrival slot). At 400 req/s
    // for 3 s, ≈ 300 of 1200 arrivals can go out; the rest are dropped, never queued.
    const target = await server((_req, res) => setTimeout(() => reply(res, 200), 40))
    const source = counting(constantSource(get))
    const result = await startOpenPhase({
      target: target.url,
      durationMs: 3000,
      load: {model: 'open', rate: {kind: 'constant', perSecond: 400}},
      source,
      bounds: {maxConnections: 4},
    }).result

    expect(result.totals.scheduled).toBe(1200)
    expect(result.totals.sent + result.generatorBehind.dropped).toBe(1200)
    expect(result.totals.sent).toBeGreaterThan(230)
    expect(result.totals.sent).toBeLessThanOrEqual(304)
    expect(result.generatorBehind.dropped).toBeGreaterThan(896)
    expect(result.generatorBehind.dropped).toBeLessThan(970)
    expect(source.taken).toBe(result.totals.sent)
    expect(target.maxOpenSockets).toBeLessThanOrEqual(4)
    // What was sent went out on time and waited only for the server.
    expect(result.latencyMs!.p50).toBeGreaterThan(39)
    expect(result.latencyMs!.p50).toBeLessThan(50)
    expect(result.outcomes.status2xx).toBe(result.totals.sent)
    expect(result.achievedRate).toBeLessThan(0.3 * 400)
  })

  it('counts each outcome class apart and hands captured responses to onResponse', async () => {
    // 180 req/s for 2 s cycling over 9 endpoints: exactly 40 requests each.
    let created = 0
    const target = await server((req, res) => {
      switch (req.url) {
        case '/ok': return reply(res, 200)
        case '/items': return reply(res, 201, JSON.stringify({id: ++created}))
        case '/moved': return reply(res, 302)
        case '/missing': return reply(res, 404)
        case '/limited': return reply(res, 429)
        case '/broken': return reply(res, 503)
        case '/reset': return req.socket.resetAndDestroy()
        case '/close': return req.socket.destroy()
        case '/hang': return
      }
    })
    const requests: RequestSpec[] = [
      {method: 'GET', path: '/ok'},
      {method: 'POST', path: '/items', body: '{"name":"x"}', headers: {'content-type': 'application/json'}, captureBody: true, tag: 'create'},
      {method: 'GET', path: '/moved'},
      {method: 'GET', path: '/missing'},
      {method: 'GET', path: '/limited'},
      {method: 'GET', path: '/broken'},
      {method: 'GET', path: '/reset'},
      {method: 'GET', path: '/close'},
      {method: 'GET', path: '/hang', captureBody: true, tag: 'hang'},
    ]
    const captured: CapturedResponse[] = []
    const result = await startOpenPhase({
      target: target.url,
      durationMs: 2000,
      load: {model: 'open', rate: {kind: 'constant', perSecond: 180}},
      source: cycleSource(requests),
      bounds: {timeoutMs: 300, gracefulStopMs: 2000},
      onResponse: (r) => captured.push(r),
    }).result

    expect(result.totals.sent).toBe(360)
    expect(result.outcomes).toEqual({
      status2xx: 80, status3xx: 40, status4xx: 40, status429: 40, status5xx: 40, statusOther: 0,
      socketErrors: 80, timeouts: 40, otherErrors: 0,
    })
    expect(result.totals.unfinished).toBe(0)
    const creates = captured.filter((c) => c.request.tag === 'create')
    expect(creates).toHaveLength(40)
    expect(creates.every((c) => c.status === 201 && c.outcome === 'response')).toBe(true)
    expect(creates.map((c) => JSON.parse(c.body).id).sort((a, b) => a - b)).toEqual(Array.from({length: 40}, (_, i) => i + 1))
    const hangs = captured.filter((c) => c.request.tag === 'hang')
    expect(hangs).toHaveLength(40)
    expect(hangs.every((c) => c.outcome === 'timeout' && c.status === 0 && c.latencyMs >= 290)).toBe(true)
    // Only responses are in the latency histogram; failures are counted, not timed.
    expect(result.latencyMs!.count).toBe(240)
  })

  it('follows a linear ramp second by second and reports it live', async () => {
    // 50 → 250 req/s over 4 s: N(t) = 50t + 25t², so 75, 125, 175, 225 arrivals in the four seconds.
    const target = await server((_req, res) => reply(res, 200))
    const seconds: {sample: SecondSample; at: number}[] = []
    const start = performance.now()
    const run = startOpenPhase({
      name: 'ramp',
      target: target.url,
      durationMs: 4000,
      load: {model: 'open', rate: {kind: 'ramp', from: 50, to: 250}},
      source: constantSource(get),
      onSecond: (sample) => seconds.push({sample, at: performance.now()}),
    })
    await new Promise((r) => setTimeout(r, 2500))
    const mid = run.snapshot()
    const result = await run.result

    expect(result.totals.sent).toBe(600)
    expect(target.received).toBe(600)
    expect(result.targetRate).toBeCloseTo(150, 6)
    const whole = seconds.slice(0, 4).map((s) => s.sample)
    const expected = [75, 125, 175, 225]
    whole.forEach((sample, i) => {
      expect(sample.phase).toBe('ramp')
      expect(sample.second).toBe(i)
      expect(sample.targetRate).toBeCloseTo(expected[i], 6)
      // A send delayed past a second boundary counts in the next second.
      expect(Math.abs(sample.sent - expected[i])).toBeLessThanOrEqual(8)
    })
    // Samples arrive as the phase runs, about a second apart.
    seconds.slice(0, 4).forEach(({at}, i) => expect(at - start).toBeGreaterThanOrEqual(1000 * (i + 1)))
    seconds.slice(0, 4).forEach(({at}, i) => expect(at - start).toBeLessThan(1000 * (i + 1) + 300))
    expect(mid.current.second).toBe(2)
    expect(mid.sofar.sent).toBeGreaterThan(240)
    expect(mid.sofar.sent).toBeLessThan(310)
    expect(mid.lastSecond?.second).toBe(1)
  })

  it('stops promptly on abort and still returns a partial result', async () => {
    const target = await server((_req, res) => setTimeout(() => reply(res, 200), 300))
    const controller = new AbortController()
    const captured: CapturedResponse[] = []
    const run = startOpenPhase({
      target: target.url,
      durationMs: 10_000,
      load: {model: 'open', rate: {kind: 'constant', perSecond: 200}},
      source: constantSource({...get, captureBody: true}),
      signal: controller.signal,
      onResponse: (r) => captured.push(r),
    })
    await new Promise((r) => setTimeout(r, 1000))
    const abortedAt = performance.now()
    controller.abort()
    const result = await run.result
    const took = performance.now() - abortedAt

    expect(took).toBeLessThan(300)
    expect(result.aborted).toBe(true)
    expect(result.durationMs).toBeGreaterThan(950)
    expect(result.durationMs).toBeLessThan(1150)
    expect(result.totals.sent).toBeGreaterThan(180)
    expect(result.totals.sent).toBeLessThan(230)
    // Requests of the last 300 ms were still waiting for the server.
    expect(result.totals.unfinished).toBeGreaterThan(40)
    expect(result.outcomes.status2xx + result.totals.unfinished).toBe(result.totals.sent)
    expect(captured.filter((c) => c.outcome === 'unfinished')).toHaveLength(result.totals.unfinished)
    expect(result.seconds.length).toBeGreaterThanOrEqual(1)
  })

  it('keeps connections across phases when given a pool, and runs through startPhase', async () => {
    const target = await server((_req, res) => reply(res, 200))
    const pool = new ConnectionPool(target.url, {maxConnections: 16})
    try {
      const phase = (rate: number) =>
        startPhase({target: target.url, durationMs: 1000, load: {model: 'open', rate: {kind: 'constant', perSecond: rate}}, source: constantSource(get)}, {pool}).result
      const first = await phase(50)
      const second = await phase(100)
      expect(first.model).toBe('open')
      expect(first.totals.sent + second.totals.sent).toBe(150)
      // 20 ms apart at most 100/s against an instant server: a connection or two, opened once.
      expect(target.accepted).toBeLessThanOrEqual(4)
      expect(pool.inFlight).toBe(0)
    } finally {
      await pool.destroy()
    }
  })

  it('rejects a pool for another target, a bad target and a bad rate with a clear message', async () => {
    const spec: PhaseSpec = {target: 'http://127.0.0.1:9', durationMs: 1000, load: {model: 'open', rate: {kind: 'constant', perSecond: 10}}, source: constantSource(get)}
    expect(() => startOpenPhase({...spec, load: {model: 'open', rate: {kind: 'constant', perSecond: -5}}})).toThrow(/rate must be a number of requests per second/)
    expect(() => startOpenPhase({...spec, target: 'not a url'})).toThrow(/not a URL/)
    const pool = new ConnectionPool('http://127.0.0.1:10')
    try {
      expect(() => startOpenPhase(spec, {pool})).toThrow(/pool is for http:\/\/127.0.0.1:10/)
    } finally {
      await pool.destroy()
    }
  })
})
