import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ENTRY_POINTS} from '../../contracts/topology.js'
import {freePort} from '../../cli/runtime/local/datastores.js'
import {startTestPostgres, startTestRedis, type TestPostgres, type TestRedis} from '../../test/support/datastores.js'
import {eventually} from '../../test/support/api-harness.js'

// The built entry point as the runtimes start it: configured by env only, stopped by SIGTERM.
describe(`${ENTRY_POINTS.api} (built)`, () => {
  let redis: TestRedis
  let postgres: TestPostgres

  beforeAll(async () => {
    if (!existsSync(ENTRY_POINTS.api)) throw new Error(`${ENTRY_POINTS.api} is missing: run \`npm run build\` first (npm test does)`)
    ;[redis, postgres] = await Promise.all([startTestRedis(), startTestPostgres({seedResources: 10})])
  })
  afterAll(async () => {
    await Promise.all([redis?.stop(), postgres?.stop()])
  })

  it('starts from env, becomes ready, logs JSON, and exits 0 on SIGTERM', async () => {
    const port = await freePort()
    const child = spawn(process.execPath, [ENTRY_POINTS.api], {
      env: {...process.env, HOST: '127.0.0.1', PORT: String(port), INSTANCE_ID: 'api-main', DATABASE_URL: postgres.url, REDIS_URL: redis.url, GATEWAY_SECRET: 's'},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    try {
      const ready = await eventually(async () => {
        const r = await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined)
        return r?.status === 200 ? ((await r.json()) as {status: string}) : undefined
      }, 15_000, 100)
      expect(ready.status).toBe('ready')
      expect((await fetch(`http://127.0.0.1:${port}/api/v1/resources/1`)).status).toBe(200)
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
    const lines = output.trim().split('\n').map((l) => JSON.parse(l) as {msg: string; instance: string})
    expect(lines.every((l) => l.instance === 'api-main')).toBe(true)
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['api listening', 'request', 'shutdown: draining', 'shutdown: done']))
  })

  it('refuses to start without its required configuration, naming the variable', async () => {
    const child = spawn(process.execPath, [ENTRY_POINTS.api], {env: {PATH: process.env.PATH}, stdio: ['ignore', 'pipe', 'pipe']})
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
    expect(code).toBe(1)
    expect(output).toContain('DATABASE_URL')
  })
})
