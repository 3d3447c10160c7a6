// The whole lab in containers, end to end, through the built CLI: `up --runtime docker --offline`
// (stand-in images from this machine, no registry), status, traffic through gateway → balancer →
// fleet, Redis killed and started again, logs, and `down` leaving nothing of the project behind.
// Runs only when a Docker engine answers; says plainly when it skips and why.
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import Docker from 'dockerode'
import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {API_KEY_HEADER} from '../../contracts/identity.js'
import {SEED_API_KEYS} from '../../contracts/seed.js'
import {probeDockerEngine} from '../../cli/runtime/docker/docker-engine.js'
import {DockerRuntime} from '../../cli/runtime/docker/docker-runtime.js'
import {LABELS} from '../../cli/runtime/docker/labels.js'
import type {LabStatus, UpResult} from '../../cli/runtime/types.js'
import {Report} from '../../cli/report/schema.js'
import {freePortBase, tempStateDir} from '../support/fixture-lab.js'

const root = join(import.meta.dirname, '..', '..')
const engine = await probeDockerEngine(3_000)
if (!engine.reachable) {
  console.warn(`test/e2e/docker.test.ts SKIPPED: ${engine.detail}. Start a Docker engine (CI: .ci/run starts dockerd when it can) to run it.`)
}

let home: ReturnType<typeof tempStateDir>
let portBase: number
let runtime: DockerRuntime
const docker = new Docker()

function scalelab(args: string[], timeout = 60_000) {
  return execa(process.execPath, [join(root, 'bin', 'run.js'), ...args], {
    cwd: root,
    reject: false,
    env: {SCALELAB_HOME: home.dir, SCALELAB_PORT_BASE: String(portBase), NO_COLOR: '1'},
    timeout,
  })
}

async function labStatus(): Promise<LabStatus> {
  const result = await scalelab(['status', '--json'])
  return JSON.parse(result.stdout) as LabStatus
}

async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000}s`)
    await new Promise((r) => setTimeout(r, 500))
  }
}

const gateway = () => `http://127.0.0.1:${portBase}`
const apiKey = {[API_KEY_HEADER]: SEED_API_KEYS.enterprise}

