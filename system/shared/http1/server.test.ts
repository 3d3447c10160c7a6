import net from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Http1Server, type ServerExchange} from './server.js'
import {ProxyAttempt, UpstreamPool, type UpstreamError} from './upstream.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A raw client: sends the parts (pausing between them so they arrive as separate reads), returns all it got until close or `untilBytes`. */
async function exchange(port: number, parts: Array<string | Buffer>, opts: {until?: (text: string) => boolean; timeoutMs?: number} = {}): Promise<{text: string; closed: boolean}> {
  const socket = net.connect({port, host: '127.0.0.1', noDelay: true})
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  let text = ''
  let closed = false
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')))
  const ended = new Promise<void>((resolve) => socket.once('close', () => ((closed = true), resolve())))
  socket.on('error', () => undefined)
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) await sleep(3)
    socket.write(parts[i])
  }
  const deadline = Date.now() + (opts.timeoutMs ?? 2000)
  while (!closed && !(opts.until?.(text) ?? false) && Date.now() < deadline) await sleep(2)
  if (opts.until && !closed) socket.destroy()
  else await Promise.race([ended, sleep(Math.max(0, deadline - Date.now()))])
  socket.destroy()
  return {text, closed}
}

const responses = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]))

describe('lean HTTP/1.1 server', () => {
  let server: Http1Server
  let port: number
  const seen: string[] = []
  beforeAll(async () => {
    server = new Http1Server({
      keepAliveTimeoutMs: 5000,
      onRequest(ex: ServerExchange) {
        seen.push(`${ex.method} ${ex.target}`)
        ex.readBody(1024).then(
          (body) => ex.respond(200, {'content-type': 'text/plain'}, `${ex.method} ${ex.target} [${body.toString('latin1')}]`),
          (err: Error & {status?: number}) => ex.respond(err.status ?? 413, {}, err.message),
        )
      },
    })
    port = await server.listen(0, '127.0.0.1')
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  })

  const pipelined =
    'POST /one HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello' +
    'PUT /two HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6;ext=1\r\nchunk-\r\n4\r\ndata\r\n0\r\nX-Trailer: t\r\n\r\n' +
    'GET /three HTTP/1.1\r\nHost: a\r\n\r\n'
  const allThree = (t: string) => t.includes('GET /three []')

  it('answers pipelined requests in order, each with its body, over one connection', async () => {
    const {text, closed} = await exchange(port, [pipelined], {until: allThree})
    expect(closed).toBe(false)
    expect(responses(text)).toEqual([200, 200, 200])
    expect(text.indexOf('POST /one [hello]')).toBeLessThan(text.indexOf('PUT /two [chunk-data]'))
    expect(text.indexOf('PUT /two [chunk-data]')).toBeLessThan(text.indexOf('GET /three []'))
  })

  it('reads the same requests when the bytes arrive cut at any point', async () => {
    const stream = Buffer.from(pipelined, 'latin1')
    // Every cut inside the heads and framing lines; ~160 connections, each a few ms.
    for (let cut = 1; cut < stream.length; cut++) {
      const {text} = await exchange(port, [stream.subarray(0, cut), stream.subarray(cut)], {until: allThree})
      expect(text, `cut at ${cut}`).toContain('POST /one [hello]')
      expect(text, `cut at ${cut}`).toContain('PUT /two [chunk-data]')
      expect(text, `cut at ${cut}`).toContain('GET /three []')
    }
  }, 60_000)

  const smuggling: Array<[string, string, number]> = [
    ['Content-Length with Transfer-Encoding', 'POST /s HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n', 400],
    ['conflicting Content-Length', 'POST /s HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 38\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n', 400],
    ['obs-fold', 'GET /s HTTP/1.1\r\nHost: a\r\nX-A: b\r\n Transfer-Encoding: chunked\r\n\r\n', 400],
    ['bare LF', 'GET /s HTTP/1.1\nHost: a\n\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n', 400],
    ['a bad chunk size', 'POST /s HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 ;x\r\nhello\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n', 400],
    ['an unsupported coding', 'POST /s HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n', 501],
    ['an oversized head', `GET /s HTTP/1.1\r\nHost: a\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`, 431],
  ]
  it.each(smuggling)('refuses %s with the status and closes, never reading what follows', async (_name, raw, status) => {
    seen.length = 0
    const {text, closed} = await exchange(port, [raw])
    expect(closed).toBe(true)
    expect(seen.filter((s) => s.includes('/smuggled'))).toEqual([])
    // A bad chunk size is found after the head was accepted: the reader of the body gets the error.
    expect(responses(text)).toEqual([status])
  })

  it('sends 100 Continue before reading a body the client holds back', async () => {
    const {text} = await exchange(port, ['POST /c HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n', 'ok'], {until: (t) => t.includes('[ok]')})
    expect(responses(text)).toEqual([100, 200])
  })
})

