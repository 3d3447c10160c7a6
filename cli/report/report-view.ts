// What a person reads about one run, decided once: the verdict first, then sections of facts and
// tables. The Markdown and HTML writers only render this view, so both always show the same figures.
import {formatCount, formatMetricValue, formatMs, formatRate, formatRatio, formatSeconds, metricOfExpression} from './format.js'
import type {Report} from './schema.js'

export type Tone = 'good' | 'bad' | 'warn' | 'muted'

export interface Cell {
  text: string
  tone?: Tone
}

export interface ViewTable {
  columns: Array<{title: string; numeric?: boolean}>
  rows: Cell[][]
}

export type ChartId = 'latency' | 'throughput' | 'cache' | 'breakers' | 'instances'

export interface ViewSection {
  id: string
  title: string
  /** Plain text; renderers escape it. */
  paragraphs: string[]
  facts: Array<[label: string, value: string]>
  tables: Array<{caption?: string; table: ViewTable}>
  /** Charts that belong to this section (HTML only). */
  charts: ChartId[]
}

export interface ReportView {
  title: string
  verdict: {passed: boolean; headline: string; failures: string[]; notes: string[]}
  sections: ViewSection[]
}

const pass = (passed: boolean): Cell => ({text: passed ? 'pass' : 'FAIL', tone: passed ? 'good' : 'bad'})
const cell = (text: string, tone?: Tone): Cell => (tone ? {text, tone} : {text})

function section(id: string, title: string, parts: Partial<Omit<ViewSection, 'id' | 'title'>> = {}): ViewSection {
  return {id, title, paragraphs: parts.paragraphs ?? [], facts: parts.facts ?? [], tables: parts.tables ?? [], charts: parts.charts ?? []}
}

/** Every pass/fail item of a run: thresholds, steady-state checks, expectations. */
export function checkCounts(report: Report): {total: number; failed: number} {
  const items = [
    ...report.thresholds.map((t) => t.passed),
    ...(report.chaos?.steadyState.map((c) => c.passed) ?? []),
    ...(report.chaos?.expectations.map((e) => e.passed) ?? []),
  ]
  return {total: items.length, failed: items.filter((passed) => !passed).length}
}

export function buildReportView(report: Report): ReportView {
  const {total, failed} = checkCounts(report)
  const notes: string[] = []
  if (report.interrupted) notes.push('The run was stopped early: this is a partial report.')
  if (report.chaos?.aborted) notes.push(`The experiment was aborted: ${report.chaos.abortReason ?? 'no reason recorded'}.`)
  if (report.summary.generatorSaturated) notes.push('The load generator was saturated (its own CPU was the bottleneck): latency and rate figures understate what the system could do.')
  if (report.summary.generatorBehind > 0) notes.push(`${formatCount(report.summary.generatorBehind)} requests could not be sent at their intended time; their latency counts from the intended time.`)
  const headline = report.verdict.passed
    ? `PASSED · ${report.kind} ${report.scenario.name}${total ? ` — ${total} of ${total} checks passed` : ''}`
    : `FAILED · ${report.kind} ${report.scenario.name}${total ? ` — ${failed} of ${total} checks failed` : ''}`

  const sections = [
    scenarioSection(report),
    environmentSection(report),
    summarySection(report),
    phasesSection(report),
    ...systemSections(report),
    thresholdsSection(report),
    ...(report.chaos ? chaosSections(report) : []),
  ]
  return {
    title: `scalelab ${report.kind} ${report.scenario.name}`,
    verdict: {passed: report.verdict.passed, headline, failures: report.verdict.failures, notes},
    sections,
  }
}

function scenarioSection(report: Report): ViewSection {
  return section('scenario', 'Scenario', {
    paragraphs: report.scenario.description ? [report.scenario.description] : [],
    facts: [
      ['Scenario', report.scenario.name],
      ['Kind', report.kind],
      ['File', report.scenario.file],
      ['Command', report.command.join(' ')],
      ['Target', `${report.target.url}${report.target.lab ? ' (lab)' : ' (external)'}`],
      ['Started', report.startedAt],
      ['Finished', report.finishedAt],
      ['Duration', formatSeconds(report.summary.durationS)],
      ['Report', report.id],
    ],
  })
}

