// The rollback always runs: when an abort rule trips, on Ctrl-C (SIGINT to the CLI), and — through
// the journal — after the runner was killed with SIGKILL mid-fault, by `scalelab chaos --rollback`
// or `scalelab up`. One real lab (local processes, two API instances) for the file; experiment files
// of the tests' own in a temp working directory. Needs `npm run build` first.
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {execa, type ResultPromise} from 'execa'
import {Toxiproxy} from 'toxiproxy-node-client'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {listToxics} from '../../cli/chaos/faults/links.js'
import {JOURNAL_FILE, type JournalFile} from '../../cli/chaos/journal.js'
import {Report} from '../../cli/report/schema.js'
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

const LOAD = `load:
  scenario: steady
  identities: {writer: {kind: api-key, tier: enterprise}}
  requests:
    - {name: create-resource, weight: 8, method: POST, path: /api/v1/resources, identity: writer, body: {name: "rollback-{{seq}}-{{uuid}}"}}
  rate: 60
steadyState:
  checks: [error_rate < 1%, p99 < 500ms]
`

function experiment(name: string, body: string): string {
  writeFileSync(join(cwd, 'scenarios', 'chaos', `${name}.yaml`), `name: ${name}\ndescription: ${name} (test)\n${LOAD}${body}`)
  return name
}

/** Starts a run and resolves once `count` faults are in (plain lines on stdout). */
async function startUntilInjected(name: string, count: number): Promise<{child: ResultPromise; output: () => string}> {
  const child = execa(process.execPath, [join(root, 'bin', 'run.js'), 'chaos', name, '--no-up', '--no-ui', '--out', join(cwd, 'reports', name)], {cwd, reject: false, env: env(), timeout: 120_000})
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const deadline = Date.now() + 60_000
  while ((output.match(/⚡ injected/g) ?? []).length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
  expect((output.match(/⚡ injected/g) ?? []).length, output).toBe(count)
  return {child, output: () => output}
}

const toxiproxy = () => new Toxiproxy(`http://127.0.0.1:${portBase + PORT_OFFSETS.faultproxy}`)

async function status(): Promise<LabStatus> {
  return JSON.parse((await scalelab(['status', '--json'])).stdout) as LabStatus
}

function journal(): JournalFile | undefined {
  const path = join(home.dir, JOURNAL_FILE)
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as JournalFile) : undefined
}

function report(name: string): Report {
  return Report.parse(JSON.parse(readFileSync(join(cwd, 'reports', name, 'report.json'), 'utf8')))
}

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'cli', 'chaos', 'experiment-run.js'))) throw new Error('build first: npm run build')
  home = tempStateDir()
  cwd = mkdtempSync(join(tmpdir(), 'scalelab-chaos-rollback-'))
  mkdirSync(join(cwd, 'scenarios', 'chaos'), {recursive: true})
  portBase = await freePortBase(2)
  const up = await scalelab(['up', '--runtime', 'local', '--api', '2'], 180_000)
  if (up.exitCode !== 0) throw new Error(`scalelab up failed (${up.exitCode}):\n${up.stdout}\n${up.stderr}`)
}, 200_000)

afterAll(async () => {
  if (home) {
    await scalelab(['down', '--purge'], 120_000)
    home.remove()
  }
  if (cwd) rmSync(cwd, {recursive: true, force: true})
}, 150_000)