describe('relay over the upstream pool', () => {
  let upstream: net.Server
  let upstreamPort: number
  let reply: (socket: net.Socket, request: string) => void = () => undefined
  let proxy: Http1Server
  let proxyPort: number
  let pool: UpstreamPool
  const errors: UpstreamError[] = []
  beforeAll(async () => {
    upstream = net.createServer((socket) => {
      let got = ''
      socket.on('data', (d: Buffer) => {
        got += d.toString('latin1')
        if (got.includes('\r\n\r\n')) {
          reply(socket, got)
          got = ''
        }
      })
      socket.on('error', () => undefined)
    })
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
    upstreamPort = (upstream.address() as net.AddressInfo).port
    pool = new UpstreamPool({host: '127.0.0.1', port: upstreamPort, maxConnections: 4, connectTimeoutMs: 500, headersTimeoutMs: 500, bodyTimeoutMs: 500, keepAliveMs: 2000})
    proxy = new Http1Server({
      keepAliveTimeoutMs: 5000,
      onRequest(ex) {
        const head = `${ex.method} ${ex.target} HTTP/1.1\r\nhost: upstream\r\n\r\n`
        const attempt: ProxyAttempt = new ProxyAttempt(ex, head, {
          onResponseHead: () => undefined,
          onComplete: () => undefined,
          onError(err) {
            errors.push(err)
            if (!attempt.responseStarted) ex.respond(502, {}, err.kind)
          },
        })
        pool.dispatch(attempt)
      },
    })
    proxyPort = await proxy.listen(0, '127.0.0.1')
  })
  afterAll(async () => {
    await pool.destroy()
    proxy.closeAllConnections()
    await new Promise((r) => proxy.close(r))
    await new Promise((r) => upstream.close(r))
  })

  it('relays a chunked response verbatim to HTTP/1.1 clients and de-chunked to HTTP/1.0 ones', async () => {
    reply = (socket) => socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n')
    const v11 = await exchange(proxyPort, ['GET /c HTTP/1.1\r\nHost: a\r\n\r\n'], {until: (t) => t.endsWith('0\r\n\r\n')})
    expect(v11.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    expect(v11.text.toLowerCase()).toContain('transfer-encoding: chunked')
    expect(v11.text).not.toMatch(/\r\nConnection: keep-alive/i)
    expect(v11.text.endsWith('\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n')).toBe(true)
    const v10 = await exchange(proxyPort, ['GET /c HTTP/1.0\r\n\r\n'])
    expect(v10.closed).toBe(true)
    expect(v10.text.toLowerCase()).not.toContain('transfer-encoding')
    expect(v10.text.endsWith('\r\n\r\nabcde')).toBe(true)
  })

  it('answers 502 for an upstream response with conflicting lengths and does not reuse that connection', async () => {
    errors.length = 0
    reply = (socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!')
    const {text} = await exchange(proxyPort, ['GET /bad HTTP/1.1\r\nHost: a\r\n\r\n'], {until: (t) => t.includes('invalid_response')})
    expect(responses(text)).toEqual([502])
    expect(errors.map((e) => e.kind)).toEqual(['invalid_response'])
  })

  it('times out a response head that never comes', async () => {
    errors.length = 0
    reply = () => undefined
    const began = Date.now()
    const {text} = await exchange(proxyPort, ['GET /slow HTTP/1.1\r\nHost: a\r\n\r\n'], {until: (t) => t.includes('headers_timeout'), timeoutMs: 3000})
    expect(responses(text)).toEqual([502])
    expect(Date.now() - began).toBeLessThan(2000)
  })

  it('closes the client connection after an early response, never reading the rest of the body as requests', async () => {
    const got: string[] = []
    reply = (socket, request) => {
      got.push(request.slice(0, request.indexOf('\r\n')))
      socket.write('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 4\r\n\r\nbig!')
    }
    // allowHalfOpen: this client keeps sending after the proxy's FIN, as a client mid-body would.
    const socket = net.connect({port: proxyPort, host: '127.0.0.1', allowHalfOpen: true})
    let text = ''
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')))
    socket.on('error', () => undefined)
    socket.write('POST /early HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n0123456789')
    const deadline = Date.now() + 2000
    while (!text.includes('big!') && Date.now() < deadline) await sleep(2)
    // The rest of the body is what arrives now; it looks like a request, and must not be read as one.
    socket.write('GET /not-a-request HTTP/1.1\r\nHost: a\r\n\r\n')
    await sleep(100)
    socket.destroy()
    expect(responses(text)).toEqual([413])
    expect(text.toLowerCase()).toContain('connection: close')
    expect(got).toEqual(['POST /early HTTP/1.1'])
  })
})
