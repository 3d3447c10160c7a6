// What each toxic does to real TCP connections through the proxy, per stream, per connection,
// and on connections that were already open when the toxic came or went.
import {randomBytes} from 'node:crypto'
import type net from 'node:net'
import {Toxiproxy, type ICreateToxicBody, type Proxy} from 'toxiproxy-node-client'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {seededRandom} from './clock.js'
import {startFaultProxy, type FaultProxy} from './server.js'
import {connect, echoRoundTrip, median, sleep, SocketRecorder, startTestUpstream, type TestUpstream} from './tcp-test-fixtures.js'

let faultProxy: FaultProxy
let toxiproxy: Toxiproxy
const cleanups: (() => unknown)[] = []

beforeAll(async () => {
  faultProxy = await startFaultProxy({port: 0})
  toxiproxy = new Toxiproxy(faultProxy.url)
})

afterAll(async () => {
  await faultProxy?.close()
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  for (const proxy of Object.values(await toxiproxy.getAll())) await proxy.remove()
})

interface Setup {
  proxy: Proxy
  upstream: TestUpstream
  client: SocketRecorder
  /** The upstream server's side of the client's connection. */
  server: net.Socket
  serverSide: SocketRecorder
}

/** A proxy in front of a fresh upstream, and one client connected through it. */
async function open(options: {echo?: boolean; api?: Toxiproxy} = {}): Promise<Setup> {
  const upstream = await startTestUpstream({echo: options.echo})
  cleanups.push(() => upstream.close())
  const api = options.api ?? toxiproxy
  const proxy = await api.createProxy({name: `p${cleanups.length}`, listen: '127.0.0.1:0', upstream: upstream.address})
  const client = new SocketRecorder(await connect(proxy.listen))
  cleanups.push(() => client.socket.destroy())
  const server = await upstream.socket(0)
  return {proxy, upstream, client, server, serverSide: new SocketRecorder(server)}
}

function toxic<T>(body: Partial<ICreateToxicBody<T>>): ICreateToxicBody<T> {
  return body as ICreateToxicBody<T>
}

async function roundTrips(client: SocketRecorder, count: number): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < count; i++) times.push(await echoRoundTrip(client, Buffer.from(`ping ${i}\n`)))
  return times
}

describe('no toxic', () => {
  it('pipes bytes both ways unchanged', async () => {
    const {client} = await open({echo: true})
    const payload = randomBytes(1 << 20)
    client.socket.write(payload)
    await client.bytes(payload.length, 10_000)
    expect(client.data.equals(payload)).toBe(true)
  })

  it('closes the upstream side when the client closes', async () => {
    const {client, serverSide} = await open()
    client.socket.end()
    await serverSide.closing()
    await client.closing()
  })
})

describe('latency', () => {
  it('delays the downstream by latency ms (echo round trip)', async () => {
    const {proxy, client} = await open({echo: true})
    const before = median(await roundTrips(client, 10))
    await proxy.addToxic(toxic({type: 'latency', attributes: {latency: 40, jitter: 0}}))
    const after = median(await roundTrips(client, 10))
    expect(after - before).toBeGreaterThanOrEqual(38)
    expect(after - before).toBeLessThan(40 + 15)
  })

  it('upstream latency delays what the client sends, not what it receives', async () => {
    const {proxy, client, server, serverSide} = await open()
    await proxy.addToxic(toxic({type: 'latency', stream: 'upstream', attributes: {latency: 60, jitter: 0}}))
    let began = performance.now()
    client.socket.write('up')
    await serverSide.bytes(2)
    expect(performance.now() - began).toBeGreaterThanOrEqual(58)
    began = performance.now()
    server.write('down')
    await client.bytes(4)
    expect(performance.now() - began).toBeLessThan(40)
  })

  it('keeps delays within latency ± jitter', async () => {
    const {proxy, client} = await open({echo: true})
    await proxy.addToxic(toxic({type: 'latency', attributes: {latency: 30, jitter: 10}}))
    const times = await roundTrips(client, 12)
    // Drawn from [20, 40) ms: never below; the median near the middle; not all the same.
    expect(Math.min(...times)).toBeGreaterThanOrEqual(19)
    expect(median(times)).toBeGreaterThan(22)
    expect(median(times)).toBeLessThan(40)
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(3)
  })
})

