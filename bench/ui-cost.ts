// What does the live dashboard cost the run it shows?
//
//   node dist/bench/ui-cost.js [--json] [--rounds 6] [--seconds 8] [--connections 64]
//
// First, what one frame costs: the real InkReporter drawing recorded snapshots on a fake 120×40
// terminal in this process at its default rate, CPU per frame (React production build, as bin/run.js
// runs it).
// Then the end-to-end figure: one private lab (local processes, 2 API instances, a free port range,
// state in a temp dir), and the same closed-model scenario run through the real CLI (`scalelab
// bench`) with the Ink dashboard and with --no-ui, both in a tmux pane (so stdout is a real TTY,
// 120×40), alternating which goes first from round to round so drifting machine load hits both
// alike. Each run's throughput is the measured phase's achieved rate from its report.json; the cost
// of a round is 1 − dashboard/plain; figures are medians with their spread. Target: under 3 %.
// The CLI process's CPU per request (from the same reports) gives a second view: the dashboard's
// own CPU per second. Bounded to about five minutes with the defaults.
import {mkdtempSync, readFileSync, rmSync, chmodSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import os from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {execa} from 'execa'
import {Report} from '../cli/report/schema.js'
import type {LiveSnapshot} from '../cli/ui/live.js'
import {freePortBase} from '../test/support/fixture-lab.js'
import {TmuxSession} from '../test/support/tmux.js'

const TARGET_COST = 0.03
/** Per-round costs spread wider than this say more about the machine's other load than about the dashboard. */
const CONCLUSIVE_SPREAD = 2 * TARGET_COST
const API_INSTANCES = 2
const TERMINAL = {columns: 120, rows: 40}
const WARMUP_S = 3
/** No new round starts after this many seconds of runs, so the whole stays within about five minutes. */
const NEW_ROUND_DEADLINE_S = 210
/**
 * Frames drawn at the dashboard's own rate to measure what one costs: drawn back to back they cost a
 * third as much (hot caches), which is not what a run sees.
 */
const FRAME_PROBE = {warmupS: 3, seconds: 10}
const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

type Mode = 'dashboard' | 'plain'

interface Options {
  json: boolean
  rounds: number
  seconds: number
  connections: number
}

interface RunFigures {
  mode: Mode
  /** Requests sent per second in the measured phase. */
  rps: number
  requests: number
  p99Ms: number | null
  /** The CLI process's mean CPU during the measured phase, in cores (1 = one full core). */
  cpuCores: number
  /** CPU milliseconds per 1,000 requests: what each request cost the process, UI included. */
  cpuMsPer1k: number
}

interface Round {
  order: Mode[]
  dashboard: RunFigures
  plain: RunFigures
  /** 1 − dashboard/plain throughput. */
  cost: number
  /** The dashboard run's CPU beyond what the plain run's CPU per request predicts for its rate: the UI's own, ms per second. */
  uiCpuMsPerS: number
}

interface FrameCost {
  /** Frames drawn in the measured seconds (the dashboard draws one per second of the run's clock). */
  frames: number
  seconds: number
  cpuMsPerFrame: number
  /** CPU of the process per second while the dashboard pulls and draws as it does in a run. */
  cpuMsPerS: number
}

interface Spread {
  median: number
  min: number
  max: number
}

function parseArgs(argv: string[]): Options {
  const options: Options = {json: false, rounds: 6, seconds: 8, connections: 64}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--json') options.json = true
    else if (arg === '--rounds') options.rounds = positive(arg, argv[++i])
    else if (arg === '--seconds') options.seconds = positive(arg, argv[++i])
    else if (arg === '--connections') options.connections = positive(arg, argv[++i])
    else {
      process.stderr.write(`Unknown option ${arg}. Usage: node dist/bench/ui-cost.js [--json] [--rounds N] [--seconds S] [--connections C]\n`)
      process.exit(2)
    }
  }
  return options
}

function positive(flag: string, value: string | undefined): number {
  const n = Number(value)
  if (!(n > 0) || !Number.isInteger(n)) {
    process.stderr.write(`${flag} needs a whole number > 0 (got ${value}).\n`)
    process.exit(2)
  }
  return n
}

function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
  return {median, min: sorted[0], max: sorted[sorted.length - 1]}
}

