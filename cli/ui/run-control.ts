// How a `bench` or `chaos` run is steered from the keyboard, shared by both commands: the reporter
// their flags and terminal call for, and one stop signal fed by Ctrl-C / SIGTERM and by the
// dashboard's own q / Ctrl-C. A second Ctrl-C quits at once (exit 130); while the dashboard is up it
// handles that itself, after restoring the terminal.
import {ExitCode} from '../errors.js'
import type {RunReporter} from './reporter.js'
import {chooseReporterKind, createReporter, type ReporterFlags, type ReporterKind} from './select-reporter.js'

export interface RunControlOptions {
  flags: ReporterFlags
  /** Prints a line for the person (stdout), or to stderr when stdout carries JSON. */
  log: (line: string) => void
  logToStderr: (line: string) => void
  /** What the first Ctrl-C does, said when no dashboard is there to show it. */
  stoppingMessage: string
}

export interface RunControl {
  readonly kind: ReporterKind
  /** stdout carries JSON (--json, --ndjson): messages go to stderr. */
  readonly machine: boolean
  readonly notify: (line: string) => void
  /** Aborted by the first Ctrl-C, SIGTERM, or a stop asked for in the dashboard. */
  readonly stop: AbortSignal
  /** Creates the run's reporter (once the run starts), wired to the stop signal. */
  reporter(): Promise<RunReporter>
  /** Stops listening for signals. */
  dispose(): void
}

export function startRunControl(options: RunControlOptions): RunControl {
  const kind = chooseReporterKind(options.flags)
  const machine = kind === 'json' || kind === 'ndjson'
  const notify = (line: string) => (machine ? options.logToStderr(line) : options.log(line))
  const stop = new AbortController()
  let inkActive = false
  let interrupts = 0
  const onSignal = () => {
    interrupts++
    if (interrupts === 1) {
      if (!inkActive) notify(options.stoppingMessage)
      stop.abort()
    } else if (!inkActive) {
      process.exit(ExitCode.interrupted)
    }
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    kind,
    machine,
    notify,
    stop: stop.signal,
    async reporter() {
      const reporter = await createReporter(kind)
      reporter.onStopRequest(() => stop.abort())
      if (kind !== 'ink') return reporter
      inkActive = true
      const close = reporter.close.bind(reporter)
      reporter.close = async () => {
        inkActive = false
        await close()
      }
      return reporter
    },
    dispose() {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}
