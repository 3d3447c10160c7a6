// The built CLI (node bin/run.js) for the runtime commands: help, exit codes, JSON output and the
// errors a user sees. Needs `npm run build` first (npm test does it).
import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import {join} from 'node:path'
import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it, onTestFinished} from 'vitest'
import type {DoctorReport} from '../../cli/runtime/doctor.js'
import type {LabStatus} from '../../cli/runtime/types.js'
import {freePortBase, tempStateDir} from '../support/fixture-lab.js'

const root = join(import.meta.dirname, '..', '..')
let home: ReturnType<typeof tempStateDir>
let portBase: number

function scalelab(...args: string[]) {
  return scalelabWith({}, ...args)
}

function scalelabWith(env: Record<string, string>, ...args: string[]) {
  return execa(process.execPath, [join(root, 'bin', 'run.js'), ...args], {
    cwd: root,
    reject: false,
    env: {SCALELAB_HOME: home.dir, SCALELAB_PORT_BASE: String(portBase), NO_COLOR: '1', ...env},
    timeout: 30_000,
  })
}

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'cli', 'commands', 'up.js'))) throw new Error('build first: npm run build')
  home = tempStateDir()
  portBase = await freePortBase()
})
afterAll(() => home?.remove())

describe('scalelab runtime commands (built CLI)', () => {
  it.each([
    ['up', ['scalelab up --api 5', '--port-base', '--runtime', '--no-fault-proxy', 'Exit codes']],
    ['down', ['scalelab down --purge', 'Exit codes']],
    ['status', ['scalelab status --json', 'Exit codes: 0 everything healthy, 3']],
    ['logs', ['scalelab logs api-2 -f', '--lines', 'Exit codes']],
    ['doctor', ['scalelab doctor --port-base 8400 --json', 'Exit codes: 0']],
  ])('%s --help shows its description, flags and real examples', async (command, expected) => {
    const result = await scalelab(command, '--help')
    expect(result.exitCode).toBe(0)
    for (const text of expected) expect(result.stdout).toContain(text)
    expect(result.stdout).toContain('EXAMPLES')
  })

  it('status when the lab is not running: says so and what to type, exit 3 (also as JSON)', async () => {
    const text = await scalelab('status')
    expect(text.exitCode).toBe(3)
    expect(text.stderr).toContain('The lab is not running. Start it with: scalelab up')
    const json = await scalelab('status', '--json')
    expect(json.exitCode).toBe(3)
    const status = JSON.parse(json.stdout) as LabStatus
    expect(status).toMatchObject({running: false, healthy: false, services: [], runtime: 'local', stateDir: home.dir})
  })

  it('doctor --json reports every check, and exits 0 exactly when the local runtime can run', async () => {
    const result = await scalelab('doctor', '--json')
    const report = JSON.parse(result.stdout) as DoctorReport
    expect(report.checks.map((c) => c.name)).toEqual(expect.arrayContaining(['Node.js', 'Docker engine', 'redis-server', 'postgres', 'initdb', 'ports']))
    for (const check of report.checks) expect(check).toEqual(expect.objectContaining({ok: expect.any(Boolean), required: expect.any(Boolean), detail: expect.any(String)}))
    expect(report.ok).toBe(report.checks.every((c) => c.ok || !c.required))
    expect(result.exitCode).toBe(report.ok ? 0 : 2)
    expect(report.checks.find((c) => c.name === 'ports')!.detail).toContain(`ports ${portBase}-`)
  })

  it('doctor names a port taken on the range from SCALELAB_PORT_BASE, with the fix, exit 2', async () => {
    const blocker = net.createServer()
    await new Promise<void>((r) => blocker.listen(portBase + 20, '127.0.0.1', r))
    try {
      const result = await scalelab('doctor')
      expect(result.exitCode).toBe(2)
      expect(result.stdout).toContain(`✖ ports: in use by another program: ${portBase + 20} (postgres)`)
      expect(result.stdout).toContain(`--port-base ${portBase + 1000}`)
    } finally {
      blocker.close()
    }
  })

  it('up with a taken port: one error naming the port, who needs it and the flag, exit 2, nothing started', async () => {
    const blocker = net.createServer()
    await new Promise<void>((r) => blocker.listen(portBase + 10, '127.0.0.1', r))
    try {
      const result = await scalelab('up', '--runtime', 'local')
      expect(result.exitCode).toBe(2)
      expect(result.stderr).toContain(`Error: Port ${portBase + 10} is already in use, and redis needs it.`)
      expect(result.stderr).toContain('--port-base')
      expect(result.stderr).not.toContain('    at ') // no stack trace without --verbose
      expect(existsSync(join(home.dir, 'state.json'))).toBe(false)
    } finally {
      blocker.close()
    }
  })

  it('up --runtime docker with no engine answering says so and what to do, exit 2', async () => {
    const result = await scalelabWith({DOCKER_HOST: `unix://${join(home.dir, 'no-docker.sock')}`}, 'up', '--runtime', 'docker')
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain('Cannot use --runtime docker: no Docker engine answered')
    expect(result.stderr).toContain('start Docker (or set DOCKER_HOST)')
    expect(result.stderr).toContain('--runtime local')
    expect(existsSync(join(home.dir, 'state.json'))).toBe(false)
  })

  it('up rejects a fleet size out of range, exit 2', async () => {
    const result = await scalelab('up', '--api', '0')
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/api/)
  })

  it('logs: no logs yet says how to start; an unknown name lists the valid ones; exit 2', async () => {
    const none = await scalelab('logs', 'gateway')
    expect(none.exitCode).toBe(2)
    expect(none.stderr).toContain('There are no logs yet')
    expect(none.stderr).toContain('scalelab up')

    mkdirSync(join(home.dir, 'logs'), {recursive: true})
    writeFileSync(join(home.dir, 'logs', 'api-1.log'), 'first\nsecond\n')
    writeFileSync(join(home.dir, 'logs', 'gateway.log'), 'g\n')
    const unknown = await scalelab('logs', 'nope')
    expect(unknown.exitCode).toBe(2)
    expect(unknown.stderr).toContain('There is no service named "nope"; valid names: api-1, gateway.')
    const known = await scalelab('logs', 'api-1', '-n', '1')
    expect(known.exitCode).toBe(0)
    expect(known.stdout).toBe('second')
  })

  it('Ctrl-C during up: stops what it started, says so in one sentence, exit 130; status then finds nothing', {timeout: 90_000}, async () => {
    const state = tempStateDir()
    onTestFinished(() => state.remove())
    const env = {SCALELAB_HOME: state.dir, SCALELAB_PORT_BASE: String(await freePortBase()), NO_COLOR: '1'}
    const up = execa(process.execPath, [join(root, 'bin', 'run.js'), 'up', '--runtime', 'local'], {cwd: root, reject: false, env, timeout: 60_000})
    // Interrupt once something has started (Redis is first), not before the command is listening.
    let output = ''
    up.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    up.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    await expect.poll(() => output, {timeout: 30_000, interval: 50}).toMatch(/redis/i)
    up.kill('SIGINT')
    const result = await up
    expect(result.exitCode, output).toBe(130)
    expect(result.stderr).toMatch(/^Interrupted: stopped the \d+ process(es)? this `scalelab up` had started; nothing is left running\.$/m)
    expect(result.stderr).not.toContain('unexpected')
    const status = await execa(process.execPath, [join(root, 'bin', 'run.js'), 'status', '--json'], {cwd: root, reject: false, env})
    expect(JSON.parse(status.stdout)).toMatchObject({running: false, services: []})
  })

  it('down when nothing runs is fine (exit 0), also with --purge', async () => {
    const result = await scalelab('down', '--purge')
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain('The lab is not running; nothing to stop.')
    expect(existsSync(join(home.dir, 'logs'))).toBe(false)
  })
})
