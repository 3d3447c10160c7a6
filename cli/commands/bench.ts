import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {runBench} from '../bench/run-bench.js'
import {formatPhaseTable, formatThresholds} from '../bench/summary-text.js'
import {ExitCode, UserError} from '../errors.js'
import {labFlags} from '../runtime/lab-flags.js'
import {parseDuration} from '../scenario/duration.js'
import {startRunControl} from '../ui/run-control.js'

/** Exit status of a run stopped with Ctrl-C (128 + SIGINT), as shells report it. */

export default class Bench extends BaseCommand {
  static override summary = 'Run a traffic scenario against the lab (or a deployment) and write a report.'
  static override description = `SCENARIO is a name (./scenarios/<name>.yaml, else the packaged scenarios/<name>.yaml; list them with \`scalelab scenarios\`) or a path to a scenario file.

Brings the lab up when it is not running (and leaves it running: \`scalelab down\` stops it), logs the scenario's users in, runs its setup, then its phases in order: open-model phases (rate) with the arrival-rate engine, closed-model phases (connections) with autocannon. The system's /metrics are read every second (cache hit rate, breaker trips, rate-limit decisions, per-instance requests, ejections). The report goes to reports/<timestamp>-<scenario>/ (report.json, report.md, report.html, junit.xml).

Ctrl-C (or q in the dashboard) stops the load at once and still writes the report, marked interrupted.

Exit codes: 0 every threshold passed, 2 bad input (e.g. an invalid scenario file, the lab down with --no-up), 3 a threshold failed, 130 stopped early (partial report written), 1 unexpected failure.`
  static override examples = [
    {description: 'The spike scenario with the live dashboard', command: '<%= config.bin %> bench spike-10x'},
    {description: 'A 30-second smoke run at half the rates, plain lines (CI)', command: '<%= config.bin %> bench steady --duration 30s --rate-scale 0.5 --no-ui'},
    {description: 'Three repeats for `report compare`, the lab must already be up', command: '<%= config.bin %> bench steady --repeat 3 --no-up'},
    {description: 'Your own scenario file, the report JSON on stdout', command: '<%= config.bin %> bench ./my-scenario.yaml --json | jq .summary'},
    {description: 'A deployment elsewhere, with its metrics', command: '<%= config.bin %> bench steady --target http://10.0.0.5:8080 --metrics http://10.0.0.5:8080/metrics'},
  ]
  static override args = {
    scenario: Args.string({required: true, description: 'Scenario name or path to a scenario .yaml file.'}),
  }
  static override flags = {
    duration: Flags.string({description: 'Total duration, e.g. 30s or 2m: every phase is scaled by the same factor.'}),
    'rate-scale': Flags.string({description: 'Multiply every open-model rate by this factor, e.g. 0.5.'}),
    target: Flags.string({description: 'Send the traffic to this URL (a deployment already running) instead of the lab.'}),
    metrics: Flags.string({description: 'With --target: /metrics URLs of the deployment’s services (repeat the flag).', multiple: true}),
    api: labFlags.api,
    'port-base': labFlags['port-base'],
    up: Flags.boolean({description: 'Start the lab when it is not running (default); --no-up fails instead.', allowNo: true, default: true}),
    json: Flags.boolean({description: 'Print only the report JSON on stdout (an array with --repeat > 1).', exclusive: ['ndjson']}),
    ndjson: Flags.boolean({description: 'Print one JSON object per second, then the final report.', exclusive: ['json']}),
    ui: Flags.boolean({description: 'Live dashboard on a TTY (default); --no-ui prints plain lines.', allowNo: true, default: true}),
    repeat: Flags.integer({description: 'Run the scenario K times into reports/<timestamp>-<scenario>-x<K>/run-<i>/.', min: 1, max: 100, default: 1}),
    out: Flags.string({description: 'Directory for this run’s report (default reports/<timestamp>-<scenario>).'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Bench)
    const durationMs = flags.duration === undefined ? undefined : parseDuration(flags.duration)
    if (flags.duration !== undefined && !durationMs) throw new UserError(`--duration ${flags.duration} is not a duration.`, {hint: 'Use e.g. 30s, 2m or 1m30s.'})
    const rateScale = flags['rate-scale'] === undefined ? undefined : Number(flags['rate-scale'])
    if (rateScale !== undefined && !(rateScale > 0)) throw new UserError(`--rate-scale ${flags['rate-scale']} is not a number > 0.`, {hint: 'Use e.g. --rate-scale 0.5 for half the rates.'})

    const control = startRunControl({
      flags: {json: flags.json, ndjson: flags.ndjson, ui: flags.ui},
      log: (line) => this.log(line),
      logToStderr: (line) => this.logToStderr(line),
      stoppingMessage: 'Stopping: the load stops now and a partial report is written (Ctrl-C again to quit at once).',
    })
    const {kind, machine, notify} = control
    try {
      const result = await runBench(
        {
          scenario: args.scenario,
          durationMs,
          rateScale,
          target: flags.target,
          metricsUrls: flags.metrics,
          apiReplicas: flags.api,
          portBase: flags['port-base'],
          noUp: !flags.up,
          out: flags.out,
          repeat: flags.repeat,
          command: ['scalelab', 'bench', ...this.argv],
        },
        {
          notify,
          stop: control.stop,
          reporter: () => control.reporter(),
        },
      )
      const reports = result.outcomes.map((o) => o.report)
      if (kind === 'json' && reports.length) this.log(JSON.stringify(flags.repeat > 1 ? reports : reports[0], null, 2))
      if (kind === 'ink') for (const o of result.outcomes) this.log(['', formatPhaseTable(o.report), ...formatThresholds(o.report)].join('\n'))
      if (flags.repeat > 1 && !machine) {
        this.log(`\nRepeats: ${result.outcomes.map((o, i) => `run-${i + 1} ${o.report.verdict.passed ? 'passed' : 'FAILED'}`).join(', ')} · in ${result.root}`)
        this.log(`Compare them with a baseline: scalelab report compare <baseline> ${result.root}`)
      }
      if (result.target.startedLab) notify('The lab was started by this run and is still running; stop it with: scalelab down')

      if (result.interrupted) {
        process.exitCode = ExitCode.interrupted
        return
      }
      const failed = reports.flatMap((r) => r.thresholds.filter((t) => !t.passed))
      if (failed.length) {
        process.exitCode = ExitCode.checkFailed
        this.logToStderr(`${failed.length} threshold${failed.length === 1 ? '' : 's'} failed: ${[...new Set(failed.map((t) => t.expression))].join('; ')}`)
      }
    } finally {
      control.dispose()
    }
  }

}
