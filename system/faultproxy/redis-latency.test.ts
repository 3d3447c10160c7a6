// A latency toxic of L ms adds L ms to a real Redis round trip, on a pooled connection that was
// open before the toxic came, as the lab's API instances see it.
import {Redis} from 'ioredis'
import {Toxiproxy, type ICreateToxicBody, type Latency} from 'toxiproxy-node-client'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startTestRedis, type TestRedis} from '../../test/support/datastores.js'
import {systemClock} from './clock.js'
import {startFaultProxy, type FaultProxy} from './server.js'
import {median} from './tcp-test-fixtures.js'

let redis: TestRedis
let faultProxy: FaultProxy
let client: Redis

const ROUND_TRIPS = 60

async function pingMs(): Promise<number> {
  const began = performance.now()
  await client.ping()
  return performance.now() - began
}

async function medianPingMs(count = ROUND_TRIPS): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < count; i++) times.push(await pingMs())
  return median(times)
}

/** How long a timer of `ms` on the toxics' clock takes to fire here, now. */
function timerMs(ms: number): Promise<number> {
  const began = performance.now()
  return new Promise((resolve) => systemClock.setTimer(() => resolve(performance.now() - began), ms))
}

beforeAll(async () => {
  redis = await startTestRedis()
  faultProxy = await startFaultProxy({port: 0})
  const proxy = await new Toxiproxy(faultProxy.url).createProxy({name: 'redis', listen: '127.0.0.1:0', upstream: `${redis.host}:${redis.port}`})
  const [host, port] = proxy.listen.split(':')
  client = new Redis({host, port: Number(port), lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0})
  await client.connect()
})

afterAll(async () => {
  client?.disconnect()
  await faultProxy?.close()
  await redis?.stop()
})

describe('Redis round trip through the proxy', () => {
  for (const latency of [5, 20]) {
    it(`a ${latency} ms latency toxic adds ${latency} ms (median of ${ROUND_TRIPS} PINGs)`, async () => {
      const proxy = await new Toxiproxy(faultProxy.url).get('redis')
      await medianPingMs(10) // warm up
      const baseline = await medianPingMs()
      const toxic = await proxy.addToxic({name: 'lag', type: 'latency', stream: 'downstream', toxicity: 1, attributes: {latency, jitter: 0}} as ICreateToxicBody<Latency>)
      // Interleaved with the PINGs: what a bare timer of L ms costs on this machine right now.
      // On a quiet machine that is L + under 1 ms; on an overloaded one wake-ups run late, and
      // the proxy cannot be more punctual than the scheduler that wakes it.
      const slowed: number[] = []
      const timers: number[] = []
      for (let i = 0; i < ROUND_TRIPS; i++) {
        slowed.push(await pingMs())
        timers.push(await timerMs(latency))
      }
      await toxic.remove()
      const added = median(slowed) - baseline
      const timer = median(timers)
      console.log(`latency ${latency} ms: baseline ${baseline.toFixed(3)} ms, with toxic ${median(slowed).toFixed(3)} ms, added ${added.toFixed(3)} ms; a ${latency} ms timer took ${timer.toFixed(3)} ms`)
      // Never early (as Toxiproxy); beyond that, no later than the timer itself plus a little.
      expect(added).toBeGreaterThanOrEqual(latency - 0.25)
      expect(added).toBeLessThan(Math.max(timer, latency) + 1.5)
    })
  }
})
