// One run of a scenario: log the identities in, run the setup, then the phases in order with the
// engine each one's model calls for, the system sampled every second beside them, the reporter fed
// throughout; then the report, its thresholds, and the files. A stop request (Ctrl-C, q) ends the
// phase under way at once, skips the rest and still writes the report, marked interrupted.
import {ConnectionPool} from '../load/connection-pool.js'
import {startPhase} from '../load/phase.js'
import type {PhaseRun} from '../load/types.js'
import {SystemSampler} from '../metrics/system-sampler.js'
import {buildReport, loadSecond, unavailableSystem, type PhaseRecord} from '../report/build.js'
import type {Environment, LoadSecond, Report, SystemReport} from '../report/schema.js'
import {writeRunReport} from '../report/write.js'
import {identityHeaders} from '../scenario/identities.js'
import {buildRequestMix} from '../scenario/request-mix.js'
import type {ResolvedScenario} from '../scenario/resolve-scenario.js'
import type {RunOutcome, RunReporter} from '../ui/reporter.js'
import type {BenchTarget} from './bench-target.js'
import {KneeWatch} from './knee-watch.js'
import {LiveView} from './live-view.js'
import {runSetup} from './setup.js'

/** What every run (a bench scenario, a chaos experiment) is given: where it aims, writes and reports. */
export interface RunInput {
  target: BenchTarget
  environment: Environment
  id: string
  dir: string
  command: string[]
  reporter: RunReporter
  /** Aborted when the person asks to stop (Ctrl-C, q). */
  stop: AbortSignal
}

export interface ScenarioRunInput extends RunInput {
  scenario: ResolvedScenario
  /** The scenario file as the user named it. */
  file: string
}

export async function runScenarioOnce(input: ScenarioRunInput): Promise<RunOutcome> {
  const {scenario, target, reporter, stop} = input
  const startedAt = new Date()
  const series: LoadSecond[] = []
  const live = new LiveView(scenario, target.runtime, input.dir, series)
  reporter.start(
    {
      kind: 'bench',
      name: scenario.name,
      description: scenario.description,
      runtime: target.runtime,
      target: target.url,
      phases: scenario.phases.map((p) => ({name: p.name, durationS: p.durationMs / 1000})),
      totalS: scenario.totalMs / 1000,
      reportDir: input.dir,
    },
    () => live.snapshot(),
  )
  const info = (text: string) => reporter.event({type: 'message', level: 'info', text})
  const warn = (text: string) => reporter.event({type: 'message', level: 'warn', text})
  info(`runtime: ${target.runtimeLabel}`)
  if ('unavailable' in target.metrics) warn(`system metrics unavailable: ${target.metrics.unavailable}`)

  const headers = await identityHeaders(scenario.identities, scenario.requests.map((r) => r.identity), target.url)
  for (const line of await runSetup(scenario, target.url)) info(line)

  const sampler = 'sources' in target.metrics ? new SystemSampler({sources: target.metrics.sources, lbStatusUrl: target.metrics.lbStatusUrl}) : undefined
  const records: PhaseRecord[] = []
  const notRun: string[] = []
  let t0 = 0
  // Open phases share one pool, so a phase starts on warm connections instead of opening hundreds.
  const pool = new ConnectionPool(target.url)
  try {
    await sampler?.start()
    t0 = performance.now()
    live.begin(t0, sampler)
    const mix = buildRequestMix(scenario.requests, headers)

    for (const [index, phase] of scenario.phases.entries()) {
      if (stop.aborted) {
        notRun.push(...scenario.phases.slice(index).map((p) => p.name))
        break
      }
      const phaseAbort = new AbortController()
      const onStop = () => phaseAbort.abort()
      stop.addEventListener('abort', onStop, {once: true})
      const startOffsetS = (performance.now() - t0) / 1000
      const kneeWatch = phase.knee ? new KneeWatch(phase.knee) : undefined
      let run: PhaseRun
      try {
        run = startPhase(
          {
            name: phase.name,
            target: target.url,
            durationMs: phase.durationMs,
            load: phase.load,
            source: mix,
            signal: phaseAbort.signal,
            onSecond: (sample) => {
              const last = series[series.length - 1]
              const t = Math.max(last ? last.t + 1 : 0, Math.floor(startOffsetS) + sample.second)
              series.push({...loadSecond(sample, t, phase.name), rssMb: round(process.memoryUsage.rss() / 1048576)})
              const knee = kneeWatch?.observe(sample)
              if (knee) {
                info(`knee of ${phase.name}: ${knee.condition} from ${Math.round(startOffsetS + knee.second)} s, at ${knee.targetRate ?? '?'} req/s asked (${knee.achievedRate} sent)`)
                if (phase.knee?.stop) phaseAbort.abort()
              }
            },
          },
          phase.load.model === 'open' ? {pool} : {},
        )
        live.phaseStarted(index, phase, run)
        reporter.event({type: 'phase', index, name: phase.name})
        const result = await run.result
        live.phaseFinished(result)
        const found = kneeWatch?.found
        records.push({
          result,
          startOffsetS,
          cacheHitRate: null,
          ...(kneeWatch
            ? {
                knee: found
                  ? {
                      atS: round(startOffsetS + found.second),
                      targetRate: found.targetRate,
                      achievedRate: found.achievedRate,
                      condition: found.condition,
                      lastGood: found.lastGood ? {atS: round(startOffsetS + found.lastGood.second), targetRate: found.lastGood.targetRate, achievedRate: found.lastGood.achievedRate} : null,
                    }
                  : null,
              }
            : {}),
        })
        if (result.generator.saturated) warn(`phase ${phase.name}: the load generator was saturated (${result.generator.reason ?? 'its own CPU was the bottleneck'})`)
      } finally {
        stop.removeEventListener('abort', onStop)
      }
    }
  } finally {
    await pool.destroy()
    await sampler?.stop()
  }

  const system: SystemReport = sampler ? sampler.report() : unavailableSystem('unavailable' in target.metrics ? target.metrics.unavailable : 'not read')
  for (const record of records) {
    const from = Math.floor(record.startOffsetS)
    record.cacheHitRate = sampler ? sampler.cacheHitRateBetween(from, Math.max(from + 1, Math.ceil(record.startOffsetS + record.result.durationMs / 1000))) : null
  }
  const report: Report = buildReport({
    id: input.id,
    startedAt,
    finishedAt: new Date(),
    interrupted: stop.aborted,
    command: input.command,
    scenario: {name: scenario.name, description: scenario.description, file: input.file, resolved: scenario.asRun},
    target: {url: target.url, lab: target.lab},
    environment: input.environment,
    phases: records,
    series,
    system,
    thresholds: scenario.thresholds,
    notRun,
  })
  const files = await writeRunReport(report, input.dir)
  return {report, dir: input.dir, files}
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000
}
