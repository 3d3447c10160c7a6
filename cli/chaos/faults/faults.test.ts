// The fault units against real parts: the project's Toxiproxy-compatible fault proxy (driven with
// toxiproxy-node-client) in front of a real Redis, and a real API instance with its HTTP fault
// endpoint. Each unit is injected, observed doing what it says, rolled back, and rolled back again.
import net from 'node:net'
import {Redis} from 'ioredis'
import {Toxiproxy} from 'toxiproxy-node-client'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {resolveTopology, type Topology} from '../../../contracts/topology.js'
import {startFaultProxy, type FaultProxy} from '../../../system/faultproxy/server.js'
import type {ApiInstance} from '../../../system/api/server.js'
import {call, startTestApi, TEST_GATEWAY_SECRET} from '../../../test/support/api-harness.js'
import {startTestPostgres, startTestRedis, type TestPostgres, type TestRedis} from '../../../test/support/datastores.js'
import {UserError} from '../../errors.js'
import type {LabRuntime} from '../../runtime/types.js'
import type {FaultContext} from './fault.js'
import {HttpFault} from './http-fault.js'
import {LinkCutFault} from './link-cut-fault.js'
import {listToxics} from './links.js'
import {ToxicFault} from './toxic-fault.js'

let redis: TestRedis
let postgres: TestPostgres
let faultProxy: FaultProxy
let api: ApiInstance
let toxiproxy: Toxiproxy
let linkPort: number
let topology: Topology
let ctx: FaultContext

beforeAll(async () => {
  ;[redis, postgres, faultProxy] = await Promise.all([startTestRedis(), startTestPostgres({seedResources: 20}), startFaultProxy({port: 0})])
  toxiproxy = new Toxiproxy(faultProxy.url)
  const link = await toxiproxy.createProxy({name: 'redis', listen: '127.0.0.1:0', upstream: `127.0.0.1:${redis.port}`})
  linkPort = Number(link.listen.split(':').pop())
  api = await startTestApi({redis, postgres}, {INSTANCE_ID: 'api-1', EXTERNAL_FAILURE_RATE: '0'})
  // The lab's topology, pointed at these real parts.
  topology = resolveTopology({runtime: 'local', apiReplicas: 1, portBase: 40_000, gatewaySecret: TEST_GATEWAY_SECRET, faultProxy: true})
  const apiInstance = topology.instances.find((i) => i.name === 'api-1')!
  apiInstance.url = api.url
  ctx = {runtime: {} as LabRuntime, topology, toxiproxy: () => toxiproxy}
})

afterAll(async () => {
  await api?.close()
  await faultProxy?.close()
  await Promise.all([redis?.stop(), postgres?.stop()])
})

async function pingThroughLink(): Promise<number> {
  const client = new Redis({host: '127.0.0.1', port: linkPort, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 1500, retryStrategy: () => null})
  try {
    await client.connect()
    const t0 = performance.now()
    await client.ping()
    return performance.now() - t0
  } finally {
    client.disconnect()
  }
}

describe('ToxicFault', () => {
  const fault = new ToxicFault({kind: 'toxic', link: 'redis', name: 'scalelab-chaos-test-1', type: 'latency', stream: 'downstream', toxicity: 1, attributes: {latency: 300, jitter: 0}})

  it('names what it does', () => {
    expect(fault.action).toBe('toxic latency (downstream, latency 300, jitter 0)')
    expect(fault.target).toBe('redis link')
  })

  it('adds its toxic to the link (traffic through it slows down) and removes exactly it', async () => {
    await fault.preflight(ctx)
    expect(await fault.inject(ctx)).toBe('Added toxic scalelab-chaos-test-1 (latency, downstream, toxicity 1) on the redis link.')
    expect((await listToxics(await toxiproxy.get('redis'))).map((t) => t.name)).toEqual(['scalelab-chaos-test-1'])
    expect(await pingThroughLink()).toBeGreaterThanOrEqual(280)
    expect(await fault.rollback(ctx)).toBe('Removed toxic scalelab-chaos-test-1 from the redis link.')
    expect(await listToxics(await toxiproxy.get('redis'))).toEqual([])
    expect(await pingThroughLink()).toBeLessThan(250)
    expect(await fault.rollback(ctx)).toBe('Toxic scalelab-chaos-test-1 is not on the redis link (already removed).')
  })

  it('refuses a lab without the fault proxy, with what to do', async () => {
    const without = {...ctx, topology: {...topology, links: []}}
    const error = await fault.preflight(without).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UserError)
    expect((error as UserError).message).toContain('this lab runs without the fault proxy')
  })
})

describe('LinkCutFault', () => {
  it('disables the link (connections fail) and enables it again', async () => {
    const fault = new LinkCutFault({kind: 'cut', link: 'redis'})
    await fault.preflight(ctx)
    expect(await fault.inject(ctx)).toBe('Cut the redis link (enabled: false).')
    expect((await toxiproxy.get('redis')).enabled).toBe(false)
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect({host: '127.0.0.1', port: linkPort})
      socket.once('connect', () => (socket.destroy(), resolve(false)))
      socket.once('error', () => resolve(true))
    })
    expect(refused).toBe(true)
    expect(await fault.rollback(ctx)).toBe('Enabled the redis link again.')
    expect(await pingThroughLink()).toBeLessThan(250)
    expect(await fault.rollback(ctx)).toBe('The redis link is already enabled.')
  })
})

describe('HttpFault', () => {
  const fault = new HttpFault({kind: 'http', instance: 'api-1', errorRate: 1, status: 503, delayMs: 0, delayRate: 1, routes: '/api/v1/resources', expiresAfterMs: 60_000})

  it('makes the instance fail its requests, with an expiry of its own, until it is rolled back', async () => {
    expect(fault.action).toBe('http HTTP 503 for 100% on /api/v1/resources')
    await fault.preflight(ctx)
    expect((await call(api.url, 'GET', '/api/v1/resources/1')).status).toBe(200)
    expect(await fault.inject(ctx)).toBe('Set an HTTP fault on api-1: HTTP 503 for 100% on /api/v1/resources.')
    const failed = await call(api.url, 'GET', '/api/v1/resources/1')
    expect(failed.status).toBe(503)
    expect(failed.body.error.code).toBe('fault_injected')
    expect(await fault.rollback(ctx)).toBe('Cleared the HTTP fault on api-1.')
    expect((await call(api.url, 'GET', '/api/v1/resources/1')).status).toBe(200)
  })

  it('an unknown instance is a UserError naming the fleet; a stopped one has nothing to roll back', async () => {
    const other = new HttpFault({...fault.spec, instance: 'api-7'})
    await expect(other.preflight(ctx)).rejects.toThrow('which this lab does not have; its API instances are api-1')
    const closedPort = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const {port} = server.address() as net.AddressInfo
        server.close(() => resolve(port))
      })
    })
    const gone = {...ctx, topology: {...topology, instances: topology.instances.map((i) => (i.name === 'api-1' ? {...i, url: `http://127.0.0.1:${closedPort}`} : i))}}
    expect(await fault.rollback(gone)).toBe('api-1 is not running; its HTTP fault went with it.')
  })
})
