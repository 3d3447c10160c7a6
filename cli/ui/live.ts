// What a running bench or chaos experiment shows while it runs. The run produces a LiveSnapshot on
// demand (cheap: numbers already aggregated); reporters pull it at their own capped rate and never
// see individual responses, so rendering cannot disturb the measurement.
import type {BreakerState} from '../../contracts/http.js'

export interface LatencyTriple {
  p50: number | null
  p95: number | null
  p99: number | null
}

export interface LiveSnapshot {
  kind: 'bench' | 'chaos'
  /** Scenario or experiment name. */
  name: string
  runtime: string
  elapsedS: number
  totalS: number
  phase: {
    name: string
    index: number
    count: number
    elapsedS: number
    durationS: number
    model: 'open' | 'closed'
    /** Open model: the arrival rate asked for right now; closed: null. */
    targetRate: number | null
    connections: number | null
  }
  /** Requests per second completed in the last whole second. */
  achievedRate: number
  latency: {lastSecond: LatencyTriple; run: LatencyTriple}
  /** Oldest first, one point per second, at most the last 60. */
  history: {
    p99: Array<number | null>
    rate: number[]
    cacheHitRate: Array<number | null>
  }
  /** Cumulative since the start of the run. */
  outcomes: {
    total: number
    ok: number
    rateLimited: number
    clientErrors: number
    serverErrors: number
    socketErrors: number
    timeouts: number
    behind: number
  }
  /** null when the system's metrics are unavailable. */
  cache: {hitRate: number | null; l1: number | null; l2: number | null} | null
  breakers: Array<{instance: string; dependency: string; state: BreakerState; trips: number}>
  fleet: Array<{name: string; healthy: boolean; share: number | null; inFlight: number | null; ejected: boolean}>
  /** Chaos only. */
  faults?: Array<{name: string; target: string; sinceS: number; active: boolean}>
  checks?: Array<{name: string; passed: boolean | null; detail: string}>
  /** Threshold limits that apply now, so a reporter can colour a crossed value. */
  limits: {p95Ms?: number; p99Ms?: number; errorRate?: number}
  generatorSaturated: boolean
  reportDir: string
}