describe('bandwidth', () => {
  it('limits the rate to rate KB/s', async () => {
    const {proxy, client, server} = await open()
    await proxy.addToxic(toxic({type: 'bandwidth', attributes: {rate: 100}}))
    const began = performance.now()
    server.write(randomBytes(50_000))
    await client.bytes(50_000, 5000)
    const elapsed = performance.now() - began
    // 50,000 bytes at 100,000 B/s: 500 ms.
    expect(elapsed).toBeGreaterThan(450)
    expect(elapsed).toBeLessThan(900)
  })
})

describe('slow_close', () => {
  it('holds the close back by delay ms', async () => {
    const {proxy, client, server} = await open()
    await proxy.addToxic(toxic({type: 'slow_close', attributes: {delay: 300}}))
    server.write('last words')
    const began = performance.now()
    server.end()
    await client.bytes(10)
    expect(performance.now() - began).toBeLessThan(100)
    await client.closing()
    expect(client.closedAt! - began).toBeGreaterThanOrEqual(290)
  })
})

describe('timeout', () => {
  it('with 0 lets nothing through and holds the connection open; removing it closes the link', async () => {
    const {proxy, client, server} = await open()
    const t = await proxy.addToxic(toxic({type: 'timeout', attributes: {timeout: 0}}))
    server.write('swallowed')
    await sleep(300)
    expect(client.data.length).toBe(0)
    expect(client.closed).toBe(false)
    await t.remove()
    await client.closing()
    expect(client.data.length).toBe(0)
  })

  it('closes the connection after timeout ms without passing data', async () => {
    const {proxy, client, server} = await open()
    const began = performance.now()
    await proxy.addToxic(toxic({type: 'timeout', attributes: {timeout: 200}}))
    server.write('swallowed')
    await client.closing()
    expect(client.closedAt! - began).toBeGreaterThanOrEqual(190)
    expect(client.closedAt! - began).toBeLessThan(800)
    expect(client.data.length).toBe(0)
  })
})

describe('reset_peer', () => {
  it('resets the connection (ECONNRESET) timeout ms after data arrives', async () => {
    const {proxy, client, server, serverSide} = await open()
    await proxy.addToxic(toxic({type: 'reset_peer', attributes: {timeout: 100}}))
    const began = performance.now()
    server.write('trigger')
    await client.closing()
    expect(client.errorCode).toBe('ECONNRESET')
    expect(client.closedAt! - began).toBeGreaterThanOrEqual(95)
    expect(client.data.length).toBe(0)
    await serverSide.closing()
    expect(serverSide.errorCode).toBe('ECONNRESET')
  })
})

describe('slicer', () => {
  it('cuts data into slices of about average_size, delay µs apart', async () => {
    const {proxy, client, server} = await open()
    await proxy.addToxic(toxic({type: 'slicer', attributes: {average_size: 100, size_variation: 20, delay: 5000}}))
    const payload = randomBytes(2000)
    const began = performance.now()
    server.write(payload)
    await client.bytes(payload.length)
    expect(client.data.equals(payload)).toBe(true)
    // ~16-32 slices 5 ms apart; the receiver may coalesce a few, never into one.
    expect(client.reads.length).toBeGreaterThanOrEqual(8)
    expect(Math.max(...client.reads.map((r) => r.size))).toBeLessThan(500)
    expect(performance.now() - began).toBeGreaterThanOrEqual(60)
  })
})

describe('limit_data', () => {
  it('passes `bytes` bytes downstream, then closes the connection', async () => {
    const {proxy, client, server, serverSide} = await open()
    await proxy.addToxic(toxic({type: 'limit_data', attributes: {bytes: 100}}))
    server.write(randomBytes(300))
    await client.closing()
    expect(client.data.length).toBe(100)
    await serverSide.closing()
  })

  it('on the upstream stream limits what the server receives', async () => {
    const {proxy, client, serverSide} = await open()
    await proxy.addToxic(toxic({type: 'limit_data', stream: 'upstream', attributes: {bytes: 10}}))
    client.socket.write(Buffer.alloc(30, 'a'))
    await serverSide.closing()
    expect(serverSide.data.toString()).toBe('a'.repeat(10))
    await client.closing()
  })
})

