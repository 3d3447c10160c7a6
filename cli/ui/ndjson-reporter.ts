// --ndjson: one JSON object a line for machines: the start, every event, a snapshot each second,
// then the final report. Nothing else reaches stdout.
import type {LiveSnapshot} from './live.js'
import type {RunEvent, RunInfo, RunOutcome, RunReporter} from './reporter.js'

export type NdjsonLine =
  | {type: 'start'; info: RunInfo}
  | {type: 'snapshot'; snapshot: LiveSnapshot}
  | {type: 'event'; event: RunEvent}
  | {type: 'report'; dir: string; files: string[]; report: RunOutcome['report']}

export interface NdjsonReporterOptions {
  write?: (line: string) => void
  /** Milliseconds between snapshots (default 1000). */
  everyMs?: number
}

export class NdjsonReporter implements RunReporter {
  private readonly write: (line: string) => void
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly options: NdjsonReporterOptions = {}) {
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`))
  }

  start(info: RunInfo, live: () => LiveSnapshot): void {
    this.emit({type: 'start', info})
    this.timer = setInterval(() => this.emit({type: 'snapshot', snapshot: live()}), this.options.everyMs ?? 1000)
    this.timer.unref()
  }

  event(event: RunEvent): void {
    this.emit({type: 'event', event})
  }

  async finish(outcome: RunOutcome): Promise<void> {
    this.stop()
    this.emit({type: 'report', dir: outcome.dir, files: outcome.files, report: outcome.report})
  }

  onStopRequest(): void {
    // Machines stop a run with SIGINT, which the command handles.
  }

  async close(): Promise<void> {
    this.stop()
  }

  private stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  private emit(line: NdjsonLine): void {
    this.write(JSON.stringify(line))
  }
}
