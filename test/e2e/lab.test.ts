// The whole lab, for real: `scalelab up` through the built CLI boots Redis, Postgres, the fault
// proxy, migrations, three API instances, the balancer and the gateway as local processes; the
// tests talk to it the way the README's examples do, break one instance under load, and `down`
// leaves nothing behind. Needs `npm run build` first (npm test does it).
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {execa} from 'execa'
import {Agent, fetch} from 'undici'
import {Redis} from 'ioredis'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {SEED_API_KEYS} from '../../contracts/seed.js'
import type {BalancerStatus} from '../../contracts/http.js'
import {LocalRuntime} from '../../cli/runtime/local/local-runtime.js'
import type {LabStatus} from '../../cli/runtime/types.js'
import {freePortBase, tempStateDir} from '../support/fixture-lab.js'
import {waitForRoomInWindow} from '../support/redis-time.js'

const root = join(import.meta.dirname, '..', '..')
let home: ReturnType<typeof tempStateDir>
let portBase: number
let gateway: string
let balancer: string
let pidsAtStart: number[] = []

function scalelab(...args: string[]) {
  return execa(process.execPath, [join(root, 'bin', 'run.js'), ...args], {
    cwd: root,
    reject: false,
    env: {SCALELAB_HOME: home.dir, SCALELAB_PORT_BASE: String(portBase), NO_COLOR: '1'},
    timeout: 120_000,
  })
}

async function call(method: string, url: string, init: {headers?: Record<string, string>; body?: unknown; dispatcher?: Agent} = {}) {
  const res = await fetch(url, {
    method,
    dispatcher: init.dispatcher,
    headers: {...(init.body === undefined ? {} : {'content-type': 'application/json'}), ...init.headers},
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  })
  const text = await res.text()
  let body: any = text
  try {
    body = JSON.parse(text)
  } catch {
    // metrics and other text bodies stay text
  }
  return {status: res.status, headers: res.headers, body}
}

async function login(email: string, password: string): Promise<string> {
  const r = await call('POST', `${gateway}/api/v1/auth/login`, {body: {email, password}})
  expect(r.status).toBe(200)
  return r.body.data.token as string
}

