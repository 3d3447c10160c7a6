import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {UserError} from '../errors.js'
import {openLabRuntime} from '../runtime/select-runtime.js'

export default class Logs extends BaseCommand {
  static override summary = "Print a service's log (tail -f style with -f)."
  static override description = `Prints the last lines of one instance's log (every instance writes one: redis, postgres, faultproxy, migrate, api-1..N, balancer, gateway). With -f keeps printing new lines until Ctrl-C. Logs stay after \`scalelab down\` until \`down --purge\`.

Exit codes: 0 ok, 2 unknown service (the valid names are listed).`
  static override examples = [
    {description: 'Last 100 lines of the gateway log', command: '<%= config.bin %> logs gateway'},
    {description: 'Follow an API instance', command: '<%= config.bin %> logs api-2 -f'},
    {description: 'Last 20 lines of the migrations job', command: '<%= config.bin %> logs migrate -n 20'},
  ]
  static override args = {
    service: Args.string({description: 'Instance name: redis, postgres, faultproxy, migrate, api-1..N, balancer, gateway.'}),
  }
  static override flags = {
    follow: Flags.boolean({char: 'f', description: 'Keep printing new lines until Ctrl-C.', default: false}),
    lines: Flags.integer({char: 'n', description: 'How many of the last lines to print first.', default: 100, min: 0}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Logs)
    const runtime = openLabRuntime()
    if (!args.service) {
      const targets = await runtime.logTargets()
      throw new UserError('Name the service whose log to print.', {
        hint: targets.length ? `Valid names: ${targets.join(', ')}. For example: scalelab logs ${targets[0]}` : 'There are no logs yet; start the lab with `scalelab up`.',
      })
    }
    const stop = new AbortController()
    const onSigint = () => stop.abort()
    process.on('SIGINT', onSigint)
    try {
      for await (const line of runtime.logs(args.service, {follow: flags.follow, lines: flags.lines, signal: stop.signal})) {
        process.stdout.write(`${line}\n`)
      }
    } finally {
      process.off('SIGINT', onSigint)
    }
  }
}
