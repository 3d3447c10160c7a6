// What a user sees when the Docker lab cannot start: no engine, a port in use, an image that cannot
// be pulled. One sentence with what to do, and nothing of the lab left behind.
import net from 'node:net'
import {join} from 'node:path'
import {existsSync} from 'node:fs'
import Docker from 'dockerode'
import {afterAll, describe, expect, it} from 'vitest'
import {UserError} from '../../errors.js'
import {freePortBase, tempStateDir} from '../../../test/support/fixture-lab.js'
import {probeDockerEngine} from './docker-engine.js'
import {DockerRuntime} from './docker-runtime.js'
import {ensurePulled} from './lab-images.js'

const home = tempStateDir()
afterAll(() => home.remove())

describe('no Docker engine', () => {
  const socket = join(home.dir, 'no-engine.sock')
  const runtime = new DockerRuntime({stateDir: home.dir, docker: new Docker({socketPath: socket})})

  it.each([
    ['up', () => runtime.up({offline: true})],
    ['status', () => runtime.status()],
    ['down', () => runtime.down()],
    ['kill', () => runtime.kill('redis')],
  ])('%s: one sentence naming the socket, and how to start Docker or go local', async (_, call) => {
    const err = (await call().catch((e: unknown) => e)) as UserError
    expect(err).toBeInstanceOf(UserError)
    expect(err.message).toBe(`No Docker engine answers at ${socket}.`)
    expect(err.hint).toContain('--runtime local')
    expect(err.exitCode).toBe(2)
  })
})

const engine = await probeDockerEngine(3_000)

describe.skipIf(!engine.reachable)('with an engine', () => {
  const docker = new Docker()

  it('a port in use stops `up` before anything is created, naming the port and who needs it', async () => {
    const portBase = await freePortBase(3)
    const runtime = new DockerRuntime({stateDir: join(home.dir, 'ports'), docker})
    const blocker = net.createServer()
    await new Promise<void>((r) => blocker.listen(portBase + 1, '127.0.0.1', r))
    try {
      const err = (await runtime.up({offline: true, portBase}).catch((e: unknown) => e)) as UserError
      expect(err).toBeInstanceOf(UserError)
      expect(err.message).toBe(`Port ${portBase + 1} is already in use, and balancer needs it.`)
      expect(err.hint).toContain('--port-base')
      expect(await runtime.leftovers()).toEqual([])
      expect(existsSync(join(home.dir, 'ports', 'state.json'))).toBe(false)
    } finally {
      blocker.close()
    }
  })

  it('an image that cannot be pulled: the reason, and the offline way', async () => {
    // Nothing listens on port 9 of this machine: the pull fails at once, as it does with no registry.
    const err = (await ensurePulled(docker, 'redis', '127.0.0.1:9/scalelab-test/none:0', () => undefined).catch((e: unknown) => e)) as UserError
    expect(err).toBeInstanceOf(UserError)
    expect(err.message).toMatch(/^Cannot pull 127\.0\.0\.1:9\/scalelab-test\/none:0: .+\.$/)
    expect(err.hint).toContain('scalelab images --offline')
    expect(err.hint).toContain('scalelab up --runtime docker --offline')
  }, 30_000)
})
