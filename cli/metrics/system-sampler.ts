// The system as its own /metrics tell it, once a second during a run: every source scraped in
// parallel with a short timeout, the balancer's /lb/status read for the fleet rows, and the
// increases since the previous scrape turned into a SystemSecond. A source that does not answer
// is listed as down in that second and the run goes on; it is never an error of the run.
import {Agent, request} from 'undici'
import type {BalancerStatus} from '../../contracts/http.js'
import {METRICS} from '../../contracts/metrics.js'
import type {BreakerState} from '../../contracts/http.js'
import type {SystemReport, SystemSecond} from '../report/schema.js'
import {parseMetricsText, type MetricFamilies} from './prometheus-text.js'
import {computeSecond, ratio, type SecondCounts, type SourceScrape} from './system-second.js'

export interface MetricsSource {
  /** Instance name; when left out, the page's own `instance` label (or the URL's host) names it. */
  name?: string
  /** The full /metrics URL. */
  url: string
}

export interface FleetRow {
  name: string
  healthy: boolean
  /** Share of the fleet's requests in the last second; null when nothing was counted. */
  share: number | null
  inFlight: number | null
  ejected: boolean
}

export interface BreakerRow {
  instance: string
  dependency: string
  state: BreakerState
  /** Trips (transitions to open) during the run. */
  trips: number
}

/** Reads a URL's body as text within the timeout; throws on any failure or non-200. */
export type TextFetcher = (url: string, timeoutMs: number) => Promise<string>

export interface SystemSamplerOptions {
  sources: MetricsSource[]
  /** The balancer's /lb/status, for fleet rows (healthy, in flight, ejected). */
  lbStatusUrl?: string
  /** Per scrape; below the interval so a slow service cannot stall the next second (default 800 ms). */
  timeoutMs?: number
  intervalMs?: number
  fetchText?: TextFetcher
  /** Monotonic milliseconds (performance.now by default). */
  now?: () => number
  /** Called after each second is recorded (fleet rows and breakers already updated), e.g. to time detection in a chaos run. */
  onSample?: (second: SystemSecond) => void
}

/** The only metrics the lab reads (contracts/metrics.ts); everything else on a page is skipped unparsed. */
const CONTRACT_METRIC_NAMES: ReadonlySet<string> = new Set(Object.values(METRICS).filter((m) => m.type !== 'histogram').map((m) => m.name))

interface Source {
  name: string
  url: string
  service: string | null
}

export class SystemSampler {
  private readonly options: Required<Omit<SystemSamplerOptions, 'lbStatusUrl' | 'fetchText' | 'sources' | 'onSample'>> & Pick<SystemSamplerOptions, 'lbStatusUrl'>
  private readonly fetchText: TextFetcher
  private readonly agent: Agent | undefined
  private sources: Source[] = []
  private readonly previous = new Map<string, MetricFamilies>()
  private lastBreakerStates: Record<string, Record<string, BreakerState>> = {}
  private readonly tripsByInstance: Record<string, Record<string, number>> = {}
  private readonly seconds: SystemSecond[] = []
  private readonly counts: SecondCounts[] = []
  private fleetRows: FleetRow[] = []
  private startMs = 0
  private tick = 0
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private stopped = false

  constructor(private readonly init: SystemSamplerOptions) {
    this.options = {timeoutMs: init.timeoutMs ?? 800, intervalMs: init.intervalMs ?? 1000, now: init.now ?? (() => performance.now()), lbStatusUrl: init.lbStatusUrl}
    if (init.fetchText) {
      this.fetchText = init.fetchText
    } else {
      const agent = new Agent({connections: 2, keepAliveTimeout: 4_000, connect: {timeout: this.options.timeoutMs}})
      this.agent = agent
      this.fetchText = (url, timeoutMs) => fetchWithAgent(agent, url, timeoutMs)
    }
  }

  /** Names of the sources (known after start()). */
  get sourceUrls(): Record<string, string> {
    return Object.fromEntries(this.sources.map((s) => [s.name, s.url]))
  }

