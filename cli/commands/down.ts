import {Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {formatDown, formatProgress} from '../runtime/lab-text.js'
import {openLabRuntime} from '../runtime/select-runtime.js'
import type {DownResult} from '../runtime/types.js'

export default class Down extends BaseCommand {
  static override summary = 'Stop every process of the lab.'
  static override description = `Stops exactly the processes \`scalelab up\` started, dependents first (gateway, balancer, API fleet, fault proxy, then Redis and Postgres): SIGTERM (Postgres: its fast shutdown), SIGKILL after 10s, then checks that none is left. Safe to run twice; with --purge also removes the lab's data (Postgres and Redis dirs) and logs.

Exit codes: 0 stopped (or nothing was running), 1 a process could not be stopped, 2 bad input.`
  static override examples = [
    {description: 'Stop the lab, keep its data and logs', command: '<%= config.bin %> down'},
    {description: 'Stop it and remove its data and logs', command: '<%= config.bin %> down --purge'},
    {description: 'As JSON', command: '<%= config.bin %> down --json'},
  ]
  static override enableJsonFlag = true
  static override flags = {
    purge: Flags.boolean({description: 'Also remove the Postgres data dir, the Redis dir and the logs.', default: false}),
  }

  async run(): Promise<DownResult> {
    const {flags} = await this.parse(Down)
    const json = this.jsonEnabled()
    const result = await openLabRuntime().down({
      purge: flags.purge,
      onProgress: json
        ? undefined
        : (event) => {
            const line = formatProgress(event)
            if (line) this.log(line)
          },
    })
    if (!json) this.log(formatDown(result))
    return result
  }
}
