// How fast can the open engine go compared with autocannon on the same server?
//
//   node dist/bench/engine.js [--json] [--rounds 3] [--probe-seconds 2]
//
// Against one trivial node:http server in a child process, each round measures autocannon's
// req/s (closed model, its best connection count), the closed engine's (autocannon plus our
// recording), and the open engine's maximum sustainable rate: the highest target rate it holds
// with achieved ≥ 99% of target, ≤ 0.5% of arrivals dropped or late, and no errors, found by
// climbing a ladder of rates. Rounds are interleaved so drifting machine load hits both sides alike; the figures
// are medians. Bounded to about two minutes with the defaults.
import {fork, type ChildProcess} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import os from 'node:os'
import autocannon from 'autocannon'
import {startClosedPhase} from '../cli/load/closed-engine.js'
import {ConnectionPool} from '../cli/load/connection-pool.js'
import {startOpenPhase} from '../cli/load/open-engine.js'
import {constantSource} from '../cli/load/request-sources.js'
import type {PhaseResult} from '../cli/load/types.js'

const TARGET_RATIO = 0.8
const SUSTAINED_ACHIEVED = 0.99
const SUSTAINED_BEHIND_SHARE = 0.005
const LADDER_UP = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3]
const LADDER_DOWN = [0.4, 0.3, 0.2, 0.1]
/** No new round starts after this many seconds, so the whole run stays within about two minutes. */
const NEW_ROUND_DEADLINE_S = 90
const request = constantSource({method: 'GET', path: '/'})

interface Options {
  json: boolean
  rounds: number
  probeSeconds: number
}

interface Probe {
  rate: number
  achieved: number
  dropped: number
  late: number
  errors: number
  p99Ms: number | null
  generatorCpu: number
  sustained: boolean
}

interface Round {
  autocannonRps: number
  closedEngineRps: number
  openMaxRate: number
  ratio: number
  probes: Probe[]
}

function parseArgs(argv: string[]): Options {
  const options: Options = {json: false, rounds: 3, probeSeconds: 2}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--json') options.json = true
    else if (arg === '--rounds') options.rounds = positive(arg, argv[++i])
    else if (arg === '--probe-seconds') options.probeSeconds = positive(arg, argv[++i])
    else {
      process.stderr.write(`Unknown option ${arg}. Usage: node dist/bench/engine.js [--json] [--rounds N] [--probe-seconds S]\n`)
      process.exit(2)
    }
  }
  return options
}

function positive(flag: string, value: string | undefined): number {
  const n = Number(value)
  if (!(n > 0)) {
    process.stderr.write(`${flag} needs a positive number (got ${value}).\n`)
    process.exit(2)
  }
  return n
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

async function startServer(): Promise<{child: ChildProcess; url: string}> {
  const child = fork(fileURLToPath(new URL('./trivial-http-server.js', import.meta.url)), {stdio: ['ignore', 'inherit', 'inherit', 'ipc']})
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as {port: number}).port))
    child.once('exit', (code) => reject(new Error(`the benchmark server exited early (code ${code})`)))
  })
  return {child, url: `http://127.0.0.1:${port}`}
}

async function autocannonRps(url: string, connections: number, seconds: number): Promise<number> {
  const result = await autocannon({url, connections, duration: seconds})
  return result.requests.average
}

async function closedEngineRps(url: string, connections: number, seconds: number): Promise<number> {
  const result = await startClosedPhase({target: url, durationMs: seconds * 1000, load: {model: 'closed', connections}, source: request}).result
  return result.throughput
}

async function openPhase(url: string, pool: ConnectionPool, rate: number, ms: number): Promise<PhaseResult> {
  // Short timeout and drain keep an overloaded probe from stretching the run.
  const bounds = {timeoutMs: 2000, gracefulStopMs: 1000}
  return startOpenPhase({target: url, durationMs: ms, load: {model: 'open', rate: {kind: 'constant', perSecond: rate}}, source: request, bounds}, {pool}).result
}

async function probeOpen(url: string, pool: ConnectionPool, rate: number, seconds: number): Promise<Probe> {
  // A short lead-in at the same rate warms connections and JIT, as a real phase sequence would.
  await openPhase(url, pool, rate, 500)
  const result = await openPhase(url, pool, rate, seconds * 1000)
  const {dropped, late} = result.generatorBehind
  const errors = result.outcomes.socketErrors + result.outcomes.timeouts + result.outcomes.otherErrors + result.totals.unfinished
  const scheduled = result.totals.scheduled
  return {
    rate,
    achieved: result.achievedRate,
    dropped,
    late,
    errors,
    p99Ms: result.latencyMs?.p99 ?? null,
    generatorCpu: result.generator.cpuMean,
    sustained: result.achievedRate >= SUSTAINED_ACHIEVED * rate && dropped + late <= SUSTAINED_BEHIND_SHARE * scheduled && errors === 0,
  }
}

