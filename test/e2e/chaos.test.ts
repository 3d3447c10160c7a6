// Every shipped chaos experiment, run short through the built CLI against one real lab (local
// processes, a random port range, state in a temp dir, `down --purge` after). Each test asserts on
// the report's chaos section — the expected detection signal seen, a recovery time, every
// expectation passed, writes checked and none lost, every fault rolled back — and on the lab
// afterwards: no toxics, links enabled, no HTTP fault left, every service healthy, no journal.
// Needs `npm run build` first (npm test does it). About 4 minutes on 2 cores.
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {execa} from 'execa'
import {Toxiproxy} from 'toxiproxy-node-client'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {adminHeaders, HTTP_FAULTS_PATH} from '../../cli/chaos/faults/http-fault.js'
import {listToxics} from '../../cli/chaos/faults/links.js'
import {JOURNAL_FILE} from '../../cli/chaos/journal.js'
import {Report} from '../../cli/report/schema.js'
import {LiveSnapshotSchema} from '../../cli/ui/live-snapshot-schema.js'
import type {NdjsonLine} from '../../cli/ui/ndjson-reporter.js'
import type {LabStatus} from '../../cli/runtime/types.js'
import {PORT_OFFSETS} from '../../contracts/topology.js'
import {freePortBase, tempStateDir} from '../support/fixture-lab.js'

const root = join(import.meta.dirname, '..', '..')
let home: ReturnType<typeof tempStateDir>
let cwd: string
let portBase: number

const env = () => ({SCALELAB_HOME: home.dir, SCALELAB_PORT_BASE: String(portBase), NO_COLOR: '1', CI: '1'})

function scalelab(args: string[], timeout = 150_000) {
  return execa(process.execPath, [join(root, 'bin', 'run.js'), ...args], {cwd, reject: false, env: env(), timeout})
}

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'cli', 'chaos', 'experiment-run.js'))) throw new Error('build first: npm run build')
  home = tempStateDir()
  cwd = mkdtempSync(join(tmpdir(), 'scalelab-chaos-cwd-'))
  portBase = await freePortBase(3)
  // Local processes whatever this machine has (auto would pick Docker when its images are here).
  const up = await scalelab(['up', '--runtime', 'local', '--api', '3'], 180_000)
  if (up.exitCode !== 0) throw new Error(`scalelab up failed (${up.exitCode}):\n${up.stdout}\n${up.stderr}`)
}, 200_000)

afterAll(async () => {
  if (home) {
    await scalelab(['down', '--purge'], 120_000)
    home.remove()
  }
  if (cwd) rmSync(cwd, {recursive: true, force: true})
}, 150_000)

interface Case {
  experiment: string
  duration: string
  /** Signals that must have been seen (with a time), as the report names them. */
  detected: string[]
  /** Run with --ndjson and check the live snapshots too (else plain lines). */
  ndjson?: boolean
}

// Shortened so the file stays near 4 minutes; the Redis and Postgres ones keep room for the
// breakers' 5 s half-open wait and the 3 s the steady state must hold.
const CASES: Case[] = [
  {experiment: 'kill-redis', duration: '28s', detected: ['breaker redis open', 'gateway degraded', 'rate limiter fail-open']},
  {experiment: 'kill-postgres', duration: '34s', detected: ['breaker postgres open', 'gateway degraded']},
  {experiment: 'kill-api', duration: '22s', detected: ['api-2 out of rotation'], ndjson: true},
  {experiment: 'slow-postgres', duration: '22s', detected: ['steady state deviates']},
  {experiment: 'redis-flaky', duration: '26s', detected: ['breaker redis open']},
  {experiment: 'partition-redis', duration: '28s', detected: ['breaker redis open', 'gateway degraded', 'rate limiter fail-open']},
  {experiment: 'api-errors', duration: '22s', detected: ['api-2 out of rotation', 'client errors']},
  {experiment: 'bandwidth-postgres', duration: '22s', detected: ['steady state deviates']},
]

