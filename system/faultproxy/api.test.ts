// Conformance with Toxiproxy 2.x's HTTP API, driven through toxiproxy-node-client 4.1 exactly as
// the chaos runner drives it. Expected statuses and shapes are Toxiproxy's (api.go).
import net from 'node:net'
import {Toxiproxy, ToxiproxyError, type ICreateToxicBody, type Proxy} from 'toxiproxy-node-client'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {startFaultProxy, type FaultProxy} from './server.js'
import {connect, SocketRecorder, echoRoundTrip, startTestUpstream, type TestUpstream} from './tcp-test-fixtures.js'

let faultProxy: FaultProxy
let toxiproxy: Toxiproxy
let upstream: TestUpstream

beforeAll(async () => {
  faultProxy = await startFaultProxy({host: '127.0.0.1', port: 0})
  toxiproxy = new Toxiproxy(faultProxy.url)
  upstream = await startTestUpstream({echo: true})
})

afterAll(async () => {
  await faultProxy?.close()
  await upstream?.close()
})

afterEach(async () => {
  for (const proxy of Object.values(await toxiproxy.getAll())) await proxy.remove()
})

/** The status a client call failed with (the client only reports it in the message). */
async function failureStatus(call: Promise<unknown>): Promise<number> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(ToxiproxyError)
  const match = /status code (\d+)/.exec((err as Error).message)
  expect(match, (err as Error).message).not.toBeNull()
  return Number(match![1])
}

interface ProxyBody {
  toxics: {name: string}[]
}

/** A proxy's JSON as the server sends it, read through the client's own HTTP layer. */
async function proxyBody(name: string): Promise<ProxyBody> {
  return (await toxiproxy.getApi().get(`${faultProxy.url}/proxies/${name}`)).data as ProxyBody
}

function portOf(listen: string): number {
  return Number(listen.slice(listen.lastIndexOf(':') + 1))
}

async function createEchoProxy(name = 'echo', enabled = true): Promise<Proxy> {
  return toxiproxy.createProxy({name, listen: '127.0.0.1:0', upstream: upstream.address, enabled})
}

/** Whether something accepts TCP connections on the address. */
function accepts(address: string): Promise<boolean> {
  return connect(address).then(
    (s) => {
      s.destroy()
      return true
    },
    () => false,
  )
}

/** toxiproxy-node-client requires every field; Toxiproxy defaults the ones left out. */
function toxicBody<T>(body: Partial<ICreateToxicBody<T>>): ICreateToxicBody<T> {
  return body as ICreateToxicBody<T>
}

describe('version', () => {
  it('answers GET /version with a JSON version a 2.x client accepts', async () => {
    const text = await toxiproxy.getVersion()
    expect(JSON.parse(text)).toEqual({version: expect.stringMatching(/^2\.\d+\.\d+/)})
  })
})

