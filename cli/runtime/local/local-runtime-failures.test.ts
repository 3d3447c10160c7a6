// What `up`, `status` and `down` do when things go wrong: a taken port, a missing build, a service
// that dies while starting, Ctrl-C, and state left behind by a crash or an interrupted `up`.
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync} from 'node:fs'
import net from 'node:net'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {resolveTopology, type LabOptions} from '../../../contracts/topology.js'
import {UserError} from '../../errors.js'
import {portClaims, takenPorts} from '../port-preflight.js'
import type {ProgressEvent} from '../types.js'
import {UpInterruptedError} from '../up-interrupted.js'
import {spawnRedis, pingRedis, waitFor} from './datastores.js'
import {LabFiles, type LabState} from './lab-state.js'
import {LocalRuntime, stopLevels} from './local-runtime.js'
import {isAlive, readProcess} from './process-table.js'
import {FAST_TIMEOUTS, fixtureRuntime, fixtureTopology, freePortBase, tempStateDir} from '../../../test/support/fixture-lab.js'

const labOptions = (portBase: number, apiReplicas = 2): LabOptions => ({runtime: 'local', apiReplicas, portBase, gatewaySecret: 's', faultProxy: true})

async function portsOfLabFree(portBase: number): Promise<boolean> {
  return (await takenPorts(portClaims(resolveTopology(labOptions(portBase))))).length === 0
}

function deadPid(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('true')
    child.once('exit', () => resolve(child.pid!))
  })
}

function craftedState(portBase: number, instances: LabState['instances'], overrides: Partial<LabState> = {}): LabState {
  return {
    version: 1,
    runtime: 'local',
    phase: 'up',
    owner: {pid: 1, procStartTime: null},
    options: {...labOptions(portBase), runtime: 'local'},
    createdAt: new Date().toISOString(),
    upAt: new Date().toISOString(),
    instances,
    ...overrides,
  }
}

