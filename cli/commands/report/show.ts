import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {showReport, type ShowFormat} from '../../report/show.js'

export default class ReportShow extends BaseCommand {
  static override summary = 'Print a run’s report again: Markdown (default), HTML or JSON.'
  static override description =
    'PATH is a report.json, a run directory, or a directory of repeats (run-*/report.json); for repeats the Markdown compares the runs side by side. --format html writes report.html beside each report.json (or to --output) and prints where.'
  static override examples = [
    '<%= config.bin %> report show reports/2026-11-02T10-15-00Z-spike-10x',
    '<%= config.bin %> report show reports/2026-11-02T10-15-00Z-steady-x3',
    '<%= config.bin %> report show reports/latest/report.json --format html --output /tmp/run.html',
    '<%= config.bin %> report show reports/latest --format json | jq .summary',
  ]
  static override args = {
    path: Args.string({required: true, description: 'A report.json, a run directory, or a directory of repeats.'}),
  }
  static override flags = {
    format: Flags.string({char: 'f', options: ['md', 'html', 'json'], default: 'md', description: 'What to print.'}),
    output: Flags.string({char: 'o', description: 'HTML only: write it here instead of beside report.json ("-" prints it).'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ReportShow)
    this.log(await showReport(args.path, {format: flags.format as ShowFormat, output: flags.output}))
  }
}
