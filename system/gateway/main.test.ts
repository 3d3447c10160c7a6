// The built entry point as the runtimes start it: a child process configured by environment only.
import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync} from 'node:fs'
import {once} from 'node:events'
import {resolve} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Agent, request} from 'undici'
import type {Redis} from 'ioredis'
import {ENTRY_POINTS} from '../../contracts/topology.js'
import {SEED_API_KEYS} from '../../contracts/seed.js'
import {freePort, waitFor} from '../../cli/runtime/local/datastores.js'
import {startTestPostgres, startTestRedis, type TestPostgres, type TestRedis} from '../../test/support/datastores.js'
import {startHttpStandIn, type HttpStandIn} from '../../test/support/http-stand-in.js'
import {redisReady, waitForRoomInWindow} from '../../test/support/redis-time.js'
import {createRedis} from '../shared/redis.js'

const entry = resolve(import.meta.dirname, '../..', ENTRY_POINTS.gateway)

interface GatewayProcess {
  url: string
  child: ChildProcess
  output: () => string
}

describe('gateway process (dist/system/gateway/main.js)', () => {
  let postgres: TestPostgres
  let redisServer: TestRedis
  let redis: Redis
  let upstream: HttpStandIn
  const children: ChildProcess[] = []
  const client = new Agent({connections: 8})

  const spawnGateway = async (env: Record<string, string>): Promise<GatewayProcess> => {
    const port = await freePort()
    const child = spawn(process.execPath, [entry], {
      env: {
        PATH: process.env.PATH,
        HOST: '127.0.0.1',
        PORT: String(port),
        UPSTREAM_URL: upstream.url,
        REDIS_URL: redisServer.url,
        DATABASE_URL: postgres.url,
        GATEWAY_SECRET: 'process-test-secret',
        LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(child)
    let output = ''
    child.stdout?.on('data', (d) => (output += d))
    child.stderr?.on('data', (d) => (output += d))
    const url = `http://127.0.0.1:${port}`
    return {url, child, output: () => output}
  }
  const healthy = (url: string) => async () => {
    try {
      const res = await request(`${url}/health`, {dispatcher: client})
      await res.body.dump()
      return res.statusCode === 200
    } catch {
      return false
    }
  }

  beforeAll(async () => {
    if (!existsSync(entry)) throw new Error(`${entry} is missing; run \`npm run build\` before this test`)
    ;[postgres, redisServer, upstream] = await Promise.all([startTestPostgres({seedResources: 0}), startTestRedis(), startHttpStandIn()])
    redis = createRedis(redisServer.url)
    await redisReady(redis)
  })
  afterAll(async () => {
    await client.close()
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
    redis?.disconnect()
    await Promise.all([postgres?.stop(), redisServer?.stop(), upstream?.close()])
  })

  it('stops at start with exit code 2 and the variable named when the configuration is wrong', async () => {
    const g = await spawnGateway({RATE_LIMITS: 'gold=5'})
    const [code] = await once(g.child, 'exit')
    expect(code).toBe(2)
    expect(g.output()).toMatch(/RATE_LIMITS: unknown tier "gold"/)
  })

  it('two gateway processes share one limit, and each drains and exits 0 on SIGTERM', async () => {
    const env = {RATE_LIMITS: 'pro=9', REDIS_TIMEOUT_MS: '2000'}
    const [g1, g2] = await Promise.all([spawnGateway({...env, INSTANCE_ID: 'gateway-a'}), spawnGateway({...env, INSTANCE_ID: 'gateway-b'})])
    expect(await waitFor(healthy(g1.url), 15_000, 100)).toBe(true)
    expect(await waitFor(healthy(g2.url), 15_000, 100)).toBe(true)
    await waitForRoomInWindow(redis, 60, 5)
    const statuses = await Promise.all(
      Array.from({length: 16}, async (_, i) => {
        const res = await request(`${(i % 2 ? g1 : g2).url}/api/v1/resources`, {headers: {'x-api-key': SEED_API_KEYS.pro}, dispatcher: client})
        await res.body.dump()
        return res.statusCode
      }),
    )
    expect(statuses.filter((s) => s === 200)).toHaveLength(9)
    expect(statuses.filter((s) => s === 429)).toHaveLength(7)
    expect(g1.output()).toMatch(/"msg":"gateway listening"/)

    for (const g of [g1, g2]) {
      g.child.kill('SIGTERM')
      const [code] = await once(g.child, 'exit')
      expect(code).toBe(0)
      expect(g.output()).toMatch(/shutdown: done/)
    }
  })
})
