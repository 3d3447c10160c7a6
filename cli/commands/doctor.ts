import {Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {ExitCode} from '../errors.js'
import {runDoctor, type DoctorReport} from '../runtime/doctor.js'
import {labFlags} from '../runtime/lab-flags.js'
import {formatDoctor} from '../runtime/lab-text.js'
import {runtimeContext} from '../runtime/select-runtime.js'

export default class Doctor extends BaseCommand {
  static override summary = 'Check that this machine can run the lab.'
  static override description = `Checks Node.js (>= 20.18), whether a Docker engine answers (optional), redis-server / postgres / initdb, the postgres user when run as root, the built services, and that the lab's ports are free (or held by the running lab). Each line says what to do when it fails.

Exit codes: 0 the local runtime can run here, 2 it cannot (fix the ✖ lines).`
  static override examples = [
    {description: 'Check the machine', command: '<%= config.bin %> doctor'},
    {description: 'Check another port range, as JSON', command: '<%= config.bin %> doctor --port-base 8400 --json'},
  ]
  static override enableJsonFlag = true
  static override flags = {
    ...labFlags,
    'fault-proxy': Flags.boolean({description: 'Check the ports of the fault proxy links too (default on).', allowNo: true, default: true}),
  }

  async run(): Promise<DoctorReport> {
    const {flags} = await this.parse(Doctor)
    const report = await runDoctor(runtimeContext(), {portBase: flags['port-base'], apiReplicas: flags.api, faultProxy: flags['fault-proxy']})
    if (!report.ok) process.exitCode = ExitCode.usage
    if (!this.jsonEnabled()) this.log(formatDoctor(report))
    return report
  }
}
