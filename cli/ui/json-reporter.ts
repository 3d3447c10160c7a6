// --json: silent while the run goes; the command prints the final report JSON (and only that) on
// stdout, so `scalelab bench x --json | jq` sees one document.
import type {RunReporter} from './reporter.js'

export class SilentReporter implements RunReporter {
  start(): void {}
  event(): void {}
  async finish(): Promise<void> {}
  onStopRequest(): void {}
  async close(): Promise<void> {}
}
