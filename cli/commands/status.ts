import {BaseCommand} from '../base-command.js'
import {ExitCode} from '../errors.js'
import {formatStatus} from '../runtime/lab-text.js'
import {openLabRuntime} from '../runtime/select-runtime.js'
import type {LabStatus} from '../runtime/types.js'

export default class Status extends BaseCommand {
  static override summary = 'Show every service and fleet instance of the lab, with live health.'
  static override description = `Probes each instance live (HTTP /ready with a short timeout, Redis PING, Postgres connect) and shows its state (running, paused, stopped, exited), pid, address and uptime.

Exit codes: 0 everything healthy, 3 something is unhealthy or the lab is not running.`
  static override examples = [
    {description: 'Table of services', command: '<%= config.bin %> status'},
    {description: 'As JSON (e.g. for a script that waits for health)', command: '<%= config.bin %> status --json'},
  ]
  static override enableJsonFlag = true

  async run(): Promise<LabStatus> {
    await this.parse(Status)
    const status = await openLabRuntime().status()
    if (!status.healthy) process.exitCode = ExitCode.checkFailed
    if (!this.jsonEnabled()) {
      if (status.running) this.log(formatStatus(status))
      else this.logToStderr(`${formatStatus(status)} Start it with: scalelab up`)
    }
    return status
  }
}