describe('rollback always runs', () => {
  it('an abort rule that holds past its bound: the fault is rolled back at once, the run ends early, exit 3', async () => {
    const name = experiment('abort-on-errors', `duration: 40s\nmethod:\n  - {at: 4s, for: 25s, kill: postgres}\nabort: [error_rate > 5% for 2s]\n`)
    const run = await scalelab(['chaos', name, '--no-up', '--no-ui', '--out', join(cwd, 'reports', name)])
    expect(run.exitCode, run.stdout + run.stderr).toBe(3)
    expect(run.stdout).toContain('ABORT: error_rate > 5% for 2s')
    const {chaos, summary, verdict} = report(name)
    expect(chaos).toMatchObject({aborted: true, abortReason: expect.stringContaining('error_rate > 5% for 2s: error_rate > 5% held from')})
    // Rolled back right after the abort (planned: 29 s), and the run ended with the planned recovery after it.
    expect(chaos!.faults[0].rolledBackAtS).toBeLessThan(15)
    expect(summary.durationS).toBeLessThan(30)
    expect(verdict.failures.some((f) => f.startsWith('aborted: '))).toBe(true)
    expect(chaos!.writes.lost).toBe(0)
    expect((await status()).services.find((s) => s.name === 'postgres')).toMatchObject({state: 'running', healthy: true})
    expect(journal()).toBeUndefined()
  }, 120_000)

  it('Ctrl-C (SIGINT): the load stops, the fault is rolled back, a partial report is written, exit 130', async () => {
    const name = experiment('interrupted', `duration: 45s\nmethod:\n  - {at: 3s, for: 30s, cut: redis}\n`)
    const {child, output} = await startUntilInjected(name, 1)
    expect((await toxiproxy().get('redis')).enabled).toBe(false)
    expect(journal()?.entries.map((e) => e.spec.kind)).toEqual(['cut'])
    await new Promise((r) => setTimeout(r, 1_000))
    child.kill('SIGINT')
    const result = await child
    expect(result.exitCode, output()).toBe(130)
    expect(output()).toContain('rolled back (the run ended): Enabled the redis link again.')
    const {interrupted, chaos} = report(name)
    expect(interrupted).toBe(true)
    expect(chaos!.faults[0].rolledBackAtS).not.toBeNull()
    expect(chaos!.stages.map((s) => s.kind)).toEqual(['baseline', 'fault', 'recovery'])
    expect((await toxiproxy().get('redis')).enabled).toBe(true)
    expect(journal()).toBeUndefined()
  }, 120_000)

  it('SIGKILL mid-fault leaves the journal; --rollback removes the toxic and starts the stopped service', async () => {
    const name = experiment('killed', `duration: 45s\nmethod:\n  - {at: 3s, for: 30s, toxic: {link: postgres, type: latency, attributes: {latency: 200}}}\n  - {at: 3s, for: 30s, stop: api-2}\n`)
    const {child} = await startUntilInjected(name, 2)
    child.kill('SIGKILL')
    await child
    expect(journal()?.entries.map((e) => e.spec.kind)).toEqual(['toxic', 'service'])
    expect((await listToxics(await toxiproxy().get('postgres'))).map((t) => t.name)).toEqual(['scalelab-chaos-killed-1'])
    expect((await status()).services.find((s) => s.name === 'api-2')).toMatchObject({state: 'stopped'})

    const rollback = await scalelab(['chaos', '--rollback'])
    expect(rollback.exitCode, rollback.stdout + rollback.stderr).toBe(0)
    expect(rollback.stdout).toContain('The chaos run of killed')
    expect(rollback.stdout).toMatch(/Started api-2 \(pid \d+/)
    expect(rollback.stdout).toContain('Removed toxic scalelab-chaos-killed-1 from the postgres link.')
    expect(await listToxics(await toxiproxy().get('postgres'))).toEqual([])
    expect((await status()).services.find((s) => s.name === 'api-2')).toMatchObject({state: 'running', healthy: true})
    expect(journal()).toBeUndefined()

    const again = await scalelab(['chaos', '--rollback'])
    expect(again.stdout).toContain('Nothing to roll back')
  }, 120_000)

  it('SIGKILL mid-fault, then `scalelab up` on the running lab repairs it', async () => {
    const name = experiment('killed-then-up', `duration: 45s\nmethod:\n  - {at: 3s, for: 30s, cut: redis}\n`)
    const {child} = await startUntilInjected(name, 1)
    child.kill('SIGKILL')
    await child
    expect((await toxiproxy().get('redis')).enabled).toBe(false)
    const up = await scalelab(['up'])
    expect(up.exitCode).toBe(0)
    expect(up.stdout).toContain('A chaos run of killed-then-up')
    expect(up.stdout).toContain('Enabled the redis link again.')
    expect((await toxiproxy().get('redis')).enabled).toBe(true)
    expect(journal()).toBeUndefined()
  }, 120_000)
})