describe('back-pressure', () => {
  it('a slow toxic pushes back on the sender instead of buffering everything in the proxy', async () => {
    const {proxy, client, serverSide} = await open()
    await proxy.addToxic(toxic({type: 'bandwidth', stream: 'upstream', attributes: {rate: 1000}}))
    const piece = Buffer.alloc(64 << 10)
    for (let i = 0; i < 512; i++) client.socket.write(piece)
    await sleep(500)
    // At 1 MB/s about 0.5 MB got through; the proxy may hold ~1 MiB plus socket buffers, so
    // most of the 32 MiB must still wait in the client.
    expect(serverSide.data.length).toBeLessThan(3 << 20)
    expect(client.socket.writableLength).toBeGreaterThan(24 << 20)
  })
})

describe('back-pressure, continued', () => {
  it('resumes the sender when a later toxic drops what an earlier one held', async () => {
    const {proxy, client, serverSide} = await open()
    await proxy.addToxic(toxic({type: 'latency', stream: 'upstream', attributes: {latency: 100, jitter: 0}}))
    await proxy.addToxic(toxic({type: 'timeout', stream: 'upstream', attributes: {timeout: 0}}))
    const piece = Buffer.alloc(64 << 10)
    for (let i = 0; i < 128; i++) client.socket.write(piece)
    await client.until(() => client.socket.writableLength === 0, 5000, 'the client to send all 8 MiB')
    expect(serverSide.data.length).toBe(0)
  })
})

describe('toxicity', () => {
  it('0 never applies and 1 always applies', async () => {
    const {proxy, client} = await open({echo: true})
    await proxy.addToxic(toxic({name: 'never', type: 'latency', toxicity: 0, attributes: {latency: 200, jitter: 0}}))
    expect(Math.max(...(await roundTrips(client, 3)))).toBeLessThan(100)
    await proxy.addToxic(toxic({name: 'always', type: 'latency', toxicity: 1, attributes: {latency: 50, jitter: 0}}))
    expect(Math.min(...(await roundTrips(client, 3)))).toBeGreaterThanOrEqual(48)
  })

  it('is drawn once per connection: a connection is slowed on every message or on none', async () => {
    const seeded = await startFaultProxy({port: 0, random: seededRandom(7)})
    cleanups.push(() => seeded.close())
    const api = new Toxiproxy(seeded.url)
    const upstream = await startTestUpstream({echo: true})
    cleanups.push(() => upstream.close())
    const proxy = await api.createProxy({name: 'half', listen: '127.0.0.1:0', upstream: upstream.address})
    await proxy.addToxic(toxic({type: 'latency', toxicity: 0.5, attributes: {latency: 100, jitter: 0}}))
    const kinds: string[] = []
    for (let i = 0; i < 12; i++) {
      const client = new SocketRecorder(await connect(proxy.listen))
      const slow = (await roundTrips(client, 3)).map((t) => t >= 50)
      client.socket.destroy()
      expect(new Set(slow).size, `connection ${i}: ${slow}`).toBe(1)
      kinds.push(slow[0] ? 'slow' : 'fast')
    }
    expect(kinds).toContain('slow')
    expect(kinds).toContain('fast')
  })
})

describe('toxics set before a client connects', () => {
  it('apply from the first byte of a new connection', async () => {
    const upstream = await startTestUpstream({echo: true})
    cleanups.push(() => upstream.close())
    const proxy = await toxiproxy.createProxy({name: 'preset', listen: '127.0.0.1:0', upstream: upstream.address})
    await proxy.addToxic(toxic({type: 'latency', attributes: {latency: 50, jitter: 0}}))
    await proxy.addToxic(toxic({type: 'limit_data', attributes: {bytes: 6}}))
    const client = new SocketRecorder(await connect(proxy.listen))
    cleanups.push(() => client.socket.destroy())
    const began = performance.now()
    client.socket.write('hello world')
    await client.closing()
    expect(client.closedAt! - began).toBeGreaterThanOrEqual(48)
    expect(client.data.toString()).toBe('hello ')
  })
})

