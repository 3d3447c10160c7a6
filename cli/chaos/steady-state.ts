// Judging a steady-state check on a span of whole seconds: figures of the load (latency percentiles
// from the merged HDR histograms of those seconds, error and 429 shares), the cache hit rate from
// the system's metrics over the same seconds, and the latest state of breakers, readiness and the
// balancer's fleet. A figure that cannot be measured (no responses, no reading yet) fails the check:
// a hypothesis nobody can see holding does not hold.
import type {BreakerState} from '../../contracts/http.js'
import type {FleetRow} from '../metrics/system-sampler.js'
import {formatMetricValue} from '../report/format.js'
import {compareValues, type Check} from './expressions.js'
import type {ReadinessState} from './readiness-prober.js'
import type {WindowFigures} from './response-recorder.js'

export interface Observations {
  /** Load figures of the whole seconds [from, to) since the start of the load. */
  window(fromSecond: number, toSecond: number): WindowFigures
  /** Cache hit rate of the same seconds (system metrics); null without lookups. */
  cacheHitRate(fromSecond: number, toSecond: number): number | null
  /** instance → dependency → state, as last scraped. */
  breakerStates(): Record<string, Record<string, BreakerState>>
  /** service → what its /ready said last; undefined before the first round of probes. */
  readiness(): Record<string, ReadinessState> | undefined
  /** The balancer's view of its backends, as last read. */
  fleet(): FleetRow[]
}

export interface CheckResult {
  passed: boolean
  /** The figure judged, in the check's unit (ms, 0..1) or, for state checks, how many are not as required. */
  actual: number | null
  detail: string
}

export function evaluateCheck(check: Check, obs: Observations, fromSecond: number, toSecond: number): CheckResult {
  const span = `${toSecond - fromSecond} s`
  switch (check.kind) {
    case 'metric': {
      const actual = metricValue(check.metric, obs, fromSecond, toSecond)
      if (actual === null) return {passed: false, actual: null, detail: `not measured: no ${check.metric === 'cacheHitRate' ? 'cache lookups' : 'responses'} in the last ${span}`}
      return {passed: compareValues(actual, check.op, check.value), actual: round(actual), detail: `${formatMetricValue(check.metric, actual)} over ${span}`}
    }
    case 'breakers-closed': {
      const notClosed: string[] = []
      let seen = 0
      for (const [instance, states] of Object.entries(obs.breakerStates())) {
        for (const [dependency, state] of Object.entries(states)) {
          if (check.dependency !== null && dependency !== check.dependency) continue
          seen++
          if (state !== 'closed') notClosed.push(`${instance}/${dependency} ${state}`)
        }
      }
      if (seen === 0) return {passed: false, actual: null, detail: 'no breaker state read yet'}
      return {passed: notClosed.length === 0, actual: notClosed.length, detail: notClosed.length ? notClosed.join(', ') : `all ${seen} closed`}
    }
    case 'ready': {
      const states = obs.readiness()
      if (!states) return {passed: false, actual: null, detail: 'no /ready answer yet'}
      const services = check.service === 'fleet' ? Object.keys(states).filter((s) => /^api-\d+$/.test(s)) : [check.service]
      const notReady = services.filter((s) => states[s] !== 'ready').map((s) => `${s} ${states[s] ?? 'not probed'}`)
      return {passed: notReady.length === 0 && services.length > 0, actual: notReady.length, detail: notReady.length ? notReady.join(', ') : 'ready'}
    }
    case 'in-rotation': {
      const rows = obs.fleet()
      if (rows.length === 0) return {passed: false, actual: null, detail: 'the balancer’s fleet not read yet'}
      const out = rows.filter((r) => !r.healthy || r.ejected).map((r) => `${r.name} ${r.ejected ? 'ejected' : 'unhealthy'}`)
      return {passed: out.length === 0, actual: out.length, detail: out.length ? out.join(', ') : `all ${rows.length} in rotation`}
    }
  }
}

export function metricValue(metric: Extract<Check, {kind: 'metric'}>['metric'], obs: Observations, fromSecond: number, toSecond: number): number | null {
  if (metric === 'cacheHitRate') return obs.cacheHitRate(fromSecond, toSecond)
  return figureOf(metric, obs.window(fromSecond, toSecond))
}

/** A load figure of a window or stage: latency percentiles in ms, error and 429 shares of all requests. */
export function figureOf(metric: Exclude<Extract<Check, {kind: 'metric'}>['metric'], 'cacheHitRate'>, figures: WindowFigures): number | null {
  const total = figures.responses + figures.outcomes.socketErrors + figures.outcomes.timeouts
  switch (metric) {
    case 'errorRate':
      return total > 0 ? figures.errors / total : null
    case 'rateLimitedRate':
      return total > 0 ? figures.outcomes.status429 / total : null
    default:
      return figures.latency ? figures.latency[metric] : null
  }
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000
}