// Aimed at the balancer, not the gateway: 64 closed connections send several thousand requests a
// second, past the seeded identities' rate limits (enterprise: 100,000 a minute), and the share
// answered with cheap 429s then depends on what the previous run left in the sliding window, so the
// second run of a pair is faster whatever it draws. Without the limiter every request is served by
// the fleet and the two runs differ by the dashboard alone.
function scenarioYaml(options: Options): string {
  return `name: ui-cost
description: Closed model at a fixed connection count (as closed-max), to compare throughput with and without the dashboard.
target: balancer
identities:
  key: {kind: api-key, tier: enterprise}
  admin: {kind: user, email: admin@example.com, password: admin123}
ids: {distribution: zipf, s: 1.1}
requests:
  - {name: read-resource-key, weight: 50, path: "/api/v1/resources/{{id}}", identity: key}
  - {name: read-resource-admin, weight: 50, path: "/api/v1/resources/{{id}}", identity: admin}
phases:
  - {name: warmup, duration: ${WARMUP_S}s, connections: 8}
  - {name: measure, duration: ${options.seconds}s, connections: ${options.connections}}
`
}

class Lab {
  readonly home: string
  readonly work: string
  private up = false

  constructor(readonly portBase: number) {
    this.home = mkdtempSync(join(tmpdir(), 'scalelab-ui-cost-home-'))
    chmodSync(this.home, 0o755) // PostgreSQL (run as postgres under root) must reach its data dir
    this.work = mkdtempSync(join(tmpdir(), 'scalelab-ui-cost-'))
  }

  get env(): Record<string, string | undefined> {
    return {SCALELAB_HOME: this.home, SCALELAB_PORT_BASE: String(this.portBase), CI: undefined, NO_COLOR: undefined}
  }

  async start(): Promise<void> {
    this.up = true
    const result = await execa(process.execPath, [BIN, 'up', '--runtime', 'local', '--api', String(API_INSTANCES)], {cwd: this.work, env: this.env, reject: false, timeout: 180_000})
    if (result.exitCode !== 0) throw new Error(`scalelab up failed (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`)
  }

  async stop(): Promise<void> {
    if (this.up) await execa(process.execPath, [BIN, 'down'], {cwd: this.work, env: this.env, reject: false, timeout: 90_000})
    rmSync(this.home, {recursive: true, force: true})
    rmSync(this.work, {recursive: true, force: true})
  }
}

/** CPU per dashboard frame: the real InkReporter pulling varied recorded snapshots at its default rate, on a fake terminal. */
async function measureFrameCost(): Promise<FrameCost> {
  // As bin/run.js does, before React is first loaded: the development build costs about twice as much.
  process.env.NODE_ENV ??= 'production'
  const [{InkReporter}, {DEFAULT_REFRESH_HZ}, {loadFixture}, {FakeTtyStdin, FakeTtyStdout}] = await Promise.all([
    import('../cli/ui/ink-reporter.js'),
    import('../cli/ui/dashboard/live-feed.js'),
    import('../cli/ui/fixtures/recorded-snapshots.js'),
    import('../test/support/fake-terminal.js'),
  ])
  const base = loadFixture('spike')
  let pulls = 0
  // Every pull differs a little, as a run's do: the clock, the counts, the newest second.
  const live = (): LiveSnapshot => {
    pulls++
    const last = <T,>(values: T[], value: T): T[] => [...values.slice(1), value]
    return {
      ...base,
      elapsedS: base.elapsedS + pulls / DEFAULT_REFRESH_HZ,
      achievedRate: 1500 + (pulls % 7) * 13,
      outcomes: {...base.outcomes, total: base.outcomes.total + pulls * 75, ok: base.outcomes.ok + pulls * 70},
      latency: {...base.latency, lastSecond: {...base.latency.lastSecond, p99: 30 + (pulls % 5)}},
      history: {...base.history, p99: last(base.history.p99, 20 + (pulls % 9)), rate: last(base.history.rate, 1400 + (pulls % 11) * 10)},
    }
  }
  const stdout = new FakeTtyStdout(TERMINAL.columns, TERMINAL.rows)
  const reporter = new InkReporter({stdout: stdout.asStream(), stdin: new FakeTtyStdin().asStream(), stderr: stdout.asStream(), patchConsole: false})
  const sleep = (s: number) => new Promise((resolve) => setTimeout(resolve, s * 1000))
  reporter.start({kind: 'bench', name: base.name, description: '', runtime: base.runtime, target: 'http://127.0.0.1', phases: [], totalS: base.totalS, reportDir: base.reportDir}, live)
  try {
    await sleep(FRAME_PROBE.warmupS)
    const drawnBefore = stdout.output.length
    const cpuBefore = process.cpuUsage()
    await sleep(FRAME_PROBE.seconds)
    const cpu = process.cpuUsage(cpuBefore)
    // Every frame starts with the header line.
    const frames = stdout.output.slice(drawnBefore).split(`scalelab ${base.kind} ${base.name}`).length - 1
    if (frames === 0) throw new Error('the dashboard drew no frames on the fake terminal')
    const cpuMs = (cpu.user + cpu.system) / 1000
    return {frames, seconds: FRAME_PROBE.seconds, cpuMsPerFrame: cpuMs / frames, cpuMsPerS: cpuMs / FRAME_PROBE.seconds}
  } finally {
    await reporter.close()
  }
}

