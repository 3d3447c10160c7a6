// One real lab (redis-server, postgres, fixture node services) taken through its whole life:
// up in dependency order, status, logs, the fault verbs on real processes, repair, resizing the
// fleet, down (by pid) and --purge.
import {existsSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {BackendMembership} from '../../../contracts/http.js'
import {fleet} from '../../../contracts/topology.js'
import {pingPostgres, pingRedis} from './datastores.js'
import {descendantsOf, isAlive, readProcess} from './process-table.js'
import {fixtureRuntime, freePortBase, tempStateDir} from '../../../test/support/fixture-lab.js'
import type {LocalRuntime} from './local-runtime.js'
import type {ProgressEvent} from '../types.js'
import {runDoctor} from '../doctor.js'

const collect = async (it: AsyncIterable<string>) => {
  const out: string[] = []
  for await (const line of it) out.push(line)
  return out
}

describe('local runtime: a whole lab', () => {
  const home = tempStateDir()
  let runtime: LocalRuntime
  let portBase: number
  const events: ProgressEvent[] = []
  const allPids = new Set<number>()
  const rememberPids = async () => {
    for (const s of (await runtime.status()).services) if (s.pid) allPids.add(s.pid)
  }

  beforeAll(async () => {
    portBase = await freePortBase()
    runtime = fixtureRuntime(home.dir)
    const result = await runtime.up({portBase, apiReplicas: 2}, {onProgress: (e) => events.push(e)})
    expect(result.action).toBe('started')
    await rememberPids()
  })

  afterAll(async () => {
    await runtime?.down({purge: true}).catch(() => undefined)
    home.remove()
  })

  it('starts every instance after its dependencies are healthy, and reports each', async () => {
    const ready = events.filter((e) => e.type === 'ready').map((e) => (e as {name: string}).name)
    expect(ready.sort()).toEqual(['api-1', 'api-2', 'balancer', 'faultproxy', 'gateway', 'migrate', 'postgres', 'redis'].sort())
    const topology = (await runtime.topology())!
    const readyIndex = (name: string) => events.findIndex((e) => e.type === 'ready' && e.name === name)
    const startIndex = (name: string) => events.findIndex((e) => e.type === 'starting' && e.name === name)
    for (const inst of topology.instances) {
      for (const dep of inst.dependsOn) expect(readyIndex(dep), `${dep} ready before ${inst.name} starts`).toBeLessThan(startIndex(inst.name))
    }
    // The fixtures exit 1 when a dependency does not answer at start, so getting here proves it too.
    const links = events.find((e) => e.type === 'links')
    expect(links).toMatchObject({links: [{name: 'redis'}, {name: 'postgres'}]})
  })

  it('reports every service and fleet instance as healthy, with pids, urls and uptime', async () => {
    const status = await runtime.status()
    expect(status.running).toBe(true)
    expect(status.healthy).toBe(true)
    expect(status.services.map((s) => s.name)).toEqual(['redis', 'postgres', 'faultproxy', 'migrate', 'api-1', 'api-2', 'balancer', 'gateway'])
    for (const s of status.services.filter((x) => x.kind === 'service')) {
      expect(s, s.name).toMatchObject({state: 'running', healthy: true})
      expect(isAlive(s.pid!)).toBe(true)
      expect(s.uptimeSeconds).toBeGreaterThanOrEqual(0)
    }
    expect(status.services.find((s) => s.name === 'gateway')!.url).toBe(`http://127.0.0.1:${portBase}`)
    expect(status.services.find((s) => s.name === 'migrate')).toMatchObject({kind: 'job', state: 'completed', healthy: true})
    // Real datastores, on the lab's ports, and reachable through the fault proxy's links.
    expect(await pingRedis('127.0.0.1', portBase + 10)).toBe(true)
    expect(await pingRedis('127.0.0.1', portBase + 11)).toBe(true)
    expect(await pingPostgres('127.0.0.1', portBase + 20, 2000, 'scalelab')).toBe(true)
    expect(await pingPostgres('127.0.0.1', portBase + 21, 2000, 'scalelab')).toBe(true)
  })

  it('keeps pids, ports, options and the generated secret in a private state file', () => {
    const file = join(home.dir, 'state.json')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const state = JSON.parse(readFileSync(file, 'utf8'))
    expect(state).toMatchObject({runtime: 'local', phase: 'up', options: {portBase, apiReplicas: 2, faultProxy: true}})
    expect(state.options.gatewaySecret).toMatch(/^[\w-]{20,}$/)
    expect(state.instances.redis).toMatchObject({state: 'running', port: portBase + 10})
    expect(readProcess(state.instances.redis.pid)?.startTime).toBe(state.instances.redis.procStartTime)
  })

  it('`up` on a running lab changes nothing and says which options it did not apply', async () => {
    const before = (await runtime.status()).services.map((s) => s.pid)
    const again = await runtime.up({portBase: portBase + 1000})
    expect(again.action).toBe('already-up')
    expect(again.ignored?.[0]).toContain('--port-base')
    expect(again.endpoints[0]).toMatchObject({name: 'gateway', url: `http://127.0.0.1:${portBase}`})
    expect((await runtime.status()).services.map((s) => s.pid)).toEqual(before)
  })

  it('writes each instance log to its own file, readable by name', async () => {
    const lines = await collect(runtime.logs('api-1', {lines: 50}))
    expect(lines.join('\n')).toContain('"msg":"listening"')
    expect(lines.join('\n')).toContain('"instance":"api-1"')
    expect((await collect(runtime.logs('migrate'))).join('\n')).toContain('migrations applied')
    await expect(collect(runtime.logs('nope'))).rejects.toThrow(/valid names: redis, postgres, faultproxy, migrate, api-1/)
  })

  it('kill SIGKILLs redis; status shows it; start brings it back on the same port', async () => {
    const pid = (await runtime.status()).services.find((s) => s.name === 'redis')!.pid!
    const killed = await runtime.kill('redis')
    expect(killed).toMatchObject({changed: true, state: 'stopped', previousPid: pid})
    expect(isAlive(pid)).toBe(false)
    expect(await pingRedis('127.0.0.1', portBase + 10, 300)).toBe(false)
    const status = await runtime.status()
    expect(status.healthy).toBe(false)
    expect(status.services.find((s) => s.name === 'redis')).toMatchObject({state: 'stopped', healthy: false, pid: null, detail: 'killed (SIGKILL)'})
    // A dependent sees it: the API fixture reports degraded.
    expect(status.services.find((s) => s.name === 'api-1')).toMatchObject({health: 'degraded', healthy: false})
    expect((await runtime.kill('redis')).changed).toBe(false)

    const started = await runtime.start('redis')
    expect(started.changed).toBe(true)
    expect(started.pid).not.toBe(pid)
    allPids.add(started.pid!)
    expect(await pingRedis('127.0.0.1', portBase + 10)).toBe(true)
    expect((await runtime.status()).healthy).toBe(true)
  })

  it('pause freezes postgres (connections time out) and resume thaws it', async () => {
    const paused = await runtime.pause('postgres')
    expect(paused).toMatchObject({changed: true, state: 'paused'})
    expect(readProcess(paused.pid!)?.state).toBe('T')
    expect(await pingPostgres('127.0.0.1', portBase + 20, 500)).toBe(false)
    expect((await runtime.status()).services.find((s) => s.name === 'postgres')).toMatchObject({state: 'paused', healthy: false})
    expect((await runtime.pause('postgres')).changed).toBe(false)

    const resumed = await runtime.resume('postgres')
    expect(resumed).toMatchObject({changed: true, state: 'running', pid: paused.pid})
    expect(await pingPostgres('127.0.0.1', portBase + 20, 2000)).toBe(true)
  })

  it('stop shuts postgres down gracefully (backends too) and start respawns it from the spec', async () => {
    const pid = (await runtime.status()).services.find((s) => s.name === 'postgres')!.pid!
    const backends = descendantsOf(pid)
    expect(backends.length).toBeGreaterThan(0) // checkpointer, walwriter, ...
    const stopped = await runtime.stop('postgres')
    expect(stopped.message).toMatch(/SIGINT, exited in/)
    expect([pid, ...backends].filter(isAlive)).toEqual([])
    const started = await runtime.start('postgres')
    allPids.add(started.pid!)
    expect(await pingPostgres('127.0.0.1', portBase + 20, 2000, 'scalelab')).toBe(true)
  })

  it('kill of a postgres with live backends takes the backends too, so it restarts cleanly', async () => {
    const pg = await import('pg')
    const client = new pg.default.Client({host: '127.0.0.1', port: portBase + 20, user: 'scalelab', database: 'scalelab'})
    await client.connect()
    client.on('error', () => undefined)
    const pid = (await runtime.status()).services.find((s) => s.name === 'postgres')!.pid!
    const backends = descendantsOf(pid)
    await runtime.kill('postgres')
    // Postgres children are session leaders of their own: a group kill would have left them.
    expect([pid, ...backends].filter(isAlive)).toEqual([])
    await client.end().catch(() => undefined)
    const started = await runtime.start('postgres')
    allPids.add(started.pid!)
    expect(await pingPostgres('127.0.0.1', portBase + 20, 2000, 'scalelab')).toBe(true)
  })

  it('a restarted fault proxy gets its links back (they live in its memory)', async () => {
    await runtime.kill('faultproxy')
    expect(await pingRedis('127.0.0.1', portBase + 11, 300)).toBe(false)
    const started = await runtime.start('faultproxy')
    allPids.add(started.pid!)
    expect(await pingRedis('127.0.0.1', portBase + 11)).toBe(true)
    expect(await pingPostgres('127.0.0.1', portBase + 21, 2000, 'scalelab')).toBe(true)
  })

  it('doctor counts the ports the running lab holds as fine', async () => {
    const report = await runDoctor({stateDir: home.dir, packageRoot: process.cwd()}, {portBase, apiReplicas: 2, dockerTimeoutMs: 500})
    const ports = report.checks.find((c) => c.name === 'ports')!
    expect(ports).toMatchObject({ok: true})
    expect(ports.detail).toContain('9 used by the running lab')
  })

  it('repair resumes what is paused and starts what is stopped', async () => {
    await runtime.pause('redis')
    await runtime.stop('api-2')
    await runtime.kill('balancer')
    const {actions} = await runtime.repair()
    expect(actions.map((a) => `${a.verb} ${a.target}`)).toEqual(['resume redis', 'start api-2', 'start balancer'])
    await rememberPids()
    expect((await runtime.status()).healthy).toBe(true)
    await expect(runtime.kill('migrate')).rejects.toThrow(/valid targets: redis, postgres, faultproxy, api-1/)
  })

  it('`up --api N` grows and shrinks the fleet and tells the balancer', async () => {
    const grown = await runtime.up({apiReplicas: 4})
    expect(grown).toMatchObject({action: 'scaled', scaled: {added: ['api-3', 'api-4'], removed: []}})
    await rememberPids()
    const topology = (await runtime.topology())!
    expect(fleet(topology).map((i) => i.name)).toEqual(['api-1', 'api-2', 'api-3', 'api-4'])
    const lb = (await (await fetch(`http://127.0.0.1:${portBase + 1}/lb/status`)).json()) as BackendMembership
    expect(lb.backends.map((b) => b.name)).toEqual(['api-1', 'api-2', 'api-3', 'api-4'])
    expect(lb.backends[3]).toEqual({name: 'api-4', host: '127.0.0.1', port: portBase + 104})

    const api3 = (await runtime.status()).services.find((s) => s.name === 'api-3')!.pid!
    const shrunk = await runtime.up({apiReplicas: 2})
    expect(shrunk.scaled).toEqual({added: [], removed: ['api-3', 'api-4']})
    expect(isAlive(api3)).toBe(false)
    const lb2 = (await (await fetch(`http://127.0.0.1:${portBase + 1}/lb/status`)).json()) as BackendMembership
    expect(lb2.backends.map((b) => b.name)).toEqual(['api-1', 'api-2'])
    const status = await runtime.status()
    expect(status.services.filter((s) => s.service === 'api').map((s) => s.name)).toEqual(['api-1', 'api-2'])
    expect(status.healthy).toBe(true)
  })

  it('down stops every process it started (checked by pid), is idempotent, and --purge removes data', async () => {
    await runtime.pause('gateway') // a paused process must still go
    await rememberPids()
    const result = await runtime.down()
    expect(result.wasRunning).toBe(true)
    expect(result.stopped.map((s) => s.name).sort()).toEqual(['api-1', 'api-2', 'balancer', 'faultproxy', 'gateway', 'postgres', 'redis'])
    for (const pid of allPids) expect(isAlive(pid), `pid ${pid}`).toBe(false)
    expect(existsSync(join(home.dir, 'state.json'))).toBe(false)
    expect(existsSync(join(home.dir, 'data', 'postgres', 'PG_VERSION'))).toBe(true)
    expect((await runtime.status()).running).toBe(false)
    // Logs stay readable after down.
    expect((await collect(runtime.logs('gateway'))).length).toBeGreaterThan(0)

    const again = await runtime.down({purge: true})
    expect(again).toMatchObject({wasRunning: false, stopped: []})
    expect(again.purged).toEqual([join(home.dir, 'data'), join(home.dir, 'logs')])
    expect(existsSync(join(home.dir, 'data'))).toBe(false)
    expect(existsSync(join(home.dir, 'logs'))).toBe(false)
  })
})
