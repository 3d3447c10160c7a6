import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {freePort} from '../../cli/runtime/local/datastores.js'
import {Backend} from './backend.js'
import {createHttpProbe} from './upstream.js'

describe('HTTP health probe against real servers', () => {
  let server: http.Server
  let port: number
  const probe = createHttpProbe('/ready')
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.headers['x-mode'] === undefined && req.url === '/ready') {
        const mode = (server as unknown as {mode: string}).mode
        if (mode === 'hang') return // never answers
        res.statusCode = mode === 'down' ? 503 : 200
        res.end(JSON.stringify({status: mode === 'down' ? 'unavailable' : 'ready'}))
      }
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    port = (server.address() as AddressInfo).port
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
    await probe.close()
  })
  const at = (p: number) => new Backend({name: 'api-1', host: '127.0.0.1', port: p, weight: 1}, false)
  const mode = (m: string) => ((server as unknown as {mode: string}).mode = m)

  it('passes on 200 and fails on 503', async () => {
    mode('up')
    expect((await probe.probe(at(port), 1000)).ok).toBe(true)
    mode('down')
    expect(await probe.probe(at(port), 1000)).toMatchObject({ok: false, error: 'status 503'})
  })

  it('fails within its timeout when the backend never answers', async () => {
    mode('hang')
    const began = Date.now()
    const result = await probe.probe(at(port), 300)
    expect(result.ok).toBe(false)
    expect(Date.now() - began).toBeLessThan(2000)
  })

  it('fails when nothing listens', async () => {
    const result = await probe.probe(at(await freePort()), 1000)
    expect(result).toMatchObject({ok: false, error: 'ECONNREFUSED'})
  })
})
