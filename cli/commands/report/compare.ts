import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {RegressionError} from '../../errors.js'
import {comparisonJson} from '../../report/compare-output.js'
import {compareReports} from '../../report/compare.js'

export default class ReportCompare extends BaseCommand {
  static override summary = 'Compare a run (or repeats) with a baseline: regression, improvement, or noise.'
  static override description = `Each side is a report.json, a run directory, or a directory of repeats of the same scenario. Per phase it compares p50/p95/p99, achieved rate, error rate and cache hit rate: the median of each side's runs, the change, the noise band measured from the repeats (spread max−min relative to the median, the wider side) and the limit.

Limits: --limit flags, else the scenario's compare section, else 20% for latency percentiles, 10% for achieved rate, 1 percentage point for error rate and 5 points for cache hit rate.

With repeats on both sides a change is a regression only beyond both the limit and the noise band; with a single run on a side, beyond the limit is a regression (single run) and inside it inconclusive.

Exit codes: 0 no regression, 4 regression, 2 bad input. The Markdown is also appended to $GITHUB_STEP_SUMMARY when it is set.`
  static override examples = [
    '<%= config.bin %> report compare reports/baselines/steady reports/2026-11-02T10-15-00Z-steady-x3',
    '<%= config.bin %> report compare base/report.json new/report.json --limit p99=15 --limit errorRate=0.5',
    '<%= config.bin %> report compare reports/baselines/steady reports/latest --benchmark bench.json --junit compare.xml',
  ]
  static override args = {
    baseline: Args.string({required: true, description: 'Baseline: report.json, run directory or directory of repeats.'}),
    current: Args.string({required: true, description: 'Current: report.json, run directory or directory of repeats.'}),
  }
  static override flags = {
    limit: Flags.string({
      multiple: true,
      default: [],
      description: 'metric=limit, e.g. p99=15 (in %; error and cache hit rate in percentage points). Metrics: p50, p95, p99, latency, achievedRate, errorRate, cacheHitRate.',
    }),
    json: Flags.boolean({default: false, description: 'Print the comparison as JSON instead of Markdown.'}),
    benchmark: Flags.string({description: 'Also write github-action-benchmark customSmallerIsBetter JSON to this file.'}),
    junit: Flags.string({description: 'Also write the comparison as JUnit XML to this file.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ReportCompare)
    const {comparison, markdown} = await compareReports({
      baseline: args.baseline,
      current: args.current,
      limits: flags.limit,
      benchmarkFile: flags.benchmark,
      junitFile: flags.junit,
      stepSummaryFile: process.env.GITHUB_STEP_SUMMARY || undefined,
    })
    this.log(flags.json ? comparisonJson(comparison).trimEnd() : markdown)
    if (comparison.regression) {
      const which = comparison.metrics.filter((m) => m.status === 'regression').map((m) => `${m.phase} ${m.label}`)
      throw new RegressionError(`Regression in ${which.length} metric${which.length === 1 ? '' : 's'}: ${which.join(', ')}.`)
    }
  }
}
