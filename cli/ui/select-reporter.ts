// Which reporter a run gets: --json → silent (the report JSON alone on stdout), --ndjson → NDJSON
// lines, --no-ui, a CI environment or a stdout that is not a TTY → plain lines, else the Ink
// dashboard. Ink on a non-TTY would print every frame with erase sequences, hence the checks.
import {NdjsonReporter} from './ndjson-reporter.js'
import {PlainReporter} from './plain-reporter.js'
import {SilentReporter} from './json-reporter.js'
import type {RunReporter} from './reporter.js'

export type ReporterKind = 'ink' | 'plain' | 'ndjson' | 'json'

export interface ReporterFlags {
  json?: boolean
  ndjson?: boolean
  /** --no-ui */
  ui?: boolean
}

export interface ReporterEnvironment {
  stdoutIsTTY: boolean
  env: NodeJS.ProcessEnv
}

export function chooseReporterKind(flags: ReporterFlags, environment: ReporterEnvironment = {stdoutIsTTY: Boolean(process.stdout.isTTY), env: process.env}): ReporterKind {
  if (flags.json) return 'json'
  if (flags.ndjson) return 'ndjson'
  if (flags.ui === false || isCi(environment.env) || !environment.stdoutIsTTY) return 'plain'
  return 'ink'
}

/**
 * CI or CONTINUOUS_INTEGRATION set to anything but "0"/"false" — even empty — counts as CI (GitHub,
 * GitLab, Buildkite… set it). The same rule as Ink's own (is-in-ci): where Ink thinks it is in CI it
 * draws only the last frame, so picking the dashboard there would leave the screen blank for the run.
 */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  const set = (value: string | undefined) => value !== undefined && value !== '0' && value !== 'false'
  return set(env.CI) || set(env.CONTINUOUS_INTEGRATION)
}

export async function createReporter(kind: ReporterKind): Promise<RunReporter> {
  switch (kind) {
    case 'ink': {
      // Loaded on use: Ink and React are heavy, and a CI run never needs them.
      const {InkReporter} = await import('./ink-reporter.js')
      return new InkReporter()
    }
    case 'ndjson':
      return new NdjsonReporter()
    case 'json':
      return new SilentReporter()
    case 'plain':
      return new PlainReporter()
  }
}