describe('toxics on connections already open', () => {
  it('a toxic added applies at once, and stops applying when removed', async () => {
    const {proxy, client} = await open({echo: true})
    expect(median(await roundTrips(client, 3))).toBeLessThan(30)
    const t = await proxy.addToxic(toxic({type: 'latency', attributes: {latency: 80, jitter: 0}}))
    expect(median(await roundTrips(client, 3))).toBeGreaterThanOrEqual(78)
    await t.remove()
    expect(median(await roundTrips(client, 3))).toBeLessThan(30)
  })

  it('removing latency releases what it holds at once', async () => {
    const {proxy, client, server} = await open()
    const t = await proxy.addToxic(toxic({type: 'latency', attributes: {latency: 5000, jitter: 0}}))
    server.write('held')
    await sleep(50)
    expect(client.data.length).toBe(0)
    const began = performance.now()
    await t.remove()
    await client.bytes(4)
    expect(performance.now() - began).toBeLessThan(500)
  })

  it('keeps every byte in order while toxics come and go mid-stream', async () => {
    const {proxy, client, server} = await open()
    const total = 200_000
    const payload = Buffer.alloc(total)
    for (let i = 0; i < total; i++) payload[i] = i % 251
    let sent = 0
    const writer = (async () => {
      while (sent < total) {
        server.write(payload.subarray(sent, sent + 1000))
        sent += 1000
        await sleep(1)
      }
    })()
    for (let round = 0; round < 4; round++) {
      const a = await proxy.addToxic(toxic({name: `lat${round}`, type: 'latency', attributes: {latency: 20, jitter: 15}}))
      const b = await proxy.addToxic(toxic({name: `slice${round}`, type: 'slicer', attributes: {average_size: 300, size_variation: 100, delay: 0}}))
      await sleep(30)
      await a.remove()
      await sleep(10)
      await b.remove()
    }
    await writer
    await client.bytes(total, 10_000)
    expect(client.data.equals(payload)).toBe(true)
  })

  it('limit_data added to an open connection counts from then', async () => {
    const {proxy, client, server} = await open()
    server.write(Buffer.alloc(50))
    await client.bytes(50)
    await proxy.addToxic(toxic({type: 'limit_data', attributes: {bytes: 20}}))
    server.write(Buffer.alloc(50))
    await client.closing()
    expect(client.data.length).toBe(70)
  })

  it('reset removes toxics from open connections', async () => {
    const {proxy, client} = await open({echo: true})
    await proxy.addToxic(toxic({type: 'latency', attributes: {latency: 80, jitter: 0}}))
    expect(median(await roundTrips(client, 2))).toBeGreaterThanOrEqual(78)
    await toxiproxy.reset()
    expect(median(await roundTrips(client, 3))).toBeLessThan(30)
  })
})

describe('enabled: false', () => {
  it('cuts open connections and refuses new ones; enabling again serves the same address', async () => {
    const {proxy, client, serverSide} = await open({echo: true})
    const down = await proxy.update({enabled: false, listen: proxy.listen, upstream: proxy.upstream})
    await client.closing()
    await serverSide.closing()
    await expect(connect(proxy.listen)).rejects.toMatchObject({code: 'ECONNREFUSED'})
    await down.update({enabled: true, listen: down.listen, upstream: down.upstream})
    const again = new SocketRecorder(await connect(proxy.listen))
    await echoRoundTrip(again, Buffer.from('back'))
    again.socket.destroy()
  })

  it('removing the proxy cuts its connections', async () => {
    const {proxy, client} = await open()
    await proxy.remove()
    await client.closing()
  })
})

describe('upstream down', () => {
  it('accepts, then closes the client when the upstream refuses', async () => {
    const proxy = await toxiproxy.createProxy({name: 'nowhere', listen: '127.0.0.1:0', upstream: '127.0.0.1:1'})
    const client = new SocketRecorder(await connect(proxy.listen))
    await client.closing()
    const proxyState = faultProxy.proxies.get('nowhere')
    for (let i = 0; i < 100 && proxyState.connectionCount > 0; i++) await sleep(10)
    expect(proxyState.connectionCount).toBe(0)
  })
})
