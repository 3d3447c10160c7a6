import net from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import {reply, startTestHttpServer, type TestHttpServer} from '../../test/support/http-servers.js'
import {ConnectionPool, joinPath, type OutgoingRequest, type ResponseHandler} from './connection-pool.js'
import type {FailureKind} from './outcomes.js'

const servers: TestHttpServer[] = []
const pools: ConnectionPool[] = []
const rawServers: net.Server[] = []
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.destroy()))
  await Promise.all(servers.splice(0).map((s) => s.close()))
  await Promise.all(rawServers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

async function server(handler: Parameters<typeof startTestHttpServer>[0]): Promise<TestHttpServer> {
  const s = await startTestHttpServer(handler)
  servers.push(s)
  return s
}

/** A TCP server that answers every request with the given raw bytes (for framings node:http won't produce). */
async function rawServer(respond: (socket: net.Socket) => void): Promise<string> {
  const s = net.createServer((socket) => socket.once('data', () => respond(socket)))
  rawServers.push(s)
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(s.address() as net.AddressInfo).port}`
}

function pool(target: string, maxConnections?: number): ConnectionPool {
  const p = new ConnectionPool(target, {maxConnections})
  pools.push(p)
  return p
}

interface Outcome {
  status: number
  body: string
  failure?: FailureKind
  error?: Error
}

function request(p: ConnectionPool, req: OutgoingRequest, timeoutMs = 5000, wantsBody = true): Promise<Outcome> {
  return new Promise((resolve) => {
    const outcome: Outcome = {status: 0, body: ''}
    const handler: ResponseHandler = {
      wantsBody,
      onStatus: (status) => (outcome.status = status),
      onBody: (chunk) => (outcome.body += chunk.toString()),
      onComplete: () => resolve(outcome),
      onFailure: (failure, error) => resolve({...outcome, failure, error}),
    }
    const sent = p.send(req, handler, timeoutMs)
    if (!sent) resolve({...outcome, failure: 'other-error', error: new Error('pool full')})
  })
}

describe('ConnectionPool', () => {
  it('sends method, path, headers and body as given and reads the response', async () => {
    const target = await server((req, res, body) => reply(res, 201, JSON.stringify({method: req.method, url: req.url, host: req.headers.host, key: req.headers['x-key'], body})))
    const p = pool(`${target.url}/api/`)
    const outcome = await request(p, {method: 'POST', path: joinPath(p.basePath, '/items?x=1'), headers: {'x-key': 'k1', 'content-type': 'application/json'}, body: '{"a":"é"}'})
    expect(outcome.status).toBe(201)
    expect(JSON.parse(outcome.body)).toEqual({method: 'POST', url: '/api/items?x=1', host: `127.0.0.1:${target.port}`, key: 'k1', body: '{"a":"é"}'})
  })

  it('reuses one keep-alive connection for sequential requests and opens more only when all are busy', async () => {
    const target = await server((_req, res) => setTimeout(() => reply(res, 200), 20))
    const p = pool(target.url, 3)
    for (let i = 0; i < 5; i++) expect((await request(p, {method: 'GET', path: '/'})).status).toBe(200)
    expect(target.accepted).toBe(1)
    const parallel = Promise.all([1, 2, 3].map(() => request(p, {method: 'GET', path: '/'})))
    expect(p.inFlight).toBe(3)
    expect(p.hasFreeConnection).toBe(false)
    // At the bound the pool refuses rather than queues.
    expect((await request(p, {method: 'GET', path: '/'})).error?.message).toBe('pool full')
    await parallel
    expect(target.accepted).toBe(3)
    expect(p.inFlight).toBe(0)
    expect(p.openConnections).toBe(3)
  })

  it('handles chunked, HEAD and close-framed responses and Connection: close', async () => {
    const target = await server((req, res) => {
      if (req.url === '/chunked') {
        res.writeHead(200, {'content-type': 'text/plain'})
        res.write('first,')
        setTimeout(() => res.end('second'), 10)
      } else if (req.url === '/close') {
        res.writeHead(200, {connection: 'close', 'content-length': 2})
        res.end('ok')
      } else reply(res, 200, 'head-body')
    })
    const p = pool(target.url)
    expect(await request(p, {method: 'GET', path: '/chunked'})).toMatchObject({status: 200, body: 'first,second'})
    expect(await request(p, {method: 'HEAD', path: '/head'})).toMatchObject({status: 200, body: ''})
    expect(await request(p, {method: 'GET', path: '/close'})).toMatchObject({status: 200, body: 'ok'})
    expect(await request(p, {method: 'GET', path: '/after'})).toMatchObject({status: 200, body: 'head-body'})
    // The connection the server closed was not reused.
    expect(target.accepted).toBe(2)

    const closeFramed = pool(await rawServer((socket) => socket.end('HTTP/1.0 200 OK\r\n\r\nuntil the end')))
    expect(await request(closeFramed, {method: 'GET', path: '/'})).toMatchObject({status: 200, body: 'until the end'})
  })

  it('reports socket errors, refused connections, broken HTTP and timeouts as failures', async () => {
    const target = await server((req, res) => {
      if (req.url === '/reset') req.socket.resetAndDestroy()
      else if (req.url === '/close') req.socket.destroy()
      else if (req.url === '/hang') return
      else reply(res, 200)
    })
    const p = pool(target.url)
    expect((await request(p, {method: 'GET', path: '/reset'})).failure).toBe('socket-error')
    expect((await request(p, {method: 'GET', path: '/close'})).failure).toBe('socket-error')
    const started = performance.now()
    expect((await request(p, {method: 'GET', path: '/hang'}, 200)).failure).toBe('timeout')
    const took = performance.now() - started
    expect(took).toBeGreaterThanOrEqual(199)
    expect(took).toBeLessThan(400)
    expect((await request(p, {method: 'GET', path: '/fine'})).status).toBe(200)
    expect(p.inFlight).toBe(0)

    const broken = pool(await rawServer((socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n\r\n')))
    expect((await request(broken, {method: 'GET', path: '/'})).failure).toBe('socket-error')

    const closedPort = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const {port} = s.address() as net.AddressInfo
        s.close(() => resolve(port))
      })
    })
    const refused = pool(`http://127.0.0.1:${closedPort}`)
    const outcome = await request(refused, {method: 'GET', path: '/'})
    expect(outcome.failure).toBe('socket-error')
    expect((outcome.error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED')
  })

  it('closes idle connections before the server keep-alive would, and cancels a request on demand', async () => {
    const target = await server((req, res) => (req.url === '/slow' ? setTimeout(() => reply(res, 200), 500) : reply(res, 200)))
    const p = pool(target.url)
    await request(p, {method: 'GET', path: '/'})
    expect(p.openConnections).toBe(1)
    // Node's server says Keep-Alive: timeout=60 here (the test server's setting), so the pool's
    // own 4 s limit applies; wait it out.
    await new Promise((r) => setTimeout(r, 4300))
    expect(p.openConnections).toBe(0)

    let called = false
    const handler: ResponseHandler = {wantsBody: false, onStatus: () => {}, onBody: () => {}, onComplete: () => (called = true), onFailure: () => (called = true)}
    const sent = p.send({method: 'GET', path: '/slow'}, handler, 5000)!
    sent.cancel(handler)
    expect(p.inFlight).toBe(0)
    await new Promise((r) => setTimeout(r, 600))
    expect(called).toBe(false)
  }, 10_000)

  it('refuses header values that would split the request', async () => {
    const target = await server((_req, res) => reply(res, 200))
    const p = pool(target.url)
    expect(() => p.send({method: 'GET', path: '/', headers: {'x-a': 'one\r\nx-b: two'}}, {wantsBody: false, onStatus() {}, onBody() {}, onComplete() {}, onFailure() {}}, 1000)).toThrow(/line break/)
    expect(p.inFlight).toBe(0)
  })
})
