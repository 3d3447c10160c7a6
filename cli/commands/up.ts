import {Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {repairAfterUp} from '../chaos/repair.js'
import {labFlags} from '../runtime/lab-flags.js'
import {formatProgress, formatUpResult} from '../runtime/lab-text.js'
import {chooseRuntime, RUNTIME_REQUESTS} from '../runtime/select-runtime.js'
import type {UpResult} from '../runtime/types.js'

export default class Up extends BaseCommand {
  static override summary = 'Boot the lab and wait until every service is healthy.'
  static override description = `Starts Redis, Postgres, the fault proxy (with its Redis and Postgres links), runs the migrations and seed, then the API fleet, the balancer and the gateway, in dependency order, waiting for each health check. Prints the endpoints when done.

On a running lab, \`up\` changes nothing, except \`up --api N\`, which resizes the API fleet and tells the balancer. Ctrl-C while starting stops what was started and leaves no state behind.

Exit codes: 0 up (or already up), 1 a service failed to start (its log tail is printed), 2 bad input (e.g. a port in use, a missing binary), 130 interrupted.`
  static override examples = [
    {description: 'Boot the lab with the defaults (3 API instances, ports from 7400)', command: '<%= config.bin %> up'},
    {description: 'Resize the API fleet of the running lab to 5 instances', command: '<%= config.bin %> up --api 5'},
    {description: 'Use another port range and no fault proxy', command: '<%= config.bin %> up --port-base 8400 --no-fault-proxy'},
    {description: 'Boot the lab in Docker on a host with no registry (stand-in images from this machine)', command: '<%= config.bin %> up --runtime docker --offline'},
    {description: 'Keep the lab state somewhere else, force local processes, print JSON', command: 'SCALELAB_HOME=/tmp/scalelab <%= config.bin %> up --runtime local --json'},
  ]
  static override enableJsonFlag = true
  static override flags = {
    ...labFlags,
    runtime: Flags.option({
      description: "Where the lab runs: auto (Docker when an engine answers and the lab's images are on this machine, else local processes), local, or docker.",
      options: RUNTIME_REQUESTS,
      default: 'auto' as const,
      env: 'SCALELAB_RUNTIME',
    })(),
    'fault-proxy': Flags.boolean({
      description: 'Route the Redis and Postgres connections of the gateway and API through the fault proxy (default on; --no-fault-proxy connects them directly).',
      allowNo: true,
    }),
    offline: Flags.boolean({
      description:
        "Docker: run stand-in images built from this machine's own node, redis-server and postgres, and scalelab's fault proxy, instead of pulling the official images (a host with no registry). Implies Docker under --runtime auto.",
      default: false,
    }),
    'log-level': Flags.option({
      description: 'Log level of the services (default info).',
      options: ['trace', 'debug', 'info', 'warn', 'error'] as const,
    })(),
  }

  async run(): Promise<UpResult> {
    const {flags} = await this.parse(Up)
    const json = this.jsonEnabled()
    const {runtime, reason} = await chooseRuntime(flags.runtime, {offline: flags.offline})
    if (!json) this.log(`Runtime: ${reason}. State: ${runtime.stateDir}`)

    // Ctrl-C once: stop what this `up` started. Twice: leave it (phase "starting" in the state file; `down` cleans it).
    const interrupt = new AbortController()
    const onSignal = () => {
      if (interrupt.signal.aborted) process.exit(130)
      interrupt.abort()
      this.logToStderr('Interrupted: stopping what this `up` started… (Ctrl-C again to leave it for `scalelab down`)')
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    try {
      const result = await runtime.up(
        {apiReplicas: flags.api, portBase: flags['port-base'], faultProxy: flags['fault-proxy'], logLevel: flags['log-level'], offline: flags.offline || undefined},
        {
          signal: interrupt.signal,
          onProgress: json
            ? undefined
            : (event) => {
                const line = formatProgress(event)
                if (line) this.log(line)
              },
        },
      )
      if (!json) this.log(formatUpResult(result))
      // A chaos run that crashed mid-fault left its faults in the lab: undo them.
      for (const line of await repairAfterUp(runtime, result.action)) (json ? this.logToStderr(line) : this.log(line))
      return result
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }

}
