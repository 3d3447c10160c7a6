// `scalelab bench` end to end through the built CLI (node bin/run.js over dist/): a private lab on
// a random port range with its state in a temp dir, brought up by the first bench run itself and
// torn down after. Needs `npm run build` first (npm test does it).
import {existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join, relative} from 'node:path'
import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Report} from '../../cli/report/schema.js'
import {freePortBase, tempStateDir} from '../support/fixture-lab.js'
import {TmuxSession} from '../support/tmux.js'

const root = join(import.meta.dirname, '..', '..')
let home: ReturnType<typeof tempStateDir>
let cwd: string
let portBase: number

const env = () => ({SCALELAB_HOME: home.dir, SCALELAB_PORT_BASE: String(portBase), NO_COLOR: '1', CI: '1', GITHUB_STEP_SUMMARY: undefined})

function scalelab(args: string[], timeout = 120_000) {
  return execa(process.execPath, [join(root, 'bin', 'run.js'), ...args], {cwd, reject: false, env: env(), timeout})
}

function assertBuilt(): void {
  const sources = ['cli/bench', 'cli/scenario', 'cli/metrics', 'cli/commands'].flatMap((dir) =>
    readdirSync(join(root, dir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts')).map((f) => join(dir, f)),
  )
  for (const source of sources) {
    const built = join(root, 'dist', source.replace(/\.ts$/, '.js'))
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(root, source)).mtimeMs) throw new Error(`dist/ is older than ${source}: run \`npm run build\` first.`)
  }
}

