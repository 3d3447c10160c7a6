// The live dashboard of a real `scalelab bench`, read off a real terminal: a private lab (random port
// range, state in a temp dir) brought up before and torn down after; `bench steady` run in a tmux
// pane as a person would run it, the screen read while it runs, resized, then Ctrl-C — the run stops,
// the terminal comes back, the partial report is on disk, and the lab is as it was. The same command
// with stdout piped prints plain lines. Needs `npm run build` first (npm test does it) and Debian's tmux.
import {existsSync, mkdtempSync, readdirSync, rmSync, statSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {LabStatus} from '../../cli/runtime/types.js'
import {Report} from '../../cli/report/schema.js'
import {freePortBase, tempStateDir} from '../support/fixture-lab.js'
import {SHELL_PROMPT, TmuxSession} from '../support/tmux.js'

const root = join(import.meta.dirname, '..', '..')
const bin = join(root, 'bin', 'run.js')
const BENCH = ['bench', 'steady', '--duration', '20s', '--no-up']
const SLOW = {timeoutMs: 60_000}
let home: ReturnType<typeof tempStateDir>
let cwd: string
let portBase: number
/** Each service's pid, and that all were healthy, right after `up`. */
let labBefore: Map<string, number | null>

/** What the tool sees in a person's shell: no CI, no colour opt-out (the pipe alone must keep escapes out). */
const env = () => ({SCALELAB_HOME: home.dir, SCALELAB_PORT_BASE: String(portBase), CI: undefined, NO_COLOR: undefined, FORCE_COLOR: undefined, GITHUB_STEP_SUMMARY: undefined})

function scalelab(args: string[], timeout = 120_000) {
  return execa(process.execPath, [bin, ...args], {cwd, reject: false, env: env(), timeout})
}

async function labStatus(): Promise<LabStatus> {
  const result = await scalelab(['status', '--json'])
  return JSON.parse(result.stdout) as LabStatus
}

function pids(status: LabStatus): Map<string, number | null> {
  return new Map(status.services.filter((s) => s.kind === 'service').map((s) => [s.name, s.pid]))
}

function runDirs(): string[] {
  const reports = join(cwd, 'reports')
  return existsSync(reports) ? readdirSync(reports).sort().map((d) => join(reports, d)) : []
}

async function readReport(dir: string): Promise<Report> {
  return Report.parse(JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')))
}

/** Requests the gateway has served on /api routes (what the load generator sends). */
async function gatewayApiRequests(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${portBase}/metrics`)).text()
  let total = 0
  for (const match of text.matchAll(/^scalelab_http_requests_total\{route="\/api[^"]*"[^}]*\} (\d+)/gm)) total += Number(match[1])
  return total
}

function assertBuilt(): void {
  for (const dir of ['cli/ui', 'cli/ui/dashboard', 'cli/bench', 'cli/load', 'cli/commands']) {
    for (const file of readdirSync(join(root, dir)).filter((f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f))) {
      const built = join(root, 'dist', dir, file.replace(/\.tsx?$/, '.js'))
      if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(root, dir, file)).mtimeMs) throw new Error(`dist/ is older than ${dir}/${file}: run \`npm run build\` first.`)
    }
  }
}

beforeAll(async () => {
  assertBuilt()
  home = tempStateDir()
  cwd = mkdtempSync(join(tmpdir(), 'scalelab-dashboard-cwd-'))
  portBase = await freePortBase(2)
  const up = await scalelab(['up', '--runtime', 'local', '--api', '2'], 180_000)
  if (up.exitCode !== 0) throw new Error(`scalelab up failed (${up.exitCode}):\n${up.stdout}\n${up.stderr}`)
  const status = await labStatus()
  if (!status.healthy) throw new Error(`the lab is not healthy after up:\n${JSON.stringify(status, null, 2)}`)
  labBefore = pids(status)
}, 200_000)

afterAll(async () => {
  if (home) await scalelab(['down'], 90_000)
  home?.remove()
  if (cwd) rmSync(cwd, {recursive: true, force: true})
}, 120_000)