describe('scalelab chaos: every shipped experiment against a real lab', () => {
  for (const c of CASES) {
    it(`${c.experiment}: detected, recovered, expectations passed, nothing lost, everything rolled back`, async () => {
      const out = join(cwd, 'reports', c.experiment)
      const run = await scalelab(['chaos', c.experiment, '--duration', c.duration, '--no-up', c.ndjson ? '--ndjson' : '--no-ui', '--out', out])
      if (c.ndjson) expectLiveSnapshots(run.stdout, c.experiment)
      const report = Report.parse(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')))
      const chaos = report.chaos!
      const failed = [...chaos.expectations.filter((e) => !e.passed).map((e) => `${e.expression}: ${e.actual} ${e.note ?? ''}`), ...report.verdict.failures]
      expect(failed, `${run.stdout}\n${run.stderr}`).toEqual([])
      expect(run.exitCode).toBe(0)
      expect(report.kind).toBe('chaos')
      expect(report.interrupted).toBe(false)

      expect(chaos.stages.map((s) => s.kind)).toEqual(['baseline', 'fault', 'recovery'])
      for (const signal of c.detected) {
        const seen = chaos.detection.find((d) => d.signal === signal)
        expect(seen, `${signal} in ${JSON.stringify(chaos.detection)}`).toBeDefined()
        expect(seen!.afterS).not.toBeNull()
      }
      expect(chaos.recovery.afterS).not.toBeNull()
      expect(chaos.expectations.length).toBeGreaterThanOrEqual(4)
      expect(chaos.steadyState.filter((s) => s.stage === 'recovery').every((s) => s.passed)).toBe(true)
      expect(chaos.writes.checked).toBeGreaterThan(0)
      expect(chaos.writes.checked).toBe(chaos.writes.acknowledged)
      expect(chaos.writes.lost).toBe(0)
      expect(chaos.faults).toHaveLength(1)
      expect(chaos.faults[0].rolledBackAtS).not.toBeNull()
      expect(chaos.aborted).toBe(false)
      await expectLabRestored()
    }, 120_000)
  }

  it('--list and --schema describe the experiments', async () => {
    const list = await scalelab(['chaos', '--list', '--json'])
    expect(list.exitCode).toBe(0)
    const listings = JSON.parse(list.stdout) as Array<{name: string; error?: string}>
    expect(listings.map((l) => l.name)).toEqual(expect.arrayContaining(CASES.map((c) => c.experiment)))
    expect(listings.filter((l) => l.error)).toEqual([])
    const schema = await scalelab(['chaos', '--schema'])
    expect(JSON.parse(schema.stdout)).toMatchObject({title: 'scalelab chaos experiment'})
  })
})

/** NDJSON: every line JSON; snapshots of kind chaos showing the fault while it is in and the checks; events; the report last. */
function expectLiveSnapshots(stdout: string, experiment: string): void {
  const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as NdjsonLine)
  expect(lines[0]).toMatchObject({type: 'start', info: {kind: 'chaos', name: experiment, phases: [{name: 'baseline'}, {name: 'kill api-2'}, {name: 'recovery'}]}})
  const snapshots = lines.flatMap((l) => (l.type === 'snapshot' ? [LiveSnapshotSchema.parse(l.snapshot)] : []))
  expect(snapshots.length).toBeGreaterThan(10)
  expect(snapshots.every((s) => s.kind === 'chaos' && s.checks?.length === 3)).toBe(true)
  expect(snapshots.some((s) => s.phase.name === 'kill api-2' && s.faults?.some((f) => f.name === 'kill api-2' && f.active))).toBe(true)
  expect(snapshots.at(-1)!.faults).toEqual([expect.objectContaining({name: 'kill api-2', target: 'api-2', active: false})])
  const events = lines.flatMap((l) => (l.type === 'event' ? [l.event] : []))
  expect(events).toEqual(expect.arrayContaining([{type: 'fault', name: 'kill api-2', target: 'api-2', action: 'injected'}, {type: 'fault', name: 'kill api-2', target: 'api-2', action: 'rolled-back'}]))
  expect(lines.at(-1)).toMatchObject({type: 'report', report: {kind: 'chaos'}})
}

/** Nothing of a chaos run is left in the lab. */
async function expectLabRestored(): Promise<void> {
  const toxiproxy = new Toxiproxy(`http://127.0.0.1:${portBase + PORT_OFFSETS.faultproxy}`)
  for (const proxy of Object.values(await toxiproxy.getAll())) {
    expect(proxy.enabled, `${proxy.name} enabled`).toBe(true)
    expect(await listToxics(proxy), `toxics on ${proxy.name}`).toEqual([])
  }
  const status = JSON.parse((await scalelab(['status', '--json'])).stdout) as LabStatus
  expect(status.services.filter((s) => s.kind === 'service' && !s.healthy).map((s) => `${s.name} ${s.state} ${s.health}`)).toEqual([])
  const secret = (JSON.parse(readFileSync(join(home.dir, 'state.json'), 'utf8')) as {options: {gatewaySecret: string}}).options.gatewaySecret
  for (const api of ['api-1', 'api-2', 'api-3']) {
    const port = portBase + PORT_OFFSETS.api + Number(api.slice(4))
    const faults = (await (await fetch(`http://127.0.0.1:${port}${HTTP_FAULTS_PATH}`, {headers: adminHeaders(secret)})).json()) as {data: {active: unknown}}
    expect(faults.data.active, `HTTP fault on ${api}`).toBeNull()
  }
  expect(existsSync(join(home.dir, JOURNAL_FILE))).toBe(false)
}
