// Plain lines for CI logs, pipes and --no-ui: a line every few seconds and one per phase change or
// message, no escape codes, then the text summary. Stop requests come from the command (SIGINT);
// this reporter has no keys to listen to.
import {formatRunSummary} from '../bench/summary-text.js'
import {formatMs, formatRatio} from '../report/format.js'
import type {LiveSnapshot} from './live.js'
import type {RunEvent, RunInfo, RunOutcome, RunReporter} from './reporter.js'

export interface PlainReporterOptions {
  /** Where lines go (stdout by default). */
  write?: (line: string) => void
  /** Seconds between progress lines (default 5). */
  everyS?: number
}

export class PlainReporter implements RunReporter {
  private readonly write: (line: string) => void
  private readonly everyMs: number
  private timer: NodeJS.Timeout | undefined
  private live: (() => LiveSnapshot) | undefined
  private info: RunInfo | undefined

  constructor(options: PlainReporterOptions = {}) {
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`))
    this.everyMs = (options.everyS ?? 5) * 1000
  }

  start(info: RunInfo, live: () => LiveSnapshot): void {
    this.info = info
    this.live = live
    const phases = info.phases.map((p) => `${p.name} ${p.durationS}s`).join(', ')
    this.write(`scalelab ${info.kind} ${info.name}: ${info.totalS} s (${phases}) → ${info.target}`)
    this.timer = setInterval(() => this.progress(), this.everyMs)
    this.timer.unref()
  }

  event(event: RunEvent): void {
    switch (event.type) {
      case 'phase': {
        const snapshot = this.live?.()
        const phase = this.info?.phases[event.index]
        const load = snapshot?.phase.index === event.index ? ` · ${loadText(snapshot)}` : ''
        this.write(`▶ phase ${event.index + 1}/${this.info?.phases.length ?? '?'} ${event.name}${phase ? ` (${phase.durationS} s)` : ''}${load}`)
        break
      }
      case 'message':
        this.write(`${event.level === 'warn' ? '! ' : '· '}${event.text}`)
        break
      case 'fault':
        this.write(`⚡ ${event.action} ${event.name} on ${event.target}`)
        break
      case 'check':
        this.write(`${event.passed ? '✓' : '✗'} ${event.name}: ${event.detail}`)
        break
    }
  }

  async finish(outcome: RunOutcome): Promise<void> {
    this.stopTimer()
    this.write('')
    this.write(formatRunSummary(outcome))
  }

  onStopRequest(): void {
    // No keys here: the command turns SIGINT into the stop request.
  }

  async close(): Promise<void> {
    this.stopTimer()
  }

  private stopTimer(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  private progress(): void {
    if (!this.live) return
    this.write(progressLine(this.live()))
  }
}

/** `[ 35/75 s] spike 3/4 · target 600/s · 590 req/s · p50 5.1 ms p95 40 ms p99 120 ms · err 0.3% · 429 10% · cache 87% · trips 0` */
export function progressLine(s: LiveSnapshot): string {
  const parts = [
    `[${String(Math.round(s.elapsedS)).padStart(4)}/${Math.round(s.totalS)} s] ${s.phase.name} ${s.phase.index + 1}/${s.phase.count}`,
    s.phase.model === 'open' ? `target ${s.phase.targetRate === null ? '–' : Math.round(s.phase.targetRate)}/s` : `${s.phase.connections} conn`,
    `${Math.round(s.achievedRate)} req/s`,
    `p50 ${formatMs(s.latency.lastSecond.p50)} p95 ${formatMs(s.latency.lastSecond.p95)} p99 ${formatMs(s.latency.lastSecond.p99)}`,
    `err ${formatRatio(s.outcomes.total ? (s.outcomes.serverErrors + s.outcomes.socketErrors + s.outcomes.timeouts) / s.outcomes.total : 0, 2)}`,
    `429 ${formatRatio(s.outcomes.total ? s.outcomes.rateLimited / s.outcomes.total : 0)}`,
    s.cache ? `cache ${formatRatio(s.cache.hitRate)}` : 'cache n/a',
    `trips ${s.breakers.reduce((n, b) => n + b.trips, 0)}`,
  ]
  const open = s.breakers.filter((b) => b.state !== 'closed').map((b) => `${b.instance}/${b.dependency} ${b.state}`)
  if (open.length) parts.push(`breakers ${open.join(', ')}`)
  const out = s.fleet.filter((f) => !f.healthy || f.ejected).map((f) => `${f.name}${f.ejected ? ' ejected' : ' unhealthy'}`)
  if (out.length) parts.push(out.join(', '))
  if (s.outcomes.behind > 0) parts.push(`behind ${s.outcomes.behind}`)
  if (s.generatorSaturated) parts.push('GENERATOR SATURATED')
  return parts.join(' · ')
}

function loadText(s: LiveSnapshot): string {
  return s.phase.model === 'open' ? `open model, ${s.phase.targetRate === null ? '?' : Math.round(s.phase.targetRate)} req/s at the start` : `closed model, ${s.phase.connections} connections`
}