describe.runIf(await TmuxSession.available())('the dashboard of a real bench run, in a terminal', () => {
  it('appears, updates, fits after a resize to 80×24; Ctrl-C stops the run, restores the terminal, leaves a partial report and the lab as it was', async () => {
    const before = new Set(runDirs())
    const term = await TmuxSession.startShell({columns: 100, rows: 30, cwd, env: env()})
    try {
      await term.runWithStatus(`${process.execPath} ${bin} ${BENCH.join(' ')}`)

      // It appears: on the alternate screen with the cursor hidden, a whole frame inside 100×30.
      const first = await term.waitFor((screen) => screen.includes('phase 2/2 steady') && frameProblems(screen, 100, 30).length === 0, {...SLOW, what: 'a whole dashboard frame in the steady phase'})
      expect(await term.state()).toMatchObject({alternateScreen: true, cursorVisible: false})
      expect(first).toMatch(/^Latency ms +p50 +p95 +p99/m)
      expect(first).toMatch(/^ {2}whole run +[\d.,]+!? +[\d.,]+!? +[\d.,]+!?/m)

      // It updates: the run clock and the request count move between two captures.
      const a = figures(first)
      const second = await term.waitFor((screen) => {
        const b = figures(screen)
        return b.elapsedS > a.elapsedS && b.total > a.total
      }, {...SLOW, what: 'the clock and the request count to move'})
      expect(figures(second).total).toBeGreaterThan(a.total)

      // Narrower and shorter: the next frames are laid out for 80×24, no line wraps or lingers.
      await term.resize(80, 24)
      const narrow = await term.waitFor((screen) => frameProblems(screen, 80, 24).length === 0 && headerFits(screen, 80), {...SLOW, what: 'a whole frame at 80×24'})
      const c = figures(narrow)
      const moving = await term.waitFor((screen) => frameProblems(screen, 80, 24).length === 0 && figures(screen).total > c.total, {...SLOW, what: 'frames still coming at 80×24'})
      expect(frameProblems(moving, 80, 24)).toEqual([])

      // Ctrl-C: the load stops at once, the partial report is written, the command exits 130.
      const requestsAtStop = await gatewayApiRequests()
      const pressedAt = Date.now()
      await term.sendKeys('C-c')
      expect(await term.waitForStatus({timeoutMs: 60_000})).toBe(130)
      expect(Date.now() - pressedAt).toBeLessThan(30_000)
      const after = await term.capture({history: true}) // 24 rows: the summary's first lines have scrolled up
      expect(after).toContain('■ STOPPED early: partial report')
      expect(after).not.toContain('Latency ms') // no alternate-screen leftovers on the normal screen

      // The terminal is back: normal screen, cursor shown, canonical input and echo, a working prompt.
      await term.waitForPrompt(SLOW)
      expect(await term.state()).toMatchObject({alternateScreen: false, cursorVisible: true})
      await term.run("stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; echo '<stty'")
      expect(await term.waitForText(/^.*<stty$/m, SLOW)).toMatch(/^icanon echo <stty$/m)
      await term.run('echo usable-$((40+2))')
      await term.waitForText(/^usable-42$/m, SLOW)
      await term.waitForPrompt(SLOW)
      expect((await term.capture()).trimEnd().split('\n').at(-1)).toBe(SHELL_PROMPT.trimEnd())

      // No load left behind: the gateway sees no new API requests once the command has exited.
      const settled = await gatewayApiRequests()
      expect(settled).toBeGreaterThanOrEqual(requestsAtStop)
      await new Promise((r) => setTimeout(r, 1_500))
      expect(await gatewayApiRequests()).toBe(settled)
    } finally {
      await term.kill()
    }

    // The partial report: on disk, valid against the schema, marked interrupted.
    const dir = runDirs().find((d) => !before.has(d))
    expect(dir).toBeDefined()
    const report = await readReport(dir!)
    expect(report.interrupted).toBe(true)
    expect(report.phases.map((p) => p.name)).toEqual(['warmup', 'steady'])
    expect(report.phases[1].durationS).toBeLessThan(16)
    expect(report.summary.requests.total).toBeGreaterThan(0)
    expect(report.verdict.passed).toBe(false)
    expect(report.verdict.failures.at(-1)).toContain('stopped early')

    // The lab as it was: the same processes, every service healthy.
    const status = await labStatus()
    expect(status.healthy).toBe(true)
    expect(status.services.filter((s) => !s.healthy)).toEqual([])
    expect(pids(status)).toEqual(labBefore)
  }, 240_000)
})

