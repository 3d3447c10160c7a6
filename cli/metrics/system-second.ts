// One second of the system from two scrapes of every service's /metrics: counter increases over
// the second (a counter that went down means the process restarted: its new value is the increase),
// gauges as of the second scrape. Only names from contracts/metrics.ts are read.
import {BREAKER_STATE_VALUE, METRICS} from '../../contracts/metrics.js'
import type {BreakerState} from '../../contracts/http.js'
import type {SystemSecond} from '../report/schema.js'
import {type MetricFamilies, type Series, seriesKey} from './prometheus-text.js'

/** Routes that are the lab looking at itself, not traffic: left out of per-instance requests. */
const INFRASTRUCTURE_ROUTES = new Set(['/ready', '/health', '/metrics', '/api/v1/status'])

export interface SourceScrape {
  /** Instance name (api-2, gateway, balancer, or the URL's host when not known). */
  name: string
  /** From the `service` label of the page: api, gateway, balancer; null when unknown. */
  service: string | null
  /** null: the page could not be read in this second. */
  families: MetricFamilies | null
}

/** Raw counts behind one SystemSecond, kept so any window of seconds can be summed exactly. */
export interface SecondCounts {
  l1Lookups: number
  l1Hits: number
  l2Lookups: number
  l2Hits: number
  stale: number
  trips: number
  tripsByDependency: Record<string, number>
  /** instance → dependency → trips in this second */
  tripsByInstance: Record<string, Record<string, number>>
  rateLimit: {allowed: number; limited: number; failOpen: number}
  perInstanceRequests: Record<string, number>
  ejections: number
}

/** Increase of every series of `name` since the previous scrape (empty without a previous scrape). */
export function counterIncreases(previous: MetricFamilies | undefined, current: MetricFamilies, name: string): Series[] {
  if (!previous) return []
  const before = new Map<string, number>()
  for (const s of previous.get(name) ?? []) before.set(seriesKey(name, s.labels), s.value)
  const increases: Series[] = []
  for (const s of current.get(name) ?? []) {
    const prior = before.get(seriesKey(name, s.labels))
    // A series new since the last scrape started from 0 in between; a smaller value is a restart.
    const increase = prior === undefined || s.value < prior ? s.value : s.value - prior
    increases.push({labels: s.labels, value: increase})
  }
  return increases
}

const BREAKER_STATE_NAMES = Object.fromEntries(Object.entries(BREAKER_STATE_VALUE).map(([name, value]) => [value, name])) as Record<number, BreakerState>

export interface ComputeSecondInput {
  t: number
  sources: SourceScrape[]
  /** The last good scrape of each source before this second, by source name. */
  previous: Map<string, MetricFamilies>
  /** Breaker states last seen, by instance: kept for a source that is down in this second. */
  lastBreakerStates: Record<string, Record<string, BreakerState>>
}

export function computeSecond({t, sources, previous, lastBreakerStates}: ComputeSecondInput): {second: SystemSecond; counts: SecondCounts} {
  const counts: SecondCounts = {
    l1Lookups: 0,
    l1Hits: 0,
    l2Lookups: 0,
    l2Hits: 0,
    stale: 0,
    trips: 0,
    tripsByDependency: {},
    tripsByInstance: {},
    rateLimit: {allowed: 0, limited: 0, failOpen: 0},
    perInstanceRequests: {},
    ejections: 0,
  }
  const breakerStates: Record<string, Record<string, BreakerState>> = {...lastBreakerStates}
  const down: string[] = []
  const ejected: string[] = []
  const residentMemoryMb: Record<string, number> = {}
  let poolWaiting = 0

  for (const source of sources) {
    const families = source.families
    if (!families) {
      down.push(source.name)
      continue
    }
    const prev = previous.get(source.name)
    const increases = (name: string) => counterIncreases(prev, families, name)

    for (const {labels, value} of increases(METRICS.cacheEvents.name)) {
      const hit = labels.result === 'hit' || labels.result === 'negative_hit'
      if (labels.result === 'stale') counts.stale += value
      if (labels.layer === 'l1' && (hit || labels.result === 'miss')) {
        counts.l1Lookups += value
        if (hit) counts.l1Hits += value
      } else if (labels.layer === 'l2' && (hit || labels.result === 'miss' || labels.result === 'error')) {
        counts.l2Lookups += value
        if (hit) counts.l2Hits += value
      }
    }
    for (const {labels, value} of increases(METRICS.breakerTransitions.name)) {
      if (labels.to !== 'open' || value === 0) continue
      counts.trips += value
      counts.tripsByDependency[labels.dependency] = (counts.tripsByDependency[labels.dependency] ?? 0) + value
      const byInstance = (counts.tripsByInstance[source.name] ??= {})
      byInstance[labels.dependency] = (byInstance[labels.dependency] ?? 0) + value
    }
    for (const {labels, value} of increases(METRICS.rateLimitDecisions.name)) {
      if (labels.decision === 'allowed') counts.rateLimit.allowed += value
      else if (labels.decision === 'limited') counts.rateLimit.limited += value
      else if (labels.decision === 'fail_open') counts.rateLimit.failOpen += value
    }
    if (source.service === 'api') {
      let served = 0
      for (const {labels, value} of increases(METRICS.httpRequests.name)) if (!INFRASTRUCTURE_ROUTES.has(labels.route)) served += value
      counts.perInstanceRequests[source.name] = served
    }
    for (const {value} of increases(METRICS.lbEjections.name)) counts.ejections += value

    const states: Record<string, BreakerState> = {}
    for (const {labels, value} of families.get(METRICS.breakerState.name) ?? []) {
      const state = BREAKER_STATE_NAMES[value]
      if (state && labels.dependency) states[labels.dependency] = state
    }
    if (Object.keys(states).length > 0) breakerStates[source.name] = states
    for (const {labels, value} of families.get(METRICS.lbEjected.name) ?? []) if (value === 1 && labels.backend) ejected.push(labels.backend)
    for (const {value} of families.get(METRICS.dbPoolWaiting.name) ?? []) poolWaiting += value
    const rss = families.get(METRICS.processResidentMemory.name)?.[0]?.value
    if (rss !== undefined) residentMemoryMb[source.name] = Math.round((rss / 1_048_576) * 10) / 10
  }

  const second: SystemSecond = {
    t,
    cacheHitRate: ratio(counts.l1Hits + counts.l2Hits, counts.l1Lookups),
    l1HitRate: ratio(counts.l1Hits, counts.l1Lookups),
    l2HitRate: ratio(counts.l2Hits, counts.l2Lookups),
    staleServes: counts.stale,
    breakerTrips: counts.trips,
    breakerStates,
    rateLimit: {...counts.rateLimit},
    perInstanceRequests: {...counts.perInstanceRequests},
    ejections: counts.ejections,
    ejected: ejected.sort(),
    poolWaiting,
    down: down.sort(),
    ...(Object.keys(residentMemoryMb).length > 0 ? {residentMemoryMb} : {}),
  }
  return {second, counts}
}

/** hits / lookups, capped at 1 (coalesced reads can share one L2 lookup); null without lookups. */
export function ratio(hits: number, lookups: number): number | null {
  if (lookups <= 0) return null
  return Math.round(Math.min(hits / lookups, 1) * 10_000) / 10_000
}