async function readReport(dir: string): Promise<Report> {
  return Report.parse(JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')))
}

function runDirs(): string[] {
  const reports = join(cwd, 'reports')
  return existsSync(reports) ? readdirSync(reports).sort().map((d) => join(reports, d)) : []
}

/** Requests the gateway has served on /api routes (what the load generator sends). */
async function gatewayApiRequests(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${portBase}/metrics`)).text()
  let total = 0
  for (const match of text.matchAll(/^scalelab_http_requests_total\{route="\/api[^"]*"[^}]*\} (\d+)/gm)) total += Number(match[1])
  return total
}

beforeAll(async () => {
  assertBuilt()
  home = tempStateDir()
  cwd = mkdtempSync(join(tmpdir(), 'scalelab-bench-cwd-'))
  portBase = await freePortBase(3)
})

afterAll(async () => {
  if (home) await execa(process.execPath, [join(root, 'bin', 'run.js'), 'down'], {cwd, reject: false, env: env(), timeout: 60_000})
  home?.remove()
  if (cwd) rmSync(cwd, {recursive: true, force: true})
}, 90_000)

describe('scalelab bench (built CLI)', () => {
  it('a bad scenario file: exit 2, naming the file, the field path and what was expected', async () => {
    writeFileSync(join(cwd, 'bad.yaml'), 'name: bad\ndescription: broken on purpose\nrequests: [{path: /x}]\nphases:\n  - {name: p, duration: 5s, rate: lots}\n')
    const result = await scalelab(['bench', 'bad.yaml', '--no-up'])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain('Invalid scenario file bad.yaml: phases[0].rate (line 5): expected a rate in requests per second')
    const tooShort = await scalelab(['bench', 'steady', '--duration', '1s'])
    expect(tooShort.exitCode).toBe(2)
    expect(tooShort.stderr).toContain('--duration 1s leaves phase warmup only 167 ms')
  })

  it('scenarios --json lists the shipped scenarios with their phases', async () => {
    const result = await scalelab(['scenarios', '--json'])
    expect(result.exitCode).toBe(0)
    const listings = JSON.parse(result.stdout) as Array<{name: string; phases: unknown[]; error?: string}>
    expect(listings.map((l) => l.name)).toEqual(expect.arrayContaining(['steady', 'ramp', 'spike-10x', 'soak', 'cache-cold', 'rate-limit-abuse', 'closed-max']))
    expect(listings.every((l) => !l.error && l.phases.length > 0)).toBe(true)
  })

  it('bench steady --duration 6s: brings the lab up, writes a schema-valid report with phases, series and the system’s figures', async () => {
    const result = await scalelab(['bench', 'steady', '--duration', '6s', '--api', '2'], 240_000)
    expect(result.stdout).toContain('The lab is not running: starting it')
    expect(result.stdout).toContain('The lab was started by this run and is still running; stop it with: scalelab down')
    const [dir] = runDirs()
    expect(dir).toMatch(/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ-steady$/)
    const report = await readReport(dir)
    // Exit 0 exactly when every threshold passed (the machine is shared: a latency line may be crossed).
    expect(result.exitCode).toBe(report.verdict.passed ? 0 : 3)
    expect(report).toMatchObject({kind: 'bench', interrupted: false, scenario: {name: 'steady'}, target: {lab: true, url: `http://127.0.0.1:${portBase}`}})
    expect(report.environment).toMatchObject({runtime: 'local', apiInstances: 2})
    expect(report.phases.map((p) => [p.name, p.model])).toEqual([['warmup', 'open'], ['steady', 'open']])
    expect(report.phases[1].durationS).toBeCloseTo(5, 0)
    expect(report.phases[1].targetRate).toEqual({from: 100, to: 100, mean: expect.closeTo(100, 0)})
    expect(report.summary.requests.total).toBeGreaterThan(400)
    expect(report.series.length).toBeGreaterThanOrEqual(5)
    expect(report.series.map((s) => s.phase)).toContain('steady')
    // The generator's own memory, per second and summarised (a soak run shows whether it stays flat).
    for (const second of report.series) expect(second.rssMb).toBeGreaterThan(20)
    expect(report.summary.generatorRssMb).toEqual({first: report.series[0].rssMb, last: report.series.at(-1)!.rssMb, max: Math.max(...report.series.map((x) => x.rssMb!))})
    // The system's own figures: cache hit rate, breaker counts, requests per API instance.
    expect(report.system.available).toBe(true)
    expect(Object.keys(report.system.sources).sort()).toEqual(['api-1', 'api-2', 'balancer', 'gateway'])
    expect(report.system.series.length).toBeGreaterThanOrEqual(5)
    expect(report.summary.cacheHitRate).toEqual(expect.any(Number))
    expect(report.summary.breakerTrips).toBe(0)
    expect(report.system.totals.cacheLookups).toBeGreaterThan(300)
    expect(Object.keys(report.system.totals.perInstanceRequests).sort()).toEqual(['api-1', 'api-2'])
    expect(report.system.totals.rateLimit.allowed).toBeGreaterThanOrEqual(report.summary.requests.ok)
    expect(report.system.series.at(-1)!.breakerStates['api-1']).toMatchObject({redis: 'closed', postgres: 'closed'})
    expect(report.thresholds).toHaveLength(5)
    for (const file of ['report.md', 'report.html', 'junit.xml']) expect(existsSync(join(dir, file))).toBe(true)
    // The text summary: phases table, thresholds, where the report is.
    expect(result.stdout).toMatch(/phase\s+model\s+time\s+target\s+achieved\s+p50\s+p95\s+p99\s+errors\s+429s\s+cache hit/)
    expect(result.stdout).toContain('thresholds:')
    expect(result.stdout).toContain(`report: ${relative(cwd, dir)} (report.json, report.md, report.html, junit.xml)`)
  }, 300_000)

  it('--json prints the report, and only the report, on stdout', async () => {
    const result = await scalelab(['bench', 'steady', '--duration', '3s', '--json', '--no-up'])
    expect([0, 3]).toContain(result.exitCode)
    const report = Report.parse(JSON.parse(result.stdout))
    expect(report.phases).toHaveLength(2)
    expect(report.command).toEqual(['scalelab', 'bench', 'steady', '--duration', '3s', '--json', '--no-up'])
    expect(result.stderr).toContain('Runtime: local (the running lab in')
  }, 120_000)

  it('--repeat 2 writes run-1 and run-2 under one directory, which report show reads as repeats', async () => {
    const out = join(cwd, 'repeats')
    const result = await scalelab(['bench', 'steady', '--duration', '2s', '--repeat', '2', '--no-up', '--out', out])
    expect([0, 3]).toContain(result.exitCode)
    for (const run of ['run-1', 'run-2']) expect((await readReport(join(out, run))).id).toMatch(new RegExp(`-steady-x2/${run}$`))
    expect(result.stdout).toContain(`Compare them with a baseline: scalelab report compare <baseline> ${out}`)
    const show = await scalelab(['report', 'show', out])
    expect(show.exitCode).toBe(0)
    expect(show.stdout).toContain('runs passed')
  }, 120_000)

  it('--target aims at a running deployment: metrics unavailable without --metrics (a cache threshold then fails, saying why), read with them', async () => {
    const target = `http://127.0.0.1:${portBase}`
    const without = await scalelab(['bench', 'steady', '--duration', '2s', '--target', target, '--json'])
    const blind = Report.parse(JSON.parse(without.stdout))
    expect(blind.target).toEqual({url: target, lab: false})
    expect(blind.environment.runtime).toBe('external')
    expect(blind.system).toMatchObject({available: false, reason: 'the target is an external deployment and no --metrics URLs were given'})
    expect(blind.summary.cacheHitRate).toBeNull()
    expect(blind.thresholds.find((t) => t.metric === 'cacheHitRate')).toMatchObject({passed: false, actual: null, note: expect.stringContaining('system metrics unavailable')})
    expect(without.exitCode).toBe(3)

    const withMetrics = await scalelab(['bench', 'steady', '--duration', '2s', '--target', target, '--metrics', `${target}/metrics`, '--metrics', `http://127.0.0.1:${portBase + 101}/metrics`, '--json'])
    const seeing = Report.parse(JSON.parse(withMetrics.stdout))
    expect(seeing.system.available).toBe(true)
    expect(Object.keys(seeing.system.sources)).toEqual(['gateway', 'api-1'])
    expect(seeing.system.totals.rateLimit.allowed).toBeGreaterThan(0)
  }, 120_000)

  it('a failing threshold exits 3 and says which', async () => {
    mkdirSync(join(cwd, 'scenarios'), {recursive: true})
    writeFileSync(
      join(cwd, 'scenarios', 'too-strict.yaml'),
      'name: too-strict\ndescription: no system answers in a microsecond\nrequests: [{path: "/api/v1/resources/{{id}}"}]\nphases: [{name: only, duration: 2s, rate: 20}]\nthresholds: ["p50 < 1us", "error_rate < 1%"]\n',
    )
    const result = await scalelab(['bench', 'too-strict', '--no-up'])
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toContain('1 threshold failed: p50 < 1us')
    expect(result.stdout).toMatch(/✗ p50 < 1us — [\d.]+ ms/)
    expect(result.stdout).toMatch(/✓ error_rate < 1% — /)
  }, 120_000)

  it('on a terminal the dashboard runs; q stops the run, the summary stays on the screen, the report is partial', async (context) => {
    if (!(await TmuxSession.available())) return context.skip()
    const before = new Set(runDirs())
    const term = await TmuxSession.startShell({columns: 140, rows: 45, cwd, env: {...env(), CI: undefined}})
    try {
      await term.runWithStatus(`${process.execPath} ${join(root, 'bin', 'run.js')} bench steady --duration 60s --no-up`)
      await term.waitForText('Latency ms', {timeoutMs: 60_000})
      await term.waitForText(/phase 2\/2 steady/, {timeoutMs: 60_000})
      await term.sendKeys('q')
      expect(await term.waitForStatus({timeoutMs: 60_000})).toBe(130)
      const screen = await term.capture()
      expect(screen).toContain('STOPPED')
      expect(screen).toMatch(/phase\s+model\s+time\s+target/)
    } finally {
      await term.kill()
    }
    const dir = runDirs().find((d) => !before.has(d))!
    expect((await readReport(dir)).interrupted).toBe(true)
  }, 150_000)

  it('Ctrl-C (SIGINT): stops the load at once, writes a partial report, exits 130, leaves the lab running', async () => {
    const before = new Set(runDirs())
    const child = execa(process.execPath, [join(root, 'bin', 'run.js'), 'bench', 'steady', '--duration', '60s', '--no-up'], {cwd, reject: false, env: env(), timeout: 120_000})
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const deadline = Date.now() + 60_000
    while (!output.includes('▶ phase 2/2 steady') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
    expect(output).toContain('▶ phase 2/2 steady')
    await new Promise((r) => setTimeout(r, 1_500))
    const sentAt = Date.now()
    child.kill('SIGINT')
    const result = await child
    expect(result.exitCode).toBe(130)
    expect(Date.now() - sentAt).toBeLessThan(30_000)
    expect(result.stdout).toContain('Stopping: the load stops now and a partial report is written')
    expect(result.stdout).toContain('STOPPED early (partial report)')
    const dir = runDirs().find((d) => !before.has(d))!
    const report = await readReport(dir)
    expect(report.interrupted).toBe(true)
    expect(report.phases.map((p) => p.name)).toEqual(['warmup', 'steady'])
    expect(report.phases[1].durationS).toBeLessThan(30)
    expect(report.verdict.passed).toBe(false)
    expect(report.verdict.failures.at(-1)).toContain('The run was stopped early')
    // No load left running: the gateway sees no new API requests, and the lab is still up.
    const first = await gatewayApiRequests()
    await new Promise((r) => setTimeout(r, 1_500))
    expect(await gatewayApiRequests()).toBe(first)
    const status = await scalelab(['status'])
    expect(status.exitCode).toBe(0)
  }, 180_000)
})