describe('proxies', () => {
  it('creates a proxy on a free port (listen "127.0.0.1:0") and shows the real port', async () => {
    const proxy = await createEchoProxy()
    expect(proxy).toMatchObject({name: 'echo', upstream: upstream.address, enabled: true})
    expect(proxy.listen).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(portOf(proxy.listen)).toBeGreaterThan(0)
    const client = new SocketRecorder(await connect(proxy.listen))
    await echoRoundTrip(client, Buffer.from('hello'))
    expect(client.data.toString()).toBe('hello')
    client.socket.destroy()
  })

  it('returns the proxy with an empty toxics list, as Toxiproxy does', async () => {
    await createEchoProxy()
    const {data} = await toxiproxy.getApi().get(`${faultProxy.url}/proxies/echo`)
    expect(data).toEqual({name: 'echo', listen: expect.any(String), upstream: upstream.address, enabled: true, toxics: []})
  })

  it('refuses a duplicate name with 409', async () => {
    await createEchoProxy()
    expect(await failureStatus(createEchoProxy())).toBe(409)
  })

  it('refuses a proxy without upstream or name with 400', async () => {
    expect(await failureStatus(toxiproxy.createProxy({name: 'x', listen: '127.0.0.1:0', upstream: ''}))).toBe(400)
    expect(await failureStatus(toxiproxy.createProxy({name: '', listen: '127.0.0.1:0', upstream: upstream.address}))).toBe(400)
  })

  it('answers 500 when the listen address is taken, and keeps no proxy', async () => {
    const taken = await startTestUpstream()
    expect(await failureStatus(toxiproxy.createProxy({name: 'clash', listen: taken.address, upstream: upstream.address}))).toBe(500)
    expect(Object.keys(await toxiproxy.getAll())).toEqual([])
    await taken.close()
  })

  it('creates a disabled proxy without listening', async () => {
    const proxy = await createEchoProxy('off', false)
    expect(proxy).toMatchObject({enabled: false, listen: '127.0.0.1:0'})
  })

  it('gets one proxy by name, and 404 for an unknown one', async () => {
    const created = await createEchoProxy()
    const got = await toxiproxy.get('echo')
    expect(got.toJson()).toEqual(created.toJson())
    expect(await failureStatus(toxiproxy.get('nope'))).toBe(404)
  })

  it('lists all proxies as an object keyed by name', async () => {
    await createEchoProxy('b')
    await createEchoProxy('a')
    const all = await toxiproxy.getAll()
    expect(Object.keys(all).sort()).toEqual(['a', 'b'])
    expect(all.a.name).toBe('a')
    expect(all.b.upstream).toBe(upstream.address)
  })

  it('disables and re-enables through update; re-enabling listens on the same address', async () => {
    const proxy = await createEchoProxy()
    const down = await proxy.update({enabled: false, listen: proxy.listen, upstream: proxy.upstream})
    expect(down).toMatchObject({enabled: false, listen: proxy.listen})
    expect(await accepts(proxy.listen)).toBe(false)
    const up = await down.update({enabled: true, listen: down.listen, upstream: down.upstream})
    expect(up).toMatchObject({enabled: true, listen: proxy.listen})
    expect(await accepts(proxy.listen)).toBe(true)
  })

  it('moves a proxy to a new upstream through update', async () => {
    const other = await startTestUpstream()
    const proxy = await createEchoProxy()
    const moved = await proxy.update({enabled: true, listen: proxy.listen, upstream: other.address})
    expect(moved.upstream).toBe(other.address)
    const client = await connect(moved.listen)
    client.write('x')
    await other.socket(0)
    client.destroy()
    await other.close()
  })

  it('answers 404 when updating an unknown proxy', async () => {
    const proxy = await createEchoProxy()
    await proxy.remove()
    expect(await failureStatus(proxy.update({enabled: false, listen: proxy.listen, upstream: proxy.upstream}))).toBe(404)
  })

  it('removes a proxy (204), stops its listener, and 404s a second removal', async () => {
    const proxy = await createEchoProxy()
    await proxy.remove()
    expect(await failureStatus(toxiproxy.get('echo'))).toBe(404)
    expect(await accepts(proxy.listen)).toBe(false)
    expect(await failureStatus(proxy.remove())).toBe(404)
  })
})

describe('populate', () => {
  it('creates proxies in bulk and returns them by name', async () => {
    const proxies = await toxiproxy.populate([
      {name: 'redis', listen: '127.0.0.1:0', upstream: upstream.address},
      {name: 'postgres', listen: '127.0.0.1:0', upstream: upstream.address, enabled: false},
    ])
    expect(Object.keys(proxies).sort()).toEqual(['postgres', 'redis'])
    expect(proxies.redis).toMatchObject({enabled: true, upstream: upstream.address})
    expect(portOf(proxies.redis.listen)).toBeGreaterThan(0)
    expect(proxies.postgres.enabled).toBe(false)
  })

  it('leaves an identical proxy untouched (toxics kept) and replaces one whose upstream changed', async () => {
    const first = await toxiproxy.populate([{name: 'redis', listen: '127.0.0.1:0', upstream: upstream.address}])
    const listen = first.redis.listen
    await first.redis.addToxic(toxicBody({type: 'latency', attributes: {latency: 10, jitter: 0}}))
    const again = await toxiproxy.populate([{name: 'redis', listen, upstream: upstream.address}])
    expect(again.redis.listen).toBe(listen)
    expect((await again.redis.getToxic('latency_downstream')).attributes).toEqual({latency: 10, jitter: 0})
    const replaced = await toxiproxy.populate([{name: 'redis', listen, upstream: '127.0.0.1:1'}])
    expect(replaced.redis).toMatchObject({listen, upstream: '127.0.0.1:1'})
    expect(await failureStatus(replaced.redis.getToxic('latency_downstream'))).toBe(404)
  })

  it('rejects an entry without upstream (400) before creating any', async () => {
    const body = [
      {name: 'ok', listen: '127.0.0.1:0', upstream: upstream.address},
      {name: 'bad', listen: '127.0.0.1:0', upstream: ''},
    ]
    expect(await failureStatus(toxiproxy.populate(body))).toBe(400)
    expect(await toxiproxy.getAll()).toEqual({})
  })
})