/** Running (a zombie waiting for its parent — the test process spawned a restarted instance — is not). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'system', 'gateway', 'main.js'))) throw new Error('build first: npm run build')
  home = tempStateDir()
  portBase = await freePortBase()
  // Local processes whatever this machine has: with Docker and the lab's images here, auto would pick Docker.
  const up = await scalelab('up', '--runtime', 'local')
  if (up.exitCode !== 0) throw new Error(`scalelab up failed (${up.exitCode}):\n${up.stdout}\n${up.stderr}`)
  gateway = `http://127.0.0.1:${portBase}`
  balancer = `http://127.0.0.1:${portBase + 1}`
}, 180_000)

afterAll(async () => {
  if (home) {
    await scalelab('down', '--purge')
    home.remove()
  }
}, 120_000)

describe('the whole lab on local processes', () => {
  it('status --json lists every service and fleet instance, all healthy, exit 0', async () => {
    const r = await scalelab('status', '--json')
    expect(r.exitCode).toBe(0)
    const status = JSON.parse(r.stdout) as LabStatus
    expect(status.running).toBe(true)
    expect(status.healthy).toBe(true)
    const names = status.services.map((s) => s.name)
    expect(names).toEqual(expect.arrayContaining(['redis', 'postgres', 'faultproxy', 'api-1', 'api-2', 'api-3', 'balancer', 'gateway']))
    for (const s of status.services.filter((x) => x.kind === 'service')) {
      expect(s).toMatchObject({healthy: true, pid: expect.any(Number), address: expect.stringMatching(/^127\.0\.0\.1:\d+$/)})
      if (!['redis', 'postgres'].includes(s.name)) expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    }
    pidsAtStart = status.services.flatMap((s) => (s.pid ? [s.pid] : []))
    expect(pidsAtStart.length).toBeGreaterThanOrEqual(8)
  })

  it('the README examples work: list, get, login, create with a token, me, metrics', async () => {
    const key = {'x-api-key': SEED_API_KEYS.pro}
    const list = await call('GET', `${gateway}/api/v1/resources?limit=20`, {headers: key})
    expect(list.status).toBe(200)
    expect(list.body.data.items).toHaveLength(20)
    const next = await call('GET', `${gateway}/api/v1/resources?limit=20&cursor=${encodeURIComponent(list.body.data.nextCursor)}`, {headers: key})
    expect(next.body.data.items[0].id).toBeGreaterThan(list.body.data.items[19].id)
    const one = await call('GET', `${gateway}/api/v1/resources/42`, {headers: key})
    expect(one.body.data).toMatchObject({id: 42, name: 'resource-42'})
    expect(one.headers.get('x-request-id')).toBeTruthy()

    const token = await login('user@example.com', 'user123')
    const me = await call('GET', `${gateway}/api/v1/me`, {headers: {authorization: `Bearer ${token}`}})
    expect(me.body.data).toMatchObject({email: 'user@example.com', role: 'user'})
    const created = await call('POST', `${gateway}/api/v1/resources`, {headers: {authorization: `Bearer ${token}`}, body: {name: 'e2e', description: 'made by the test', data: {k: 1}}})
    expect(created.status).toBe(201)
    const back = await call('GET', `${gateway}/api/v1/resources/${created.body.data.id}`, {headers: key})
    expect(back.body.data).toMatchObject({name: 'e2e', data: {k: 1}})
    const unauth = await call('POST', `${gateway}/api/v1/resources`, {headers: {authorization: 'Bearer not-a-token'}, body: {name: 'x'}})
    expect(unauth.status).toBe(401)

    const metrics = await call('GET', `http://127.0.0.1:${portBase + 101}/metrics`)
    expect(metrics.body).toContain('scalelab_cache_events_total')
    expect(metrics.body).toContain('scalelab_breaker_state')
  })

  it('/api/v1/status through gateway and balancer spreads over all instances', async () => {
    const seen = new Set<string>()
    for (let i = 0; i < 30; i++) {
      const r = await call('GET', `${gateway}/api/v1/status`, {headers: {'x-api-key': SEED_API_KEYS.enterprise}})
      expect(r.status).toBe(200)
      seen.add(r.body.data.instanceId)
    }
    expect([...seen].sort()).toEqual(['api-1', 'api-2', 'api-3'])
  })

  it('an admin token sees the breaker and cache views; a user token gets 403', async () => {
    const admin = await login('admin@example.com', 'admin123')
    const user = await login('user@example.com', 'user123')
    for (const path of ['/api/v1/admin/circuit-breakers', '/api/v1/admin/cache', '/api/v1/admin/dashboard']) {
      const asAdmin = await call('GET', `${gateway}${path}`, {headers: {authorization: `Bearer ${admin}`}})
      expect(asAdmin.status, path).toBe(200)
      expect(JSON.stringify(asAdmin.body.data)).toContain('api-2')
      const asUser = await call('GET', `${gateway}${path}`, {headers: {authorization: `Bearer ${user}`}})
      expect(asUser.status, path).toBe(403)
    }
    const breakers = await call('GET', `${gateway}/api/v1/admin/circuit-breakers`, {headers: {authorization: `Bearer ${admin}`}})
    expect(JSON.stringify(breakers.body.data)).toMatch(/"redis".*"closed"/)
  })

  it('through the gateway: 150 anonymous requests in a burst → exactly 100 pass and 50 get 429 with the headers', async () => {
    // The limiter's windows follow the lab Redis's clock; keep the burst inside one window.
    const redis = new Redis({host: '127.0.0.1', port: portBase + 10, lazyConnect: true})
    await redis.connect()
    try {
      await waitForRoomInWindow(redis, 60, 10)
    } finally {
      redis.disconnect()
    }
    // Anonymous clients are limited per IP: this one comes from 127.0.0.9, whose budget the logins
    // of the other tests (from 127.0.0.1) have not touched.
    const dispatcher = new Agent({localAddress: '127.0.0.9'})
    const results = await Promise.all(Array.from({length: 150}, () => call('GET', `${gateway}/api/v1/resources/7`, {dispatcher})))
    await dispatcher.close()
    const ok = results.filter((r) => r.status === 200)
    const limited = results.filter((r) => r.status === 429)
    expect(ok.length).toBe(100)
    expect(limited.length).toBe(50)
    for (const r of ok) expect(r.headers.get('ratelimit-policy')).toBe('"anonymous";q=100;w=60')
    for (const r of limited) {
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(r.headers.get('ratelimit')).toMatch(/^"anonymous";r=0;t=\d+$/)
      expect(r.body.error.code).toBe('rate_limited')
    }
  })

  it('killing one API instance under a steady stream of GETs: no client-visible errors, ejected, re-admitted when back', async () => {
    const lab = new LocalRuntime({stateDir: home.dir})
    const headers = {'x-api-key': SEED_API_KEYS.enterprise}
    const statuses = new Map<number, number>()
    let stop = false
    let sent = 0
    const stream = (async () => {
      // A bounded stream: at most 4,000 requests or until told to stop.
      while (!stop && sent < 4000) {
        const batch = await Promise.all(
          Array.from({length: 4}, (_, i) => call('GET', `${gateway}/api/v1/resources/${((sent + i) % 500) + 1}`, {headers}).catch(() => ({status: -1}))),
        )
        sent += batch.length
        for (const r of batch) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)
      }
    })()
    await new Promise((r) => setTimeout(r, 1000))
    await lab.kill('api-2')
    const ejectedBy = Date.now() + 20_000
    let ejected = false
    while (Date.now() < ejectedBy) {
      const lb = (await call('GET', `${balancer}/lb/status`)).body as BalancerStatus
      const b = lb.backends.find((x) => x.name === 'api-2')!
      if (b.ejected || !b.healthy) {
        ejected = true
        break
      }
      await new Promise((r) => setTimeout(r, 200))
    }
    await new Promise((r) => setTimeout(r, 2000))
    stop = true
    await stream
    expect(ejected).toBe(true)
    expect(sent).toBeGreaterThan(100)
    expect([...statuses.keys()]).toEqual([200])

    await lab.start('api-2')
    const backBy = Date.now() + 30_000
    let back = false
    while (Date.now() < backBy) {
      const lb = (await call('GET', `${balancer}/lb/status`)).body as BalancerStatus
      const b = lb.backends.find((x) => x.name === 'api-2')!
      if (b.healthy && !b.ejected) {
        back = true
        break
      }
      await new Promise((r) => setTimeout(r, 250))
    }
    expect(back).toBe(true)
    const seen = new Set<string>()
    for (let i = 0; i < 30 && seen.size < 3; i++) {
      seen.add((await call('GET', `${gateway}/api/v1/status`, {headers})).body.data.instanceId)
    }
    expect(seen.has('api-2')).toBe(true)
  }, 90_000)

  it('down stops every process it started and `status` then says the lab is not running', async () => {
    const before = JSON.parse((await scalelab('status', '--json')).stdout) as LabStatus
    const pids = before.services.flatMap((s) => (s.pid ? [s.pid] : []))
    const down = await scalelab('down')
    expect(down.exitCode).toBe(0)
    for (const pid of [...pids, ...pidsAtStart]) expect(alive(pid), `pid ${pid}`).toBe(false)
    const after = await scalelab('status')
    expect(after.exitCode).toBe(3)
  }, 90_000)
})
