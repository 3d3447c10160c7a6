import net from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestPostgres, startTestRedis, type TestPostgres, type TestRedis} from '../../test/support/datastores.js'
import {ADMIN_VIA_GATEWAY, call, eventually, startTestApi} from '../../test/support/api-harness.js'

/** Writes raw HTTP/1.1 on one socket and collects everything until the server closes it. */
function rawConnection(url: string) {
  const {hostname, port} = new URL(url)
  const socket = net.connect({host: hostname, port: Number(port)})
  let received = ''
  socket.setEncoding('utf8')
  socket.on('data', (d: string) => (received += d))
  const ended = new Promise<string>((resolve) => socket.on('close', () => resolve(received)))
  socket.on('error', () => undefined)
  return {
    send: (path: string) => socket.write(`GET ${path} HTTP/1.1\r\nHost: test\r\nConnection: keep-alive\r\n\r\n`),
    ended,
    connected: new Promise<void>((resolve) => socket.once('connect', () => resolve())),
  }
}

describe('graceful shutdown', () => {
  let redis: TestRedis
  let postgres: TestPostgres

  beforeAll(async () => {
    ;[redis, postgres] = await Promise.all([startTestRedis(), startTestPostgres({seedResources: 10})])
  })
  afterAll(async () => {
    await Promise.all([redis?.stop(), postgres?.stop()])
  })

  it('drains an in-flight slow request, turns readiness to unavailable, refuses new connections, then closes its pools', async () => {
    const api = await startTestApi({redis, postgres}, {INSTANCE_ID: 'api-drain', SHUTDOWN_GRACE_MS: '5000'})
    await call(api.url, 'PUT', '/api/v1/admin/faults', {body: {delayMs: 800, routes: '/api/v1/resources'}, headers: ADMIN_VIA_GATEWAY})

    const conn = rawConnection(api.url)
    await conn.connected
    conn.send('/api/v1/resources/1')
    await eventually(async () => api.services.lifecycle.inFlight >= 1)

    const closing = api.close()
    expect(api.services.lifecycle.state).toBe('draining')
    // The same keep-alive connection asks for readiness while draining (answered after the slow one).
    conn.send('/ready')
    await expect(fetch(`${api.url}/health`)).rejects.toThrow()

    const raw = await conn.ended
    const [first, second] = raw.split(/(?=HTTP\/1\.1 )/)
    expect(first).toMatch(/^HTTP\/1\.1 200 /)
    expect(first).toContain('"name":"resource-1"')
    expect(second).toMatch(/^HTTP\/1\.1 503 /)
    expect(second).toContain('"status":"unavailable"')
    expect(second.toLowerCase()).toContain('connection: close')

    await closing
    expect(api.services.primaryPool.ended).toBe(true)
    expect(api.services.redis.status).toBe('end')
  })

  it('does not wait longer than the grace period for a request that will not finish', async () => {
    const api = await startTestApi({redis, postgres}, {INSTANCE_ID: 'api-grace', SHUTDOWN_GRACE_MS: '300'})
    await call(api.url, 'PUT', '/api/v1/admin/faults', {body: {delayMs: 5000, routes: '/api/v1/resources'}, headers: ADMIN_VIA_GATEWAY})
    const slow = fetch(`${api.url}/api/v1/resources/1`).then(
      (r) => r.status,
      () => 'cut',
    )
    await eventually(async () => api.services.lifecycle.inFlight >= 1)
    const began = performance.now()
    await api.close()
    expect(performance.now() - began).toBeLessThan(2_000)
    expect(await slow).toBe('cut')
  })
})