/**
 * Climbs a ladder of rates (0.5×, 0.6×, … 1.3× the round's autocannon figure) and returns the
 * highest rung held; when even 0.5× fails it steps down (0.4×, 0.3×, …) to the first rung held.
 * A failing rung gets one retry: on a shared machine one scheduling hiccup should not end the
 * search, two in a row at the same rate do.
 */
async function findOpenMax(url: string, pool: ConnectionPool, reference: number, seconds: number, log: (line: string) => void): Promise<{max: number; probes: Probe[]}> {
  const probes: Probe[] = []
  const holds = async (factor: number): Promise<boolean> => {
    const rate = Math.round(factor * reference)
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await probeOpen(url, pool, rate, seconds)
      probes.push(result)
      log(`  open ${rate}/s (${factor.toFixed(1)}×): achieved ${Math.round(result.achieved)}/s, dropped ${result.dropped}, late ${result.late}, errors ${result.errors}, p99 ${result.p99Ms?.toFixed(1)} ms, cpu ${result.generatorCpu.toFixed(2)} → ${result.sustained ? 'held' : 'not held'}`)
      if (result.sustained) return true
    }
    return false
  }
  let best = 0
  for (const factor of LADDER_UP) {
    if (!(await holds(factor))) break
    best = Math.round(factor * reference)
  }
  if (best === 0) {
    for (const factor of LADDER_DOWN) {
      if (await holds(factor)) {
        best = Math.round(factor * reference)
        break
      }
    }
  }
  return {max: best, probes}
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2))
  const log = (line: string) => {
    if (!options.json) process.stdout.write(`${line}\n`)
    else process.stderr.write(`${line}\n`)
  }
  const started = performance.now()
  const {child, url} = await startServer()
  const pool = new ConnectionPool(url)
  try {
    // Warm both sides and pick autocannon's better connection count on this machine.
    const byConnections = new Map<number, number>()
    for (const connections of [10, 50]) byConnections.set(connections, await autocannonRps(url, connections, 2))
    const connections = [...byConnections].sort((a, b) => b[1] - a[1])[0][0]
    log(`autocannon warm-up: ${[...byConnections].map(([c, rps]) => `${c} connections ${Math.round(rps)} req/s`).join(', ')} → using ${connections}`)
    await openPhase(url, pool, Math.round(0.3 * byConnections.get(connections)!), 1000)

    const rounds: Round[] = []
    for (let r = 0; r < options.rounds; r++) {
      if (r > 0 && (performance.now() - started) / 1000 > NEW_ROUND_DEADLINE_S) {
        log(`stopping after ${r} rounds to stay within the time bound`)
        break
      }
      log(`round ${r + 1}/${options.rounds}`)
      const ac = await autocannonRps(url, connections, options.probeSeconds)
      log(`  autocannon (${connections} connections): ${Math.round(ac)} req/s`)
      const closed = await closedEngineRps(url, connections, options.probeSeconds)
      log(`  closed engine (${connections} connections): ${Math.round(closed)} req/s`)
      const {max, probes} = await findOpenMax(url, pool, ac, options.probeSeconds, log)
      rounds.push({autocannonRps: ac, closedEngineRps: closed, openMaxRate: max, ratio: max / ac, probes})
      log(`  open engine max sustained ${max}/s = ${(max / ac).toFixed(2)}× autocannon`)
    }

    const summary = {
      server: 'node:http, 2-byte body, own process',
      node: process.version,
      cpus: os.cpus().length,
      autocannonConnections: connections,
      criteria: {achievedAtLeast: SUSTAINED_ACHIEVED, droppedOrLateAtMost: SUSTAINED_BEHIND_SHARE, errors: 0},
      rounds,
      median: {
        autocannonRps: median(rounds.map((r) => r.autocannonRps)),
        closedEngineRps: median(rounds.map((r) => r.closedEngineRps)),
        openMaxRate: median(rounds.map((r) => r.openMaxRate)),
        ratio: median(rounds.map((r) => r.ratio)),
      },
      targetRatio: TARGET_RATIO,
      meetsTarget: median(rounds.map((r) => r.ratio)) >= TARGET_RATIO,
      elapsedSeconds: Math.round((performance.now() - started) / 1000),
    }
    if (options.json) {
      process.stdout.write(`${JSON.stringify(summary)}\n`)
    } else {
      const m = summary.median
      log('')
      log(`autocannon         ${Math.round(m.autocannonRps)} req/s (median of ${rounds.length})`)
      log(`closed engine      ${Math.round(m.closedEngineRps)} req/s`)
      log(`open engine max    ${Math.round(m.openMaxRate)} req/s sustained`)
      log(`open / autocannon  ${m.ratio.toFixed(2)}× (target ≥ ${TARGET_RATIO}×) ${summary.meetsTarget ? 'met' : 'NOT met'}`)
      log(`took ${summary.elapsedSeconds} s`)
    }
  } finally {
    await pool.destroy()
    child.kill()
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`)
  process.exit(1)
})