function environmentSection(report: Report): ViewSection {
  const env = report.environment
  const facts: Array<[string, string]> = [
    ['Runtime', env.runtime],
    ['API instances', env.apiInstances === null ? '–' : String(env.apiInstances)],
    ['CPU', `${env.cores} cores, ${env.cpuModel}`],
    ['Memory', `${env.memoryGb} GB`],
    ['Node', env.node],
    ['Platform', env.platform],
    ['Git commit', env.gitCommit ?? '–'],
    ['scalelab', env.scalelabVersion],
  ]
  for (const [service, image] of Object.entries(env.images ?? {})) facts.push([`Image ${service}`, image])
  return section('environment', 'Environment', {facts})
}

function summarySection(report: Report): ViewSection {
  const s = report.summary
  const requests = s.requests
  return section('summary', 'Summary', {
    facts: [
      ['Requests', `${formatCount(requests.total)} (${formatCount(requests.ok)} ok)`],
      ['Achieved rate', formatRate(s.achievedRate)],
      ['Errors', `${formatCount(requests.errors)} (${formatRatio(s.errorRate, 2)})`],
      ['Rate limited (429)', `${formatCount(requests.rateLimited)} (${formatRatio(s.rateLimitedRate, 2)})`],
      ['Other 4xx', formatCount(requests.clientErrors)],
      ['Latency p50 / p95 / p99', s.latencyMs ? `${formatMs(s.latencyMs.p50)} / ${formatMs(s.latencyMs.p95)} / ${formatMs(s.latencyMs.p99)}` : '–'],
      ['Latency p99.9 / max', s.latencyMs ? `${formatMs(s.latencyMs.p999)} / ${formatMs(s.latencyMs.max)}` : '–'],
      ['Cache hit rate', formatRatio(s.cacheHitRate)],
      ['Breaker trips', s.breakerTrips === null ? '–' : formatCount(s.breakerTrips)],
      ['Generator behind schedule', formatCount(s.generatorBehind)],
      ['Generator saturated', s.generatorSaturated ? 'yes' : 'no'],
    ],
  })
}

function phasesSection(report: Report): ViewSection {
  const rows = report.phases.map((phase): Cell[] => {
    const target = phase.targetRate
      ? phase.targetRate.from === phase.targetRate.to
        ? formatRate(phase.targetRate.from)
        : `${formatRate(phase.targetRate.from)} → ${formatRate(phase.targetRate.to)}`
      : `${phase.connections ?? '?'} conn${phase.pipelining && phase.pipelining > 1 ? ` ×${phase.pipelining}` : ''}`
    const short = phase.targetRate !== null && phase.achievedRate < phase.targetRate.mean * 0.95
    return [
      cell(phase.name),
      cell(phase.model),
      cell(target),
      cell(formatRate(phase.achievedRate), short ? 'warn' : undefined),
      cell(formatMs(phase.latencyMs?.p50)),
      cell(formatMs(phase.latencyMs?.p95)),
      cell(formatMs(phase.latencyMs?.p99)),
      cell(`${formatCount(phase.outcomes.errors)} (${formatRatio(phase.errorRate, 2)})`, phase.outcomes.errors > 0 ? 'bad' : undefined),
      cell(`${formatCount(phase.outcomes.rateLimited)} (${formatRatio(phase.rateLimitedRate, 1)})`, phase.outcomes.rateLimited > 0 ? 'warn' : undefined),
      cell(formatRatio(phase.cacheHitRate)),
    ]
  })
  const paragraphs: string[] = []
  for (const phase of report.phases) {
    if (phase.generator.saturated) paragraphs.push(`Phase ${phase.name}: the load generator was saturated (CPU up to ${Math.round(phase.generator.cpuPercentMax)}%).`)
    if (phase.generator.behind > 0) paragraphs.push(`Phase ${phase.name}: ${formatCount(phase.generator.behind)} requests were sent late (open model: latency counted from the intended send time).`)
  }
  return section('phases', 'Phases', {
    paragraphs,
    tables: [
      {
        table: {
          columns: [
            {title: 'Phase'},
            {title: 'Model'},
            {title: 'Target'},
            {title: 'Achieved', numeric: true},
            {title: 'p50', numeric: true},
            {title: 'p95', numeric: true},
            {title: 'p99', numeric: true},
            {title: 'Errors', numeric: true},
            {title: '429s', numeric: true},
            {title: 'Cache hit', numeric: true},
          ],
          rows,
        },
      },
    ],
    charts: ['latency', 'throughput'],
  })
}

