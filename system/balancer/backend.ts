import type {UpstreamPool} from '../shared/http1/upstream.js'

export interface BackendSpec {
  name: string
  host: string
  port: number
  weight: number
}

/**
 * One upstream as the balancer tracks it. A plain mutable record on purpose: the picker, the
 * outlier detector and the health checker each own a few fields and the hot path reads them
 * without indirection.
 */
export class Backend {
  readonly name: string
  readonly host: string
  readonly port: number
  readonly address: string
  weight: number

  /** Requests sent to it and not finished yet (the least-request signal and the limit). */
  inFlight = 0
  /** Requests sent to it since it joined. */
  requests = 0

  // Active health checking (health-checker.ts).
  healthy: boolean
  checkedOnce = false
  checkSuccesses = 0
  checkFailures = 0
  nextCheckAt = 0
  checking = false
  lastCheckLatencyMs: number | null = null
  lastCheckError: string | null = null

  // Passive outlier detection (outlier-detector.ts).
  ejected = false
  ejectedUntil = 0
  /** Times ejected since it joined (reported). */
  ejections = 0
  /** Multiplies the base ejection time; grows per ejection, decays while it behaves. */
  ejectionMultiplier = 0
  multiplierDecayFrom = 0
  consecutiveFailures = 0

  // Weighted least-request scheduler (picker.ts).
  deadline = 0

  /** Keep-alive connection pool to it; set by the balancer, absent in unit tests. */
  pool: UpstreamPool | null = null
  /** Outcomes since the last metrics flush (plain numbers: the hot path does no label lookups). */
  okCount = 0
  errorCount = 0
  timeoutCount = 0

  constructor(spec: BackendSpec, initiallyHealthy: boolean) {
    this.name = spec.name
    this.host = spec.host
    this.port = spec.port
    this.address = `${spec.host}:${spec.port}`
    this.weight = spec.weight
    this.healthy = initiallyHealthy
  }

  /** In rotation: the health check passes and outlier detection has not ejected it. */
  get available(): boolean {
    return this.healthy && !this.ejected
  }
}