describe('reset', () => {
  it('re-enables every proxy and removes every toxic, keeping the proxies (204)', async () => {
    const a = await createEchoProxy('a')
    const b = await createEchoProxy('b')
    await a.addToxic(toxicBody({type: 'latency', attributes: {latency: 100, jitter: 0}}))
    await b.update({enabled: false, listen: b.listen, upstream: b.upstream})
    await toxiproxy.reset()
    const all = await toxiproxy.getAll()
    expect(Object.keys(all).sort()).toEqual(['a', 'b'])
    expect(all.b.enabled).toBe(true)
    expect(all.b.listen).toBe(b.listen)
    expect(await accepts(b.listen)).toBe(true)
    expect((await proxyBody('a')).toxics).toEqual([])
  })
})

describe('toxics', () => {
  // Each toxic type with a set of attributes, and the full attribute object Toxiproxy returns.
  const cases = [
    {type: 'latency', attributes: {latency: 50}, full: {latency: 50, jitter: 0}, update: {latency: 5, jitter: 2}},
    {type: 'bandwidth', attributes: {rate: 100}, full: {rate: 100}, update: {rate: 5}},
    {type: 'slow_close', attributes: {delay: 100}, full: {delay: 100}, update: {delay: 7}},
    {type: 'timeout', attributes: {timeout: 0}, full: {timeout: 0}, update: {timeout: 250}},
    {type: 'reset_peer', attributes: {timeout: 10}, full: {timeout: 10}, update: {timeout: 0}},
    {type: 'slicer', attributes: {average_size: 64, delay: 10}, full: {average_size: 64, size_variation: 0, delay: 10}, update: {size_variation: 8}},
    {type: 'limit_data', attributes: {bytes: 1000}, full: {bytes: 1000}, update: {bytes: 5}},
  ] as const

  for (const c of cases) {
    it(`adds (200), gets, updates and removes a ${c.type} toxic`, async () => {
      const proxy = await createEchoProxy()
      const added = await proxy.addToxic(toxicBody({type: c.type, attributes: c.attributes}))
      expect(added.toJson()).toEqual({name: `${c.type}_downstream`, type: c.type, stream: 'downstream', toxicity: 1, attributes: c.full})

      const got = await proxy.getToxic(`${c.type}_downstream`)
      expect(got.toJson()).toEqual(added.toJson())

      const updated = await got.update({...got.toJson(), attributes: {...(got.attributes as object), ...c.update} as never, toxicity: 0.5})
      expect(updated.toJson()).toEqual({...added.toJson(), toxicity: 0.5, attributes: {...c.full, ...c.update}})

      await updated.remove()
      expect(await failureStatus(proxy.getToxic(`${c.type}_downstream`))).toBe(404)
      expect(await failureStatus(updated.remove())).toBe(404)
    })
  }

  it('keeps the given name, stream and toxicity', async () => {
    const proxy = await createEchoProxy()
    const toxic = await proxy.addToxic({name: 'slow-requests', type: 'latency', stream: 'upstream', toxicity: 0.25, attributes: {latency: 3, jitter: 1}})
    expect(toxic.toJson()).toEqual({name: 'slow-requests', type: 'latency', stream: 'upstream', toxicity: 0.25, attributes: {latency: 3, jitter: 1}})
    const upstreamDefault = await proxy.addToxic(toxicBody({type: 'latency', stream: 'upstream'}))
    expect(upstreamDefault.name).toBe('latency_upstream')
  })

  it('shows toxics on the proxy, upstream ones first', async () => {
    const proxy = await createEchoProxy()
    await proxy.addToxic(toxicBody({type: 'latency', attributes: {latency: 1, jitter: 0}}))
    await proxy.addToxic(toxicBody({type: 'bandwidth', stream: 'upstream', attributes: {rate: 9}}))
    expect((await proxyBody('echo')).toxics.map((t) => t.name)).toEqual(['bandwidth_upstream', 'latency_downstream'])
  })

  it('refuses a duplicate name (409), an unknown type (400) and a bad stream (400)', async () => {
    const proxy = await createEchoProxy()
    await proxy.addToxic(toxicBody({type: 'latency', attributes: {latency: 1, jitter: 0}}))
    expect(await failureStatus(proxy.addToxic(toxicBody({type: 'latency', attributes: {latency: 2, jitter: 0}})))).toBe(409)
    // Names are unique across both streams.
    expect(await failureStatus(proxy.addToxic(toxicBody({name: 'latency_downstream', type: 'timeout', stream: 'upstream'})))).toBe(409)
    expect(await failureStatus(proxy.addToxic(toxicBody({type: 'down'})))).toBe(400)
    expect(await failureStatus(proxy.addToxic(toxicBody({type: 'latency', stream: 'sideways' as 'upstream'})))).toBe(400)
  })

  it('refuses attributes of the wrong type with 400', async () => {
    const proxy = await createEchoProxy()
    expect(await failureStatus(proxy.addToxic(toxicBody({type: 'latency', attributes: {latency: 'slow' as unknown as number, jitter: 0}})))).toBe(400)
    expect(await failureStatus(proxy.addToxic(toxicBody({type: 'latency', attributes: {latency: 1.5, jitter: 0}})))).toBe(400)
  })

  it('answers 404 for toxics of an unknown proxy and for unknown toxics', async () => {
    const proxy = await createEchoProxy()
    await proxy.remove()
    expect(await failureStatus(proxy.addToxic(toxicBody({type: 'latency'})))).toBe(404)
    expect(await failureStatus(proxy.getToxic('latency_downstream'))).toBe(404)
    const live = await createEchoProxy()
    expect(await failureStatus(live.getToxic('nope'))).toBe(404)
  })
})