  /** Takes the baseline scrape (second 0 starts now) and samples every interval until stop(). */
  async start(): Promise<void> {
    const baseline = await Promise.all(this.init.sources.map((s) => this.read(s.url)))
    const taken = new Set<string>()
    this.sources = this.init.sources.map((s, i) => {
      const families = baseline[i]
      const up = families?.get(METRICS.up.name)?.[0]?.labels
      let name = s.name ?? up?.instance ?? new URL(s.url).host
      while (taken.has(name)) name = `${name}'`
      taken.add(name)
      if (families) this.previous.set(name, families)
      return {name, url: s.url, service: up?.service ?? null}
    })
    this.fleetRows = await this.readFleet(new Map(this.sources.map((s, i) => [s.name, baseline[i]])), {})
    this.startMs = this.options.now()
    this.schedule()
  }

  /** Stops sampling; what happened since the last tick is sampled once more. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    clearTimeout(this.timer)
    await this.running
    // The part of a second since the last tick holds the run's last requests: always read it.
    await this.sample()
    await this.agent?.close().catch(() => undefined)
  }

  latest(): SystemSecond | undefined {
    return this.seconds[this.seconds.length - 1]
  }

  get series(): readonly SystemSecond[] {
    return this.seconds
  }

  fleet(): FleetRow[] {
    return this.fleetRows
  }

  breakers(): BreakerRow[] {
    const rows: BreakerRow[] = []
    for (const [instance, states] of Object.entries(this.lastBreakerStates)) {
      for (const [dependency, state] of Object.entries(states)) rows.push({instance, dependency, state, trips: this.tripsByInstance[instance]?.[dependency] ?? 0})
    }
    return rows
  }

  /** Cache hit rate over seconds t in [fromT, toT); null without lookups. */
  cacheHitRateBetween(fromT: number, toT: number): number | null {
    let hits = 0
    let lookups = 0
    this.seconds.forEach((second, i) => {
      if (second.t < fromT || second.t >= toT) return
      hits += this.counts[i].l1Hits + this.counts[i].l2Hits
      lookups += this.counts[i].l1Lookups
    })
    return ratio(hits, lookups)
  }

  report(): SystemReport {
    const sum = (pick: (c: SecondCounts) => number) => this.counts.reduce((total, c) => total + pick(c), 0)
    const tripsByDependency: Record<string, number> = {}
    const perInstanceRequests: Record<string, number> = {}
    for (const c of this.counts) {
      for (const [dependency, n] of Object.entries(c.tripsByDependency)) tripsByDependency[dependency] = (tripsByDependency[dependency] ?? 0) + n
      for (const [instance, n] of Object.entries(c.perInstanceRequests)) perInstanceRequests[instance] = (perInstanceRequests[instance] ?? 0) + n
    }
    const l1Lookups = sum((c) => c.l1Lookups)
    const l1Hits = sum((c) => c.l1Hits)
    const l2Hits = sum((c) => c.l2Hits)
    const reachedOnce = this.sources.some((s) => this.previous.has(s.name))
    return {
      available: reachedOnce,
      ...(reachedOnce ? {} : {reason: `no metrics source answered (${this.sources.map((s) => s.url).join(', ') || 'none configured'})`}),
      sources: this.sourceUrls,
      totals: {
        cacheHitRate: ratio(l1Hits + l2Hits, l1Lookups),
        cacheHitRateByLayer: {l1: ratio(l1Hits, l1Lookups), l2: ratio(l2Hits, sum((c) => c.l2Lookups))},
        cacheLookups: l1Lookups,
        staleServes: sum((c) => c.stale),
        breakerTrips: sum((c) => c.trips),
        breakerTripsByDependency: tripsByDependency,
        rateLimit: {allowed: sum((c) => c.rateLimit.allowed), limited: sum((c) => c.rateLimit.limited), failOpen: sum((c) => c.rateLimit.failOpen)},
        perInstanceRequests,
        ejections: sum((c) => c.ejections),
        maxPoolWaiting: this.seconds.reduce((max, s) => Math.max(max, s.poolWaiting), 0),
        ...memoryTotals(this.seconds),
      },
      series: [...this.seconds],
    }
  }

  private schedule(): void {
    if (this.stopped) return
    const next = this.startMs + (this.tick + 1) * this.options.intervalMs
    this.timer = setTimeout(() => {
      this.running = this.sample().finally(() => {
        this.running = undefined
        this.schedule()
      })
    }, Math.max(0, next - this.options.now()))
  }