describe.skipIf(!engine.reachable)('the lab on Docker, offline (stand-in images built from this machine)', () => {
  beforeAll(async () => {
    if (!existsSync(join(root, 'dist', 'cli', 'commands', 'up.js'))) throw new Error('build first: npm run build')
    home = tempStateDir()
    portBase = await freePortBase(3)
    runtime = new DockerRuntime({stateDir: home.dir})
  })

  afterAll(async () => {
    // Whatever happened above, nothing of this lab stays on the machine.
    if (runtime) await runtime.down().catch((err: Error) => console.error(`cleanup: ${err.message}`))
    home?.remove()
  }, 120_000)

  it('up --runtime docker --offline boots every service in containers', async () => {
    const result = await scalelab(['up', '--runtime', 'docker', '--offline', '--api', '2', '--json'], 600_000)
    expect(result.exitCode, result.stderr).toBe(0)
    const up = JSON.parse(result.stdout) as UpResult
    expect(up).toMatchObject({action: 'started', runtime: 'docker', options: {runtime: 'docker', apiReplicas: 2, portBase}})
    expect(up.endpoints[0]).toEqual({name: 'gateway', kind: 'http', url: gateway()})
  }, 620_000)

  it('status: every instance healthy in its container, published on 127.0.0.1 only, the images that ran recorded', async () => {
    const status = await labStatus()
    expect(status).toMatchObject({running: true, healthy: true, runtime: 'docker'})
    expect(status.services.map((s) => s.name)).toEqual(['redis', 'postgres', 'faultproxy', 'migrate', 'api-1', 'api-2', 'balancer', 'gateway'])
    for (const s of status.services) {
      expect(s.healthy, `${s.name}: ${s.detail}`).toBe(true)
      expect(s.container?.name).toBe(`${runtime.project}-${s.name}`)
      if (s.kind === 'service') expect(s.address).toMatch(/^127\.0\.0\.1:\d+$/)
    }
    expect(status.images?.redis).toMatch(/^scalelab\/standin:redis-/)
    expect(status.images?.postgres).toMatch(/^scalelab\/standin:postgres-/)
    expect(status.images?.gateway).toMatch(/^scalelab\/app:.+-standin \([0-9a-f]{12}\)$/)

    const containers = await docker.listContainers({all: true, filters: {label: [`${LABELS.project}=${runtime.project}`]}})
    expect(containers).toHaveLength(8)
    for (const c of containers) for (const port of c.Ports.filter((p) => p.PublicPort)) expect(port.IP, `${c.Names[0]}`).toBe('127.0.0.1')

    const text = await scalelab(['status'])
    expect(text.exitCode).toBe(0)
    expect(text.stdout).toContain('docker runtime')
    expect(text.stdout).toContain('All 8 healthy.')
  }, 60_000)

  it('traffic through the gateway reaches both API containers, found by the balancer through DNS', async () => {
    const instances = new Set<string>()
    for (let i = 1; i <= 40; i++) {
      const res = await fetch(`${gateway()}/api/v1/resources/${i}`, {headers: apiKey, signal: AbortSignal.timeout(5_000)})
      expect(res.status).toBe(200)
      const body = (await res.json()) as {data: {id: unknown}; meta: {instance?: string}}
      if (body.meta.instance) instances.add(body.meta.instance)
    }
    expect([...instances].sort()).toEqual(['api-1', 'api-2'])
    const lb = (await (await fetch(`http://127.0.0.1:${portBase + 1}/lb/status`)).json()) as {backends: Array<{address: string; requests: number}>}
    const status = await labStatus()
    const ips = status.services.filter((s) => s.service === 'api').map((s) => `${s.container!.ip}:3000`)
    expect(lb.backends.map((b) => b.address).sort()).toEqual(ips.sort())
  }, 60_000)

  it('kill redis: the fleet degrades and says so; start brings the lab back to healthy', async () => {
    const killed = await runtime.kill('redis')
    expect(killed).toMatchObject({verb: 'kill', target: 'redis', changed: true, state: 'stopped'})
    const redis = (await labStatus()).services.find((s) => s.name === 'redis')!
    expect(redis).toMatchObject({state: 'stopped', healthy: false, detail: 'killed (docker kill, SIGKILL)'})
    const degraded = await eventually(
      'api-1 reports Redis down',
      async () => {
        const body = (await (await fetch(`http://127.0.0.1:${portBase + 101}/ready`)).json()) as {status: string; degraded: string[]}
        return body.status === 'degraded' && body.degraded.includes('redis') ? body : undefined
      },
      20_000,
    )
    expect(degraded.degraded).toContain('redis')
    // Reads still answer: Postgres is up, the breaker keeps Redis out of the way.
    const during = await fetch(`${gateway()}/api/v1/resources/7`, {headers: apiKey, signal: AbortSignal.timeout(5_000)})
    expect(during.status).toBeLessThan(500)

    const started = await runtime.start('redis')
    expect(started).toMatchObject({verb: 'start', target: 'redis', changed: true, state: 'running'})
    await eventually('the whole lab healthy again', async () => ((await labStatus()).healthy ? true : undefined), 60_000)
  }, 120_000)

  it('bench steady runs against the Docker lab with the same report fields as on the local runtime, and the images that ran', async () => {
    const out = join(home.dir, 'bench-steady')
    const result = await scalelab(['bench', 'steady', '--duration', '8s', '--no-up', '--no-ui', '--out', out], 180_000)
    expect([0, 3], result.stderr).toContain(result.exitCode)
    const report = Report.parse(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')))
    expect(report.environment.runtime).toBe('docker')
    expect(report.environment.apiInstances).toBe(2)
    expect(report.environment.images?.gateway).toMatch(/^scalelab\/app:.+-standin/)
    expect(report.environment.images?.redis).toMatch(/^scalelab\/standin:redis-/)
    expect(report.phases.map((p) => p.name)).toEqual(['warmup', 'steady'])
    expect(report.summary.requests.total).toBeGreaterThan(300)
    expect(report.system.available).toBe(true)
    expect(report.summary.cacheHitRate).toEqual(expect.any(Number))
    expect(Object.keys(report.system.totals.perInstanceRequests).sort()).toEqual(['api-1', 'api-2'])
  }, 200_000)

  it('chaos kill-redis runs against the Docker lab: detection, recovery, nothing lost, everything rolled back', async () => {
    const out = join(home.dir, 'chaos-kill-redis')
    const result = await scalelab(['chaos', 'kill-redis', '--duration', '30s', '--no-up', '--no-ui', '--out', out], 240_000)
    expect([0, 3], result.stderr).toContain(result.exitCode)
    const report = Report.parse(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')))
    expect(report.environment.runtime).toBe('docker')
    const chaos = report.chaos!
    expect(chaos.faults).toEqual([expect.objectContaining({action: 'kill', target: 'redis', rolledBackAtS: expect.any(Number)})])
    const breaker = chaos.detection.find((d) => d.signal.includes('breaker'))
    expect(breaker?.afterS).toEqual(expect.any(Number))
    expect(chaos.writes.checked).toBeGreaterThan(0)
    expect(chaos.writes.lost).toBe(0)
    expect(chaos.expectations.find((e) => e.expression.startsWith('lost_writes'))?.passed).toBe(true)
    // Rolled back: Redis runs again and the lab is healthy.
    await eventually('the whole lab healthy after the experiment', async () => ((await labStatus()).healthy ? true : undefined), 60_000)
  }, 300_000)

  it('logs come from the Docker API', async () => {
    const result = await scalelab(['logs', 'migrate', '-n', '5'])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain('seed data present')
  }, 30_000)

  it('down removes every container, network and volume of the project, by label; logs stay readable', async () => {
    const result = await scalelab(['down', '--json'], 120_000)
    expect(result.exitCode, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({wasRunning: true})
    const filters = {label: [`${LABELS.project}=${runtime.project}`]}
    expect(await docker.listContainers({all: true, filters})).toEqual([])
    expect(await docker.listNetworks({filters})).toEqual([])
    expect((await docker.listVolumes({filters})).Volumes ?? []).toEqual([])
    expect(await runtime.leftovers()).toEqual([])
    expect((await labStatus()).running).toBe(false)
    const logs = await scalelab(['logs', 'migrate'])
    expect(logs.stdout).toContain('seed data present')
  }, 150_000)
})
