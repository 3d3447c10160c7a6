// One reporter interface, several implementations (gatsby-cli style): the Ink dashboard when
// stdout is a TTY, plain lines when it is not (CI, pipes) or with --no-ui, NDJSON with --ndjson,
// and a silent one for --json (only the final report JSON reaches stdout).
import type {Report} from '../report/schema.js'
import type {LiveSnapshot} from './live.js'

export interface RunInfo {
  kind: 'bench' | 'chaos'
  name: string
  description: string
  runtime: string
  target: string
  phases: Array<{name: string; durationS: number}>
  totalS: number
  reportDir: string
}

export type RunEvent =
  | {type: 'message'; level: 'info' | 'warn'; text: string}
  | {type: 'phase'; index: number; name: string}
  | {type: 'fault'; name: string; target: string; action: 'injected' | 'rolled-back'}
  | {type: 'check'; name: string; passed: boolean; detail: string}

export interface RunOutcome {
  report: Report
  /** Directory of the run and the files written in it. */
  dir: string
  files: string[]
}

export interface RunReporter {
  /** The run starts; `live` returns the current snapshot whenever the reporter wants one. */
  start(info: RunInfo, live: () => LiveSnapshot): void
  event(event: RunEvent): void
  /** The run is over (completed or stopped): show the summary. */
  finish(outcome: RunOutcome): Promise<void>
  /** Fires when the person asks to stop (q or Ctrl-C in the dashboard). */
  onStopRequest(listener: () => void): void
  /** Restore the terminal; safe to call more than once. */
  close(): Promise<void>
}