  /** Reads every source now and records the second that ends here. */
  private async sample(): Promise<void> {
    const elapsed = this.options.now() - this.startMs
    // A tick that ran late (a slow scrape before it) covers more than a second; it keeps its own slot.
    this.tick = Math.max(this.tick + 1, Math.round(elapsed / this.options.intervalMs))
    const pages = await Promise.all(this.sources.map((s) => this.read(s.url)))
    const scrapes: SourceScrape[] = this.sources.map((s, i) => ({name: s.name, service: s.service, families: pages[i]}))
    const t = Math.max(this.tick - 1, (this.latest()?.t ?? -1) + 1)
    const {second, counts} = computeSecond({t, sources: scrapes, previous: this.previous, lastBreakerStates: this.lastBreakerStates})
    this.seconds.push(second)
    this.counts.push(counts)
    this.lastBreakerStates = second.breakerStates
    for (const [instance, byDependency] of Object.entries(counts.tripsByInstance)) {
      const totals = (this.tripsByInstance[instance] ??= {})
      for (const [dependency, n] of Object.entries(byDependency)) totals[dependency] = (totals[dependency] ?? 0) + n
    }
    scrapes.forEach((s) => {
      if (s.families) this.previous.set(s.name, s.families)
    })
    this.fleetRows = await this.readFleet(new Map(scrapes.map((s) => [s.name, s.families])), second.perInstanceRequests)
    this.init.onSample?.(second)
  }

  private async read(url: string): Promise<MetricFamilies | null> {
    try {
      return parseMetricsText(await this.fetchText(url, this.options.timeoutMs), CONTRACT_METRIC_NAMES)
    } catch {
      return null
    }
  }

  /** Fleet rows from /lb/status, or from the balancer's own gauges when that does not answer. */
  private async readFleet(pages: Map<string, MetricFamilies | null>, perInstance: Record<string, number>): Promise<FleetRow[]> {
    const total = Object.values(perInstance).reduce((a, b) => a + b, 0)
    const share = (name: string) => (total > 0 && perInstance[name] !== undefined ? Math.round((perInstance[name] / total) * 1000) / 1000 : null)
    if (this.options.lbStatusUrl) {
      try {
        const status = JSON.parse(await this.fetchText(this.options.lbStatusUrl, this.options.timeoutMs)) as BalancerStatus
        if (Array.isArray(status.backends)) {
          return status.backends.map((b) => ({name: b.name, healthy: b.healthy, share: share(b.name), inFlight: b.inFlight, ejected: b.ejected}))
        }
      } catch {
        // fall through to the balancer's metrics
      }
    }
    const balancer = this.sources.find((s) => s.service === 'balancer')
    const families = balancer ? pages.get(balancer.name) : null
    if (!families) return []
    const gauge = (name: string) => new Map((families.get(name) ?? []).map((s) => [s.labels.backend, s.value]))
    const healthy = gauge(METRICS.lbHealthy.name)
    const ejected = gauge(METRICS.lbEjected.name)
    const inFlight = gauge(METRICS.lbInFlight.name)
    return [...healthy.keys()].sort().map((name) => ({name, healthy: healthy.get(name) === 1, share: share(name), inFlight: inFlight.get(name) ?? null, ejected: ejected.get(name) === 1}))
  }
}

async function fetchWithAgent(agent: Agent, url: string, timeoutMs: number): Promise<string> {
  const {statusCode, body} = await request(url, {dispatcher: agent, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs)})
  const text = await body.text()
  if (statusCode !== 200) throw new Error(`${url} answered HTTP ${statusCode}`)
  return text
}

function memoryTotals(seconds: readonly SystemSecond[]): {residentMemoryMb?: Record<string, {first: number; last: number; max: number}>} {
  const byInstance: Record<string, {first: number; last: number; max: number}> = {}
  for (const second of seconds) {
    for (const [instance, mb] of Object.entries(second.residentMemoryMb ?? {})) {
      const seen = byInstance[instance]
      if (!seen) byInstance[instance] = {first: mb, last: mb, max: mb}
      else {
        seen.last = mb
        seen.max = Math.max(seen.max, mb)
      }
    }
  }
  return Object.keys(byInstance).length > 0 ? {residentMemoryMb: byInstance} : {}
}