/** Seconds each instance/dependency breaker spent in each non-closed state, from the 1 Hz series. */
export function breakerTimeline(report: Report): Array<{instance: string; dependency: string; openS: number; halfOpenS: number}> {
  const totals = new Map<string, {instance: string; dependency: string; openS: number; halfOpenS: number}>()
  for (const second of report.system.series) {
    for (const [instance, dependencies] of Object.entries(second.breakerStates)) {
      for (const [dependency, state] of Object.entries(dependencies)) {
        const key = `${instance}\u0000${dependency}`
        const entry = totals.get(key) ?? {instance, dependency, openS: 0, halfOpenS: 0}
        if (state === 'open') entry.openS++
        if (state === 'half-open') entry.halfOpenS++
        totals.set(key, entry)
      }
    }
  }
  return [...totals.values()].sort((a, b) => a.instance.localeCompare(b.instance) || a.dependency.localeCompare(b.dependency))
}

function systemSections(report: Report): ViewSection[] {
  const system = report.system
  if (!system.available) {
    return [
      section('system', 'System', {
        paragraphs: [`The system's metrics were not available${system.reason ? `: ${system.reason}` : ''}. Cache, breaker and load-balancing figures are missing from this report.`],
      }),
    ]
  }
  const totals = system.totals
  const cache = section('cache', 'Cache', {
    facts: [
      ['Hit rate (both layers)', formatRatio(totals.cacheHitRate)],
      ['L1 (in-process) hit rate', formatRatio(totals.cacheHitRateByLayer.l1)],
      ['L2 (Redis) hit rate', formatRatio(totals.cacheHitRateByLayer.l2)],
      ['Lookups', formatCount(totals.cacheLookups)],
      ['Stale serves', formatCount(totals.staleServes)],
    ],
    charts: ['cache'],
  })

  const timeline = breakerTimeline(report).filter((b) => b.openS > 0 || b.halfOpenS > 0)
  const breakers = section('breakers', 'Circuit breakers', {
    facts: [
      ['Trips (transitions to open)', formatCount(totals.breakerTrips)],
      ...Object.entries(totals.breakerTripsByDependency).map(([dependency, trips]): [string, string] => [`Trips: ${dependency}`, formatCount(trips)]),
    ],
    paragraphs: timeline.length === 0 ? ['No breaker left the closed state.'] : [],
    tables:
      timeline.length === 0
        ? []
        : [
            {
              caption: 'Time spent out of the closed state',
              table: {
                columns: [{title: 'Instance'}, {title: 'Dependency'}, {title: 'Open', numeric: true}, {title: 'Half-open', numeric: true}],
                rows: timeline.map((b) => [cell(b.instance), cell(b.dependency), cell(formatSeconds(b.openS), 'bad'), cell(formatSeconds(b.halfOpenS), 'warn')]),
              },
            },
          ],
    charts: ['breakers'],
  })

  const served = Object.values(totals.perInstanceRequests).reduce((a, b) => a + b, 0)
  const ejectedSeconds = new Map<string, number>()
  for (const second of system.series) for (const name of second.ejected) ejectedSeconds.set(name, (ejectedSeconds.get(name) ?? 0) + 1)
  const balancing = section('balancing', 'Load balancing', {
    facts: [
      ['Ejections', formatCount(totals.ejections)],
      ['Rate limiter allowed / limited / failed open', `${formatCount(totals.rateLimit.allowed)} / ${formatCount(totals.rateLimit.limited)} / ${formatCount(totals.rateLimit.failOpen)}`],
      ['Most requests waiting for a Postgres connection', formatCount(totals.maxPoolWaiting)],
    ],
    tables: [
      {
        caption: 'Requests served per API instance',
        table: {
          columns: [{title: 'Instance'}, {title: 'Requests', numeric: true}, {title: 'Share', numeric: true}, {title: 'Ejected for', numeric: true}],
          rows: Object.entries(totals.perInstanceRequests)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([name, requests]) => [
              cell(name),
              cell(formatCount(requests)),
              cell(served ? formatRatio(requests / served) : '–'),
              cell(ejectedSeconds.has(name) ? formatSeconds(ejectedSeconds.get(name)!) : '–', ejectedSeconds.has(name) ? 'warn' : undefined),
            ]),
        },
      },
    ],
    charts: ['instances'],
  })
  return [cache, breakers, balancing]
}

