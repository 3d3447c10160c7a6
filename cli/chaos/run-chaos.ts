// `scalelab chaos`: load and resolve the experiment, make sure the lab is up (brought up like bench
// does, unless --no-up), repair what a crashed earlier run left behind, then run the experiment
// with a reporter and write its report. Chaos always runs against this machine's lab, through the
// runtime interface and the topology only (local processes or Docker alike).
import {readEnvironment} from '../bench/environment.js'
import {prepareTarget, type BenchTarget} from '../bench/bench-target.js'
import {runDirectories} from '../bench/report-dir.js'
import {UserError} from '../errors.js'
import {openLabRuntime, runtimeContext} from '../runtime/select-runtime.js'
import type {LabRuntime} from '../runtime/types.js'
import type {RunReporter} from '../ui/reporter.js'
import {runExperimentOnce, type ExperimentOutcome} from './experiment-run.js'
import {FaultJournal} from './journal.js'
import {loadExperiment} from './load-experiment.js'
import {liveRunJournal, repairLeftovers} from './repair.js'
import {resolveExperiment, type ResolvedExperiment} from './resolve-experiment.js'

export interface ChaosRequest {
  /** An experiment name or a path to an experiment file. */
  experiment: string
  durationMs?: number
  rate?: number
  apiReplicas?: number
  portBase?: number
  noUp?: boolean
  out?: string
  /** argv as typed, for the report. */
  command: string[]
  cwd?: string
}

export interface ChaosHooks {
  /** Lines about the preparation (runtime, lab start, repairs) — before the reporter runs. */
  notify(line: string): void
  reporter(): Promise<RunReporter>
  /** Aborted when the person asks to stop. */
  stop: AbortSignal
}

export interface ChaosResult {
  experiment: ResolvedExperiment
  target: BenchTarget
  outcome: ExperimentOutcome
  interrupted: boolean
}

export async function runChaos(request: ChaosRequest, hooks: ChaosHooks): Promise<ChaosResult> {
  const loaded = await loadExperiment(request.experiment, {cwd: request.cwd})
  const experiment = resolveExperiment(loaded, {durationMs: request.durationMs, rate: request.rate})
  const context = runtimeContext()
  const running = liveRunJournal(context.stateDir)
  if (running) {
    throw new UserError(`Another chaos run (${running.experiment}, pid ${running.owner.pid}) is under way on this lab.`, {hint: 'Wait for it to finish, or stop it with Ctrl-C in its terminal (it rolls its faults back).'})
  }
  const target = await prepareTarget(
    {scenarioTarget: 'gateway', apiReplicas: request.apiReplicas, portBase: request.portBase, noUp: request.noUp, signal: hooks.stop},
    hooks.notify,
  )
  const runtime = openLabRuntime(context)
  await repairFirst(runtime, hooks.notify)
  const topology = await runtime.topology()
  if (!topology) throw new UserError('The lab stopped while chaos was preparing the run.', {hint: 'Check it with: scalelab status'})
  if (hooks.stop.aborted) throw new UserError('Stopped before the experiment began; nothing was injected.', {exitCode: 2})

  const environment = await readEnvironment(target.runtime, target.apiInstances, target.images)
  const dirs = runDirectories({scenario: experiment.name, startedAt: new Date(), repeat: 1, out: request.out, cwd: request.cwd})
  const reporter = await hooks.reporter()
  try {
    const outcome = await runExperimentOnce({
      experiment,
      target,
      runtime,
      topology,
      environment,
      id: dirs.ids[0],
      dir: dirs.runs[0],
      command: request.command,
      reporter,
      stop: hooks.stop,
    })
    await reporter.finish(outcome)
    return {experiment, target, outcome, interrupted: hooks.stop.aborted}
  } finally {
    await reporter.close()
  }
}

/** Faults a crashed earlier run left in this lab are rolled back before new ones go in. */
async function repairFirst(runtime: LabRuntime, notify: (line: string) => void): Promise<void> {
  const leftover = new FaultJournal(runtime.stateDir).read()
  if (!leftover) return
  notify(`A chaos run of ${leftover.experiment} (pid ${leftover.owner.pid}) ended without rolling back ${leftover.entries.length} fault${leftover.entries.length === 1 ? '' : 's'}: repairing first.`)
  const outcome = await repairLeftovers(runtime)
  for (const line of outcome.actions) notify(`  ${line}`)
  if (outcome.failures.length) {
    throw new UserError(`Could not repair what the earlier run left: ${outcome.failures.join('; ')}.`, {hint: 'Look at the lab (scalelab status), then try: scalelab chaos --rollback'})
  }
}
