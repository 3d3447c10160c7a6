import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {formatExperimentList, listExperiments} from '../chaos/experiment-list.js'
import {experimentJsonSchema} from '../chaos/experiment-schema.js'
import {repairLeftovers} from '../chaos/repair.js'
import {runChaos} from '../chaos/run-chaos.js'
import {formatChaosLines} from '../chaos/summary-text.js'
import {ExitCode, UserError} from '../errors.js'
import {labFlags} from '../runtime/lab-flags.js'
import {openLabRuntime} from '../runtime/select-runtime.js'
import {parseDuration} from '../scenario/duration.js'
import {startRunControl} from '../ui/run-control.js'

/** Exit status of a run stopped with Ctrl-C (128 + SIGINT), as shells report it. */

export default class Chaos extends BaseCommand {
  static override summary = 'Inject faults into the lab under load, check the steady state, time detection and recovery, and prove no write was lost.'
  static override description = `EXPERIMENT is a name (./scenarios/chaos/<name>.yaml, else the packaged scenarios/chaos/<name>.yaml; list them with --list) or a path to an experiment file.

Brings the lab up when it is not running (like bench; --no-up fails instead), starts the background load, and judges the steady-state checks every second on the last seconds' window. Faults go in at their times — kill / stop / pause a service, a Toxiproxy toxic or a cut on the redis or postgres link, HTTP errors or delays inside one API instance — and are rolled back after their \`for\`: baseline → fault → recovery. The report (reports/<timestamp>-<experiment>/) has the errors and latency of each stage, how long the system took to notice each fault (breakers, the balancer, /ready), how long it took to recover after the rollback, every expectation's verdict, and the acknowledged writes read back through the API and from Postgres: lost ones fail the run.

The rollback always runs: at the end, on an abort rule, on Ctrl-C (or q), on an error. Every fault is journalled in the lab's state dir before it goes in; if the runner itself dies (SIGKILL, a closed terminal), \`scalelab chaos --rollback\` (or \`scalelab up\`) rolls back what it left.

Exit codes: 0 the steady state held, every expectation passed and nothing was lost; 2 bad input (an invalid experiment file, the lab down with --no-up); 3 a steady-state check, an expectation or the write check failed, or an abort rule stopped the run; 130 stopped early (faults rolled back, partial report written); 1 unexpected failure.`
  static override examples = [
    {description: 'Kill Redis under load, with the live dashboard', command: '<%= config.bin %> chaos kill-redis'},
    {description: 'A 30-second run at 80 req/s, plain lines (CI); the lab must already be up', command: '<%= config.bin %> chaos slow-postgres --duration 30s --rate 80 --no-ui --no-up'},
    {description: 'The report JSON only, for a pipeline', command: '<%= config.bin %> chaos api-errors --json | jq .chaos.expectations'},
    {description: 'Your own experiment file', command: '<%= config.bin %> chaos ./my-experiment.yaml'},
    {description: 'The shipped experiments', command: '<%= config.bin %> chaos --list'},
    {description: 'Roll back what a crashed chaos run left in the lab', command: '<%= config.bin %> chaos --rollback'},
  ]
  static override args = {
    experiment: Args.string({description: 'Experiment name or path to an experiment .yaml file.'}),
  }
  static override flags = {
    duration: Flags.string({description: 'Total duration, e.g. 30s: every step’s time is scaled by the same factor.'}),
    rate: Flags.string({description: 'Requests per second of the background load, instead of the experiment’s.'}),
    api: labFlags.api,
    'port-base': labFlags['port-base'],
    up: Flags.boolean({description: 'Start the lab when it is not running (default); --no-up fails instead.', allowNo: true, default: true}),
    json: Flags.boolean({description: 'Print only the report JSON on stdout (with --list: the listing).', exclusive: ['ndjson']}),
    ndjson: Flags.boolean({description: 'Print one JSON object per second, then the final report.', exclusive: ['json']}),
    ui: Flags.boolean({description: 'Live dashboard on a TTY (default); --no-ui prints plain lines.', allowNo: true, default: true}),
    out: Flags.string({description: 'Directory for this run’s report (default reports/<timestamp>-<experiment>).'}),
    list: Flags.boolean({description: 'List the experiments (name, duration, description, steps) instead of running one.', exclusive: ['rollback', 'schema']}),
    schema: Flags.boolean({description: 'Print the JSON Schema of experiment files.', exclusive: ['rollback', 'list']}),
    rollback: Flags.boolean({description: 'Roll back what a crashed chaos run left in the lab (journalled faults, stopped or paused services, leftover toxics) and exit.', exclusive: ['list', 'schema']}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Chaos)
    if (flags.list) return this.list(flags.json)
    if (flags.schema) return this.log(JSON.stringify(experimentJsonSchema(), null, 2))
    if (flags.rollback) return this.rollback()
    if (!args.experiment) throw new UserError('Which experiment? Give its name or a path.', {hint: 'List them with: scalelab chaos --list'})

    const durationMs = flags.duration === undefined ? undefined : parseDuration(flags.duration)
    if (flags.duration !== undefined && !durationMs) throw new UserError(`--duration ${flags.duration} is not a duration.`, {hint: 'Use e.g. 30s, 2m or 1m30s.'})
    const rate = flags.rate === undefined ? undefined : Number(flags.rate)
    if (rate !== undefined && !(rate > 0)) throw new UserError(`--rate ${flags.rate} is not a number > 0.`, {hint: 'Use e.g. --rate 100 (requests per second).'})

    const control = startRunControl({
      flags: {json: flags.json, ndjson: flags.ndjson, ui: flags.ui},
      log: (line) => this.log(line),
      logToStderr: (line) => this.logToStderr(line),
      stoppingMessage: 'Stopping: the load stops, every fault is rolled back, the writes are checked and a partial report is written (Ctrl-C again to quit at once; then repair with: scalelab chaos --rollback).',
    })
    const {kind, machine, notify} = control
    try {
      const result = await runChaos(
        {experiment: args.experiment, durationMs, rate, apiReplicas: flags.api, portBase: flags['port-base'], noUp: !flags.up, out: flags.out, command: ['scalelab', 'chaos', ...this.argv]},
        {
          notify,
          stop: control.stop,
          reporter: () => control.reporter(),
        },
      )
      const {report} = result.outcome
      if (kind === 'json') this.log(JSON.stringify(report, null, 2))
      if (kind === 'ink') this.log(['', ...formatChaosLines(report)].join('\n'))
      if (result.target.startedLab) notify('The lab was started by this run and is still running; stop it with: scalelab down')
      if (result.outcome.rollbackFailures.length) this.logToStderr(`Some faults could not be rolled back; repair them with: scalelab chaos --rollback`)
      if (result.interrupted) {
        process.exitCode = ExitCode.interrupted
        return
      }
      if (!report.verdict.passed) {
        process.exitCode = ExitCode.checkFailed
        this.logToStderr(`The experiment failed:\n${report.verdict.failures.map((f) => `  - ${f}`).join('\n')}`)
      }
    } finally {
      control.dispose()
    }
  }

  private async list(json: boolean): Promise<void> {
    const listings = await listExperiments()
    this.log(json ? JSON.stringify(listings, null, 2) : formatExperimentList(listings))
  }

  private async rollback(): Promise<void> {
    const runtime = openLabRuntime()
    const outcome = await repairLeftovers(runtime)
    if (outcome.journal) this.log(`The chaos run of ${outcome.journal.experiment} (pid ${outcome.journal.owner.pid}, started ${outcome.journal.startedAt}) left ${outcome.journal.entries.length} fault${outcome.journal.entries.length === 1 ? '' : 's'} in its journal.`)
    for (const line of outcome.actions) this.log(`  ${line}`)
    if (outcome.failures.length) {
      throw new Error(`Could not roll everything back: ${outcome.failures.join('; ')}. The journal is kept; look at the lab (scalelab status) and run --rollback again.`)
    }
    this.log(outcome.journal || outcome.actions.length ? 'Rolled back: no fault of a chaos run is left in the lab.' : 'Nothing to roll back: no chaos journal, every service running, no leftover toxics.')
  }

}