/** One `scalelab bench` in a fresh tmux pane; the report it wrote. */
async function benchInTerminal(lab: Lab, scenarioFile: string, mode: Mode, out: string, extra: string[] = []): Promise<Report> {
  const args = [BIN, 'bench', scenarioFile, '--no-up', '--out', out, ...(mode === 'plain' ? ['--no-ui'] : []), ...extra]
  const term = await TmuxSession.start({command: [process.execPath, ...args], cwd: lab.work, env: lab.env, ...TERMINAL})
  try {
    await term.waitForExit({timeoutMs: 120_000})
  } catch (err) {
    throw new Error(`the ${mode} run did not end: ${err instanceof Error ? err.message : String(err)}`)
  } finally {
    await term.kill()
  }
  try {
    return Report.parse(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')))
  } catch (err) {
    throw new Error(`the ${mode} run wrote no readable report in ${out}: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/** The measured phase's figures from a run's report. */
function measuredFigures(report: Report, mode: Mode): RunFigures {
  const measured = report.phases.find((p) => p.name === 'measure')
  if (!measured || report.interrupted) throw new Error(`the ${mode} run did not complete its measured phase (report ${report.id}).`)
  const cpuCores = measured.generator.cpuPercentMean / 100
  const requests = measured.outcomes.total
  return {
    mode,
    rps: measured.achievedRate,
    requests,
    p99Ms: measured.latencyMs?.p99 ?? null,
    cpuCores,
    cpuMsPer1k: requests > 0 ? (cpuCores * measured.durationS * 1000 * 1000) / requests : 0,
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2))
  const log = (line: string) => (options.json ? process.stderr : process.stdout).write(`${line}\n`)
  if (!(await TmuxSession.available())) {
    process.stderr.write('tmux is not installed: the dashboard needs a real terminal to be measured. Install it with: apt-get install -y tmux\n')
    process.exit(2)
  }
  log(`frame cost: the dashboard on a fake ${TERMINAL.columns}×${TERMINAL.rows} terminal for ${FRAME_PROBE.seconds} s…`)
  const frameCost = await measureFrameCost()
  log(`  ${frameCost.frames} frames: ${frameCost.cpuMsPerFrame.toFixed(1)} ms CPU per frame, ${frameCost.cpuMsPerS.toFixed(0)} ms per second`)
  const lab = new Lab(await freePortBase(API_INSTANCES))
  let interrupted = false
  const onInterrupt = () => {
    interrupted = true
    log('interrupted: finishing the run under way, then stopping the lab')
  }
  process.on('SIGINT', onInterrupt)
  try {
    log(`booting a private lab (local, ${API_INSTANCES} API instances, ports from ${lab.portBase})…`)
    await lab.start()
    const scenarioFile = join(lab.work, 'ui-cost.yaml')
    writeFileSync(scenarioFile, scenarioYaml(options))
    // One unmeasured run first: JIT, caches, connection pools and the rate limiter's keys warm up.
    log('warm-up run (not counted)…')
    await benchInTerminal(lab, scenarioFile, 'plain', join(lab.work, 'warmup'), ['--duration', '6s'])

    const rounds: Round[] = []
    const started = performance.now()
    for (let r = 0; r < options.rounds && !interrupted; r++) {
      if (r > 0 && (performance.now() - started) / 1000 > NEW_ROUND_DEADLINE_S) {
        log(`stopping after ${r} rounds to stay within the time bound`)
        break
      }
      const order: Mode[] = r % 2 === 0 ? ['dashboard', 'plain'] : ['plain', 'dashboard']
      const figures = {} as Record<Mode, RunFigures>
      for (const mode of order) figures[mode] = measuredFigures(await benchInTerminal(lab, scenarioFile, mode, join(lab.work, `round-${r + 1}-${mode}`)), mode)
      const cost = 1 - figures.dashboard.rps / figures.plain.rps
      const uiCpuMsPerS = figures.dashboard.cpuCores * 1000 - (figures.plain.cpuMsPer1k * figures.dashboard.rps) / 1000
      rounds.push({order, dashboard: figures.dashboard, plain: figures.plain, cost, uiCpuMsPerS})
      log(
        `round ${r + 1}/${options.rounds} (${order.join(' then ')}): dashboard ${Math.round(figures.dashboard.rps)} req/s, plain ${Math.round(figures.plain.rps)} req/s → cost ${percent(cost)}` +
          ` · CPU per 1k requests ${figures.dashboard.cpuMsPer1k.toFixed(0)} vs ${figures.plain.cpuMsPer1k.toFixed(0)} ms → the dashboard's own ≈ ${uiCpuMsPerS.toFixed(0)} ms/s`,
      )
    }
    if (rounds.length === 0) throw new Error('no round completed.')

    const dashboard = spread(rounds.map((r) => r.dashboard.rps))
    const plain = spread(rounds.map((r) => r.plain.rps))
    const cost = spread(rounds.map((r) => r.cost))
    const cpuDashboard = spread(rounds.map((r) => r.dashboard.cpuMsPer1k))
    const cpuPlain = spread(rounds.map((r) => r.plain.cpuMsPer1k))
    const uiCpu = spread(rounds.map((r) => r.uiCpuMsPerS))
    const summary = {
      scenario: `closed model, ${options.connections} connections, ${options.seconds} s measured after a ${WARMUP_S} s warm-up at 8`,
      lab: `local processes, ${API_INSTANCES} API instances`,
      terminal: `tmux ${TERMINAL.columns}×${TERMINAL.rows}`,
      machine: {cpus: os.cpus().length, loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100), node: process.version},
      frameCost,
      rounds,
      dashboardRps: dashboard,
      plainRps: plain,
      /** Median of the per-round costs (each round pairs two runs close in time). */
      cost,
      costOfMedians: 1 - dashboard.median / plain.median,
      cpuMsPer1k: {dashboard: cpuDashboard, plain: cpuPlain},
      /** The dashboard's own CPU in the run's process, ms per second (per round: dashboard CPU − plain CPU per request × dashboard rate). */
      uiCpuMsPerS: uiCpu,
      target: TARGET_COST,
      /** 'inconclusive' when the per-round costs spread wider than twice the target: the machine was too busy to tell. */
      verdict: cost.max - cost.min > CONCLUSIVE_SPREAD ? 'inconclusive' : cost.median < TARGET_COST ? 'met' : 'not met',
    }
    if (options.json) {
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`)
    } else {
      log('')
      log(`UI cost — ${summary.scenario}; ${summary.lab}; ${summary.terminal}; ${rounds.length} rounds, interleaved`)
      log(`  dashboard  ${Math.round(dashboard.median)} req/s (${Math.round(dashboard.min)}–${Math.round(dashboard.max)})`)
      log(`  --no-ui    ${Math.round(plain.median)} req/s (${Math.round(plain.min)}–${Math.round(plain.max)})`)
      log(`  cost       ${percent(cost.median)} median of rounds (${percent(cost.min)} to ${percent(cost.max)}); of the medians ${percent(summary.costOfMedians)} — target < ${percent(TARGET_COST)}: ${summary.verdict === 'not met' ? 'NOT met' : summary.verdict}`)
      if (summary.verdict === 'inconclusive') log(`  (the rounds spread over ${percent(cost.max - cost.min)}, more than ${percent(CONCLUSIVE_SPREAD)}: the machine's other load swamps the difference; run it in a quiet period or with more --rounds)`)
      log(`  CPU of the bench process per 1,000 requests: dashboard ${cpuDashboard.median.toFixed(0)} ms, --no-ui ${cpuPlain.median.toFixed(0)} ms; the dashboard's own ≈ ${uiCpu.median.toFixed(0)} ms/s (${uiCpu.min.toFixed(0)} to ${uiCpu.max.toFixed(0)})`)
      log(`  one frame: ${frameCost.cpuMsPerFrame.toFixed(1)} ms CPU, ${frameCost.cpuMsPerS.toFixed(0)} ms/s as the dashboard draws (fake terminal, in process)`)
      log(`  machine: ${summary.machine.cpus} cores, load average ${summary.machine.loadAverage.join(' ')} (shared: compare the spread before trusting a small difference)`)
    }
  } finally {
    process.off('SIGINT', onInterrupt)
    log('stopping the lab…')
    await lab.stop()
  }
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