describe('the same command with stdout piped', () => {
  it('prints plain lines with no escape codes', async () => {
    const before = new Set(runDirs())
    const result = await scalelab(BENCH, 120_000)
    expect([0, 3]).toContain(result.exitCode) // 3: a latency threshold crossed on a busy shared machine
    expect(result.stdout).not.toMatch(/\u001B/)
    expect(result.stderr).not.toMatch(/\u001B/)
    expect(result.stdout.split('\n')[0]).toMatch(/^Runtime: local \(the running lab in /)
    expect(result.stdout).toMatch(/^scalelab bench steady: 20 s \(warmup [\d.]+s, steady [\d.]+s\) → http:\/\/127\.0\.0\.1:\d+$/m)
    expect(result.stdout).toMatch(/^▶ phase 1\/2 warmup /m)
    expect(result.stdout).toMatch(/^▶ phase 2\/2 steady /m)
    // Progress lines every few seconds: [elapsed/total s] phase · target · rate · percentiles …
    expect(result.stdout.match(/^\[ +\d+\/20 s\] (warmup|steady) [12]\/2 · target \d+\/s · \d+ req\/s · p50 /gm)?.length).toBeGreaterThanOrEqual(2)
    expect(result.stdout).toMatch(/^phase +model +time +target +achieved +p50 +p95 +p99/m)
    const dir = runDirs().find((d) => !before.has(d))!
    const report = await readReport(dir)
    expect(report.interrupted).toBe(false)
    expect(result.exitCode).toBe(report.verdict.passed ? 0 : 3)
  }, 150_000)
})

interface Figures {
  elapsedS: number
  total: number
}

/** The run clock (header) and the request count (throughput panel) on a screen. */
function figures(screen: string): Figures {
  const clock = /(\d+):(\d\d) \/ \d+:\d\d · /.exec(screen)
  const total = /total ([\d,]+)/.exec(screen)
  return {elapsedS: clock ? Number(clock[1]) * 60 + Number(clock[2]) : -1, total: total ? Number(total[1].replace(/,/g, '')) : -1}
}

/** The header laid out for this width: its clock ends within the line, at the right edge. */
function headerFits(screen: string, columns: number): boolean {
  const header = screen.split('\n')[0]
  return /^scalelab bench steady · local +\d+:\d\d \/ \d+:\d\d · \d+:\d\d left$/.test(header) && header.length >= columns - 1 && header.length <= columns
}

// Every line of a frame is the header, the phase line, a panel's title line, an indented panel row,
// the footer or blank: a wrapped line (a frame wider than the terminal) or a leftover of an earlier
// frame would start otherwise, or show a second header or footer.
const FRAME_LINE = /^(scalelab bench |phase \d+\/\d+ |report → | {2}\S|(Latency ms|Throughput|Cache|Breakers|Fleet|Events|Chaos)( |$)|$)/

/** What is wrong with the dashboard frame on this screen (empty when it is one whole frame that fits). */
function frameProblems(screen: string, columns: number, rows: number): string[] {
  const lines = screen.split('\n')
  const problems: string[] = []
  if (lines.length > rows) problems.push(`${lines.length} lines on a ${rows}-row screen`)
  if (!lines[0]?.startsWith('scalelab bench steady')) problems.push('the header is not on the first row')
  if (lines.filter((l) => l.startsWith('scalelab bench')).length !== 1) problems.push('not exactly one header')
  const footers = lines.flatMap((l, i) => (l.startsWith('report → ') ? [i] : []))
  if (footers.length !== 1) problems.push('not exactly one footer')
  else if (lines.slice(footers[0] + 1).some((l) => l.trim() !== '')) problems.push('text below the footer')
  for (const [i, line] of lines.entries()) {
    if ([...line].length > columns) problems.push(`row ${i} is wider than ${columns}`)
    if (!FRAME_LINE.test(line)) problems.push(`row ${i} is not a dashboard line: ${JSON.stringify(line)}`)
  }
  for (const title of ['Latency ms', 'Throughput']) if (!lines.some((l) => l.startsWith(title))) problems.push(`no ${title} panel`)
  return problems
}
