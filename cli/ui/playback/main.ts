// Plays recorded snapshots through the real InkReporter, in a real terminal: for the tmux tests of
// the dashboard, for looking at the dashboard without booting the lab, and for measuring what the
// UI costs. `q` / Ctrl-C stops like a run does (a partial "report" after a short pause).
//
//   node dist/cli/ui/playback/main.js [--fixtures baseline,spike,chaos] [--seconds 3] [--loop]
//                                      [--hz 4] [--stop-delay 0.5] [--inline]
import {resolve} from 'node:path'
import {parseArgs} from 'node:util'
import {fixturesDir, readSnapshotFile} from '../fixtures/recorded-snapshots.js'
import {InkReporter} from '../ink-reporter.js'
import {playbackReport} from './playback-report.js'
import {playbackSource} from './playback-source.js'

async function main(): Promise<void> {
  const {values} = parseArgs({
    options: {
      fixtures: {type: 'string', default: 'baseline,spike,chaos,metrics-unavailable'},
      seconds: {type: 'string', default: '3'},
      loop: {type: 'boolean', default: false},
      hz: {type: 'string', default: '4'},
      'stop-delay': {type: 'string', default: '0.5'},
      inline: {type: 'boolean', default: false},
    },
  })
  const files = values.fixtures.split(',').map((name) => (name.endsWith('.json') ? resolve(name) : resolve(fixturesDir(), `${name}.json`)))
  const recorded = files.map(readSnapshotFile)
  const secondsPerSnapshot = Number(values.seconds)
  const source = playbackSource(recorded, {secondsPerSnapshot, loop: values.loop})
  const reporter = new InkReporter({refreshHz: Number(values.hz), alternateScreen: !values.inline})
  const startedAt = new Date()
  const first = recorded[0]
  let shown = -1
  let done!: (interrupted: boolean) => void
  const ended = new Promise<boolean>((resolveEnded) => (done = resolveEnded))
  reporter.onStopRequest(() => setTimeout(() => done(true), Number(values['stop-delay']) * 1000))
  reporter.start(
    {kind: first.kind, name: first.name, description: 'playback', runtime: first.runtime, target: 'playback://recorded', phases: [], totalS: first.totalS, reportDir: first.reportDir},
    source.live,
  )
  // Phase events as the recording moves on, and the end of a non-looping playback.
  const ticker = setInterval(() => {
    const {index, ended: over} = source.position()
    if (index !== shown) {
      shown = index
      reporter.event({type: 'phase', index: recorded[index].phase.index, name: recorded[index].phase.name})
    }
    if (over) done(false)
  }, 100)
  try {
    const interrupted = await ended
    clearInterval(ticker)
    const last = source.live()
    await reporter.finish({report: playbackReport(last, {interrupted, startedAt, finishedAt: new Date()}), dir: last.reportDir, files: ['report.json']})
  } finally {
    clearInterval(ticker)
    await reporter.close()
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`playback failed: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exitCode = 1
})