describe('local runtime when things go wrong', () => {
  let home: ReturnType<typeof tempStateDir>
  let portBase: number
  beforeEach(async () => {
    home = tempStateDir()
    portBase = await freePortBase()
  })
  afterEach(async () => {
    await new LocalRuntime({stateDir: home.dir, resolveTopology: fixtureTopology()}).down({purge: true}).catch(() => undefined)
    home.remove()
  })

  it('a taken port is one error naming the port, who needs it and --port-base, before anything starts', async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(portBase + 10, '127.0.0.1', resolve))
    try {
      const runtime = fixtureRuntime(home.dir)
      const err = await runtime.up({portBase}).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(UserError)
      expect((err as UserError).message).toBe(`Port ${portBase + 10} is already in use, and redis needs it.`)
      expect((err as UserError).hint).toContain('--port-base')
      expect((err as UserError).exitCode).toBe(2)
      expect(existsSync(join(home.dir, 'state.json'))).toBe(false)
      expect(existsSync(join(home.dir, 'logs'))).toBe(false)
    } finally {
      blocker.close()
    }
  })

  it('a missing service build stops `up` before anything starts and says to build', async () => {
    const runtime = new LocalRuntime({
      stateDir: home.dir,
      resolveTopology: (o) => {
        const t = fixtureTopology()(o)
        for (const i of t.instances) if (i.service === 'gateway') i.entry = 'dist/does-not-exist.js'
        return t
      },
    })
    await expect(runtime.up({portBase})).rejects.toThrow(/dist\/does-not-exist.js \(gateway\) is missing/)
    expect(existsSync(join(home.dir, 'logs'))).toBe(false)
  })

  it('a service that dies while starting fails `up` with its log tail and stops everything else', async () => {
    const runtime = fixtureRuntime(home.dir, {'api-2': {FIXTURE_EXIT_CODE: '3'}})
    const events: ProgressEvent[] = []
    const err = (await runtime.up({portBase}, {onProgress: (e) => events.push(e)}).catch((e: unknown) => e)) as UserError
    expect(err).toBeInstanceOf(UserError)
    expect(err.message).toBe('api-2 exited with code 3 before it became healthy.')
    expect(err.hint).toContain('exiting on purpose')
    expect(err.exitCode).toBe(1)
    const stopped = events.flatMap((e) => (e.type === 'stopped' ? [e.pid] : []))
    expect(stopped.length).toBeGreaterThanOrEqual(3) // redis, postgres, faultproxy at least
    expect(stopped.filter(isAlive)).toEqual([])
    expect(await portsOfLabFree(portBase)).toBe(true)
    expect(existsSync(join(home.dir, 'state.json'))).toBe(false)
    expect(events.find((e) => e.type === 'failed')).toMatchObject({name: 'api-2'})
  })

  it('Ctrl-C during `up` stops what it started and leaves no state behind', async () => {
    // The gateway never gets ready in time, so `up` is still waiting when the interrupt comes.
    const runtime = fixtureRuntime(home.dir, {gateway: {FIXTURE_READY_AFTER_MS: '60000'}})
    const interrupt = new AbortController()
    const events: ProgressEvent[] = []
    const pending = runtime.up(
      {portBase, apiReplicas: 2},
      {
        signal: interrupt.signal,
        onProgress: (e) => {
          events.push(e)
          if (e.type === 'starting' && e.name === 'gateway') setTimeout(() => interrupt.abort(), 300)
        },
      },
    )
    const err = await pending.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UpInterruptedError)
    expect((err as UpInterruptedError).stoppedCount).toBe(7)
    const stopped = events.flatMap((e) => (e.type === 'stopped' ? [e.pid] : []))
    expect(stopped).toHaveLength(7)
    expect(stopped.filter(isAlive)).toEqual([])
    expect(await portsOfLabFree(portBase)).toBe(true)
    expect(existsSync(join(home.dir, 'state.json'))).toBe(false)
    expect((await runtime.status()).running).toBe(false)
  })

  it('stale state from a crash (pid gone, pid reused by another program) is detected and cleaned, never signalled', async () => {
    const files = new LabFiles(home.dir)
    const gone = await deadPid()
    const stranger = spawn('sleep', ['30'], {stdio: 'ignore'})
    try {
      await waitFor(async () => (readProcess(stranger.pid!)?.cmdline ?? '').includes('sleep'), 2000, 10)
      const record = {service: 'redis' as const, state: 'running' as const, port: portBase + 10, startedAt: null, stoppedBy: null, exitCode: null, logFile: 'x'}
      files.write(
        craftedState(portBase, {
          // The stranger's pid with our start time recorded as its own: only the command line tells it apart.
          redis: {...record, name: 'redis', pid: stranger.pid!, procStartTime: readProcess(stranger.pid!)!.startTime, markers: ['redis-server', String(portBase + 10)]},
          postgres: {...record, name: 'postgres', service: 'postgres', pid: gone, procStartTime: '1', markers: ['postgres']},
        }),
      )
      const runtime = fixtureRuntime(home.dir)
      const status = await runtime.status()
      expect(status.running).toBe(false)
      expect(status.note).toMatch(/processes are gone.*cleaned up/)
      expect(existsSync(files.stateFile)).toBe(false)
      expect(isAlive(stranger.pid!)).toBe(true)

      // The same through `down`: nothing signalled, state removed.
      files.write(craftedState(portBase, {redis: {...record, name: 'redis', pid: stranger.pid!, procStartTime: null, markers: ['redis-server']}}))
      const down = await runtime.down()
      expect(down).toMatchObject({wasRunning: false, stopped: []})
      expect(down.note).toMatch(/stale state/)
      expect(isAlive(stranger.pid!)).toBe(true)
      expect(existsSync(files.stateFile)).toBe(false)
    } finally {
      stranger.kill('SIGKILL')
    }
  })

  it('an `up` still in progress blocks another; one that died half-way is cleaned up by the next', async () => {
    const files = new LabFiles(home.dir)
    const owner = spawn('sleep', ['30'], {stdio: 'ignore'})
    const redisDir = join(home.dir, 'data', 'redis')
    mkdirSync(redisDir, {recursive: true})
    const leftover = spawnRedis({dir: redisDir, port: portBase + 10, detached: true})
    try {
      expect(await waitFor(() => pingRedis('127.0.0.1', portBase + 10, 200), 5000)).toBe(true)
      const redis = {
        name: 'redis',
        service: 'redis' as const,
        state: 'starting' as const,
        pid: leftover.pid,
        procStartTime: readProcess(leftover.pid)!.startTime,
        markers: ['redis-server', String(portBase + 10)],
        port: portBase + 10,
        startedAt: new Date().toISOString(),
        stoppedBy: null,
        exitCode: null,
        logFile: files.logFile('redis'),
      }
      await waitFor(async () => (readProcess(owner.pid!)?.cmdline ?? '').includes('sleep'), 2000, 10)
      files.write(craftedState(portBase, {redis}, {phase: 'starting', owner: {pid: owner.pid!, procStartTime: readProcess(owner.pid!)!.startTime}}))
      const runtime = fixtureRuntime(home.dir)
      await expect(runtime.up({portBase})).rejects.toThrow(`Another \`scalelab up\` (pid ${owner.pid}) is still starting the lab`)
      await expect(runtime.down()).rejects.toThrow(/still starting/)
      expect(isAlive(leftover.pid)).toBe(true)

      // The owner dies (SIGKILL: no chance to clean up): its leftovers are now stale.
      owner.kill('SIGKILL')
      await waitFor(async () => !isAlive(owner.pid!), 2000, 10)
      const status = await runtime.status()
      expect(status.running).toBe(false)
      expect(status.note).toContain('interrupted `scalelab up` left redis running')
      const events: ProgressEvent[] = []
      const result = await runtime.up({portBase}, {onProgress: (e) => events.push(e)})
      expect(result.action).toBe('started')
      expect(events.find((e) => e.type === 'stopped')).toMatchObject({name: 'redis', pid: leftover.pid})
      expect(events.find((e) => e.type === 'cleaned')).toBeDefined()
      expect(isAlive(leftover.pid)).toBe(false)
      expect((await runtime.status()).healthy).toBe(true)
    } finally {
      owner.kill('SIGKILL')
      if (isAlive(leftover.pid)) process.kill(leftover.pid, 'SIGKILL')
    }
  })

  it('a start that takes too long reports the last health check', async () => {
    const runtime = fixtureRuntime(home.dir, {'api-1': {FIXTURE_READY_AFTER_MS: '60000'}}, {...FAST_TIMEOUTS, healthMs: 1500})
    await expect(runtime.up({portBase, apiReplicas: 1})).rejects.toThrow('api-1 did not become healthy within 2s (last check: HTTP 503 unavailable).')
    expect(await portsOfLabFree(portBase)).toBe(true)
  })
})

describe('stop order', () => {
  it('stops dependents first: gateway, balancer, the fleet, migrate, fault proxy, then the datastores', () => {
    const topology = resolveTopology(labOptions(7400, 2))
    expect(stopLevels(topology, topology.startOrder)).toEqual([
      ['gateway'],
      ['balancer'],
      ['api-1', 'api-2'],
      ['faultproxy', 'migrate'],
      ['redis', 'postgres'],
    ])
    // Something not in the topology (an instance of an older, larger fleet) goes first.
    expect(stopLevels(topology, ['redis', 'api-9'])[0]).toEqual(['api-9'])
  })
})
