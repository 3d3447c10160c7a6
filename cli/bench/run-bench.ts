// `scalelab bench`: load and resolve the scenario, make sure there is something to aim at (the lab,
// brought up when needed, or a deployment elsewhere), then run the scenario once or --repeat K
// times, each run with its own reporter and its own report directory.
import type {Environment} from '../report/schema.js'
import {loadScenario} from '../scenario/load-scenario.js'
import {resolveScenario, type ResolvedScenario} from '../scenario/resolve-scenario.js'
import type {RunOutcome, RunReporter} from '../ui/reporter.js'
import {prepareTarget, type BenchTarget} from './bench-target.js'
import {readEnvironment} from './environment.js'
import {runDirectories} from './report-dir.js'
import {runScenarioOnce} from './scenario-run.js'

export interface BenchRequest {
  /** A scenario name or a path to a scenario file. */
  scenario: string
  durationMs?: number
  rateScale?: number
  target?: string
  metricsUrls?: string[]
  apiReplicas?: number
  portBase?: number
  noUp?: boolean
  /** The run's directory (default reports/<timestamp>-<scenario>[-x<K>]). */
  out?: string
  repeat?: number
  /** argv as typed, for the report. */
  command: string[]
  cwd?: string
}

export interface BenchHooks {
  /** Lines about the preparation (runtime, lab start) — before any reporter runs. */
  notify(line: string): void
  /** A fresh reporter for each run. */
  reporter(): Promise<RunReporter>
  /** Aborted when the person asks to stop. */
  stop: AbortSignal
}

export interface BenchResult {
  scenario: ResolvedScenario
  target: BenchTarget
  /** The directory of the whole invocation (the run's, or the one holding run-1..K). */
  root: string
  outcomes: RunOutcome[]
  interrupted: boolean
}

export async function runBench(request: BenchRequest, hooks: BenchHooks): Promise<BenchResult> {
  const repeat = request.repeat ?? 1
  const loaded = await loadScenario(request.scenario, {cwd: request.cwd})
  const scenario = resolveScenario(loaded.scenario, {durationMs: request.durationMs, rateScale: request.rateScale})
  const target = await prepareTarget(
    {
      scenarioTarget: scenario.target,
      target: request.target,
      metricsUrls: request.metricsUrls,
      apiReplicas: request.apiReplicas,
      portBase: request.portBase,
      noUp: request.noUp,
      signal: hooks.stop,
    },
    hooks.notify,
  )
  const environment: Environment = await readEnvironment(target.runtime, target.apiInstances, target.images)
  const dirs = runDirectories({scenario: scenario.name, startedAt: new Date(), repeat, out: request.out, cwd: request.cwd})
  const outcomes: RunOutcome[] = []
  for (let i = 0; i < repeat && !hooks.stop.aborted; i++) {
    if (repeat > 1) hooks.notify(`Run ${i + 1} of ${repeat} → ${dirs.runs[i]}`)
    const reporter = await hooks.reporter()
    try {
      const outcome = await runScenarioOnce({
        scenario,
        file: loaded.file,
        target,
        environment,
        id: dirs.ids[i],
        dir: dirs.runs[i],
        command: request.command,
        reporter,
        stop: hooks.stop,
      })
      outcomes.push(outcome)
      await reporter.finish(outcome)
    } finally {
      await reporter.close()
    }
  }
  return {scenario, target, root: dirs.root, outcomes, interrupted: hooks.stop.aborted}
}