describe('what the client cannot see', () => {
  // toxiproxy-node-client throws before reading error bodies; check them over plain HTTP.
  it('answers errors as {"error", "status"}', async () => {
    const res = await fetch(`${faultProxy.url}/proxies/nope`)
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({error: 'proxy not found', status: 404})
    const bad = await fetch(`${faultProxy.url}/proxies`, {method: 'POST', body: '{"name": 7}'})
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({error: expect.stringMatching(/^bad request body: /), status: 400})
  })

  it('lists toxics, accepts PATCH updates, and answers DELETE with an empty 204', async () => {
    const proxy = await createEchoProxy()
    await proxy.addToxic(toxicBody({type: 'limit_data', attributes: {bytes: 5}}))
    const listed = await fetch(`${faultProxy.url}/proxies/echo/toxics`)
    expect(await listed.json()).toEqual([{name: 'limit_data_downstream', type: 'limit_data', stream: 'downstream', toxicity: 1, attributes: {bytes: 5}}])
    const patched = await fetch(`${faultProxy.url}/proxies/echo/toxics/limit_data_downstream`, {method: 'PATCH', body: '{"attributes": {"bytes": 9}}'})
    expect(((await patched.json()) as {attributes: unknown}).attributes).toEqual({bytes: 9})
    const deleted = await fetch(`${faultProxy.url}/proxies/echo`, {method: 'DELETE'})
    expect(deleted.status).toBe(204)
    expect(await deleted.text()).toBe('')
  })

  it('answers populate failures with the error and the proxies done before it', async () => {
    const taken = await startTestUpstream()
    const res = await fetch(`${faultProxy.url}/populate`, {
      method: 'POST',
      body: JSON.stringify([
        {name: 'first', listen: '127.0.0.1:0', upstream: upstream.address},
        {name: 'second', listen: taken.address, upstream: upstream.address},
      ]),
    })
    expect(res.status).toBe(500)
    const body = (await res.json()) as {proxies: {name: string}[]}
    expect(body).toMatchObject({error: expect.stringContaining('address already in use'), status: 500})
    expect(body.proxies.map((p) => p.name)).toEqual(['first'])
    await taken.close()
  })

  it('refuses browsers (403) like Toxiproxy', async () => {
    const res = await fetch(`${faultProxy.url}/proxies`, {headers: {'user-agent': 'Mozilla/5.0'}})
    expect(res.status).toBe(403)
  })
})

describe('server', () => {
  it('closes every proxy listener on close', async () => {
    const other = await startFaultProxy({port: 0})
    const proxy = await new Toxiproxy(other.url).createProxy({name: 'p', listen: '127.0.0.1:0', upstream: upstream.address})
    await other.close()
    expect(await accepts(proxy.listen)).toBe(false)
    expect(await accepts(other.url.replace('http://', ''))).toBe(false)
  })

  it('creates configured proxies at start (FAULTPROXY_CONFIG)', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port
        s.close(() => resolve(p))
      })
    })
    const other = await startFaultProxy({port: 0, proxies: [{name: 'redis', listen: `127.0.0.1:${port}`, upstream: upstream.address}]})
    const all = await new Toxiproxy(other.url).getAll()
    expect(all.redis).toMatchObject({listen: `127.0.0.1:${port}`, enabled: true})
    await other.close()
  })
})
