// Runs the InkReporter on this process's real stdout (a tmux pane in the tests) with recorded
// snapshots, and measures how late the main thread's event loop runs while frames are drawn: what a
// load generator sharing the thread would feel. Writes the figures as JSON to --out, then finishes
// the reporter as a run does (the summary on the normal screen) and exits on its own.
//
//   node <compiled>/test/support/dashboard-loop-delay.js --out result.json [--in-thread] [--seconds 6]
import {readFileSync, writeFileSync} from 'node:fs'
import {monitorEventLoopDelay, performance} from 'node:perf_hooks'
import {parseArgs} from 'node:util'
import {loadFixture} from '../../cli/ui/fixtures/recorded-snapshots.js'
import {InkReporter} from '../../cli/ui/ink-reporter.js'
import {playbackReport} from '../../cli/ui/playback/playback-report.js'
import {playbackSource} from '../../cli/ui/playback/playback-source.js'

export interface LoopDelayResult {
  drawsInWorker: boolean
  seconds: number
  /** live() calls: the feed pulled (and frames were due) all along. */
  pulls: number
  /** perf_hooks.monitorEventLoopDelay over the run, in ms. */
  maxMs: number
  p99Ms: number
  meanMs: number
  /** Timer ticks (every 2 ms asked) that came 10 ms or more late, anywhere in the run (a busy machine's scheduler makes some). */
  stalls: number
  ticks: number
  /** Frames due while measuring (pulls that saw the run's clock reach a new second: LiveFeed draws those). */
  frames: number
  /** Stalls that began within 50 ms after a frame was due: the ones the frames caused. */
  frameStalls: number
  /** The longest of those, in ms (0 when none). */
  worstFrameStallMs: number
  /** CPU of the main thread alone over the measurement (Linux /proc, 10 ms ticks), and of the whole process. */
  mainThreadCpuMs: number
  processCpuMs: number
}

/** CPU ms (user + system) the main thread has used: /proc/self/task/<pid>/stat, in USER_HZ (100) ticks. */
function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

const STALL_MS = 10

async function main(): Promise<void> {
  const {values} = parseArgs({options: {out: {type: 'string'}, 'in-thread': {type: 'boolean', default: false}, seconds: {type: 'string', default: '6'}}})
  if (!values.out) throw new Error('--out is required')
  const seconds = Number(values.seconds)
  const recorded = [loadFixture('baseline'), loadFixture('spike'), loadFixture('chaos')]
  const source = playbackSource(recorded, {secondsPerSnapshot: 2, loop: true})
  let pulls = 0
  let shownSecond = -1
  const frameTimes: number[] = []
  const live = () => {
    pulls++
    const snapshot = source.live()
    const second = Math.floor(snapshot.elapsedS)
    if (second !== shownSecond) frameTimes.push(performance.now())
    shownSecond = second
    return snapshot
  }
  const reporter = new InkReporter({refreshHz: 4, ...(values['in-thread'] ? {worker: false} : {})})
  const first = recorded[0]
  reporter.start({kind: first.kind, name: first.name, description: 'loop delay', runtime: first.runtime, target: 'playback://recorded', phases: [], totalS: first.totalS, reportDir: first.reportDir}, live)

  // Let the worker start and the first frames settle, then measure.
  await sleep(1500)
  const histogram = monitorEventLoopDelay({resolution: 1})
  histogram.enable()
  let stalls = 0
  let ticks = 0
  const stallSpans: Array<{start: number; ms: number}> = []
  const mainCpuBefore = mainThreadCpuMs()
  const processCpuBefore = process.cpuUsage()
  const from = performance.now()
  const until = from + seconds * 1000
  await new Promise<void>((resolve) => {
    let last = performance.now()
    const tick = () => {
      const now = performance.now()
      ticks++
      if (now - last - 2 >= STALL_MS) {
        stalls++
        stallSpans.push({start: last, ms: now - last - 2})
      }
      last = now
      if (now >= until) resolve()
      else setTimeout(tick, 2)
    }
    setTimeout(tick, 2)
  })
  histogram.disable()
  const mainCpu = mainThreadCpuMs() - mainCpuBefore
  const processCpu = process.cpuUsage(processCpuBefore)
  const frames = frameTimes.filter((t) => t >= from && t <= until)
  const caused = stallSpans.filter((s) => frames.some((t) => s.start >= t - 5 && s.start <= t + 50))
  const result: LoopDelayResult = {
    drawsInWorker: reporter.drawsInWorker,
    seconds,
    pulls,
    maxMs: histogram.max / 1e6,
    p99Ms: histogram.percentile(99) / 1e6,
    meanMs: histogram.mean / 1e6,
    stalls,
    ticks,
    frames: frames.length,
    frameStalls: caused.length,
    worstFrameStallMs: Math.max(0, ...caused.map((s) => s.ms)),
    mainThreadCpuMs: mainCpu,
    processCpuMs: (processCpu.user + processCpu.system) / 1000,
  }
  writeFileSync(values.out, JSON.stringify(result))
  const last = source.live()
  try {
    await reporter.finish({report: playbackReport(last, {interrupted: false, startedAt: new Date(), finishedAt: new Date()}), dir: last.reportDir, files: ['report.json']})
  } finally {
    await reporter.close()
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

main().catch((err: unknown) => {
  process.stderr.write(`loop-delay failed: ${err instanceof Error ? err.stack : String(err)}\n`)
  process.exitCode = 1
})