function thresholdsSection(report: Report): ViewSection {
  if (report.thresholds.length === 0) return section('thresholds', 'Thresholds', {paragraphs: ['The scenario sets no thresholds.']})
  return section('thresholds', 'Thresholds', {
    tables: [
      {
        table: {
          columns: [{title: 'Result'}, {title: 'Threshold'}, {title: 'Phase'}, {title: 'Actual', numeric: true}],
          rows: report.thresholds.map((t) => [
            pass(t.passed),
            cell(t.expression),
            cell(t.phase ?? 'whole run'),
            cell(t.actual === null ? `not measured${t.note ? `: ${t.note}` : ''}` : formatMetricValue(t.metric, t.actual), t.passed ? undefined : 'bad'),
          ]),
        },
      },
    ],
  })
}

function chaosSections(report: Report): ViewSection[] {
  const chaos = report.chaos!
  const end = report.summary.durationS
  const faults = section('chaos', `Chaos: ${chaos.experiment}`, {
    paragraphs: chaos.aborted ? [`Aborted: ${chaos.abortReason ?? 'no reason recorded'}.`] : [],
    facts: [
      ['Recovery (rollback → steady state again)', chaos.recovery.afterS === null ? 'never recovered' : formatSeconds(chaos.recovery.afterS)],
      ['Writes acknowledged', formatCount(chaos.writes.acknowledged)],
      ['Writes checked afterwards', formatCount(chaos.writes.checked)],
      ['Writes lost', formatCount(chaos.writes.lost)],
      ...(chaos.writes.lostIds.length
        ? [['Lost ids (first 20)', chaos.writes.lostIds.slice(0, 20).join(', ')] as [string, string]]
        : []),
    ],
    tables: [
      {
        caption: 'Faults',
        table: {
          columns: [{title: 'Step'}, {title: 'Action'}, {title: 'Target'}, {title: 'Injected at', numeric: true}, {title: 'Rolled back at', numeric: true}],
          rows: chaos.faults.map((f) => [
            cell(f.step),
            cell(f.action),
            cell(f.target),
            cell(formatSeconds(f.injectedAtS)),
            cell(f.rolledBackAtS === null ? `not rolled back (run ended at ${formatSeconds(end)})` : formatSeconds(f.rolledBackAtS), f.rolledBackAtS === null ? 'warn' : undefined),
          ]),
        },
      },
      {
        caption: 'Stages',
        table: {
          columns: [
            {title: 'Stage'},
            {title: 'Kind'},
            {title: 'Window'},
            {title: 'Requests', numeric: true},
            {title: 'Error rate', numeric: true},
            {title: 'p50', numeric: true},
            {title: 'p95', numeric: true},
            {title: 'p99', numeric: true},
          ],
          rows: chaos.stages.map((s) => [
            cell(s.name),
            cell(s.kind),
            cell(`${formatSeconds(s.startOffsetS)} – ${formatSeconds(s.endOffsetS)}`),
            cell(formatCount(s.outcomes.total)),
            cell(formatRatio(s.errorRate, 2), s.errorRate > 0 ? 'bad' : undefined),
            cell(formatMs(s.latencyMs?.p50)),
            cell(formatMs(s.latencyMs?.p95)),
            cell(formatMs(s.latencyMs?.p99)),
          ]),
        },
      },
      {
        caption: 'Detection (fault → the system noticed)',
        table: {
          columns: [{title: 'Fault'}, {title: 'Signal'}, {title: 'After', numeric: true}],
          rows: chaos.detection.map((d) => [cell(d.fault), cell(d.signal), cell(d.afterS === null ? 'never' : formatSeconds(d.afterS), d.afterS === null ? 'bad' : undefined)]),
        },
      },
    ],
  })
  const checks = section('checks', 'Steady-state checks and expectations', {
    tables: [
      {
        caption: 'Steady-state checks',
        table: {
          columns: [{title: 'Result'}, {title: 'Check'}, {title: 'Stage'}, {title: 'Actual', numeric: true}],
          rows: chaos.steadyState.map((c) => [pass(c.passed), cell(c.check), cell(c.stage ?? 'whole run'), cell(formatMetricValue(metricOfExpression(c.check), c.actual))]),
        },
      },
      {
        caption: 'Expectations',
        table: {
          columns: [{title: 'Result'}, {title: 'Expectation'}, {title: 'Actual', numeric: true}],
          rows: chaos.expectations.map((e) => [
            pass(e.passed),
            cell(e.expression),
            cell(`${formatMetricValue(metricOfExpression(e.expression), e.actual)}${e.note ? ` (${e.note})` : ''}`),
          ]),
        },
      },
    ],
  })
  return [faults, checks]
}
