import type {Backend} from './backend.js'
import type {Clock} from '../shared/clock.js'

export interface HealthCheckOptions {
  intervalMs: number
  timeoutMs: number
  /** Consecutive passing checks that bring an unhealthy backend back. */
  healthyThreshold: number
  /** Consecutive failing checks that take a healthy backend out. */
  unhealthyThreshold: number
}

export interface ProbeResult {
  ok: boolean
  latencyMs: number
  error?: string
}

/** One active check of one backend; must settle within timeoutMs (the probe enforces it). */
export type Probe = (backend: Backend, timeoutMs: number) => Promise<ProbeResult>

export type HealthChangeListener = (backend: Backend, healthy: boolean) => void

/**
 * Active health checking with Envoy's thresholds. A backend that has never been checked becomes
 * healthy on its first passing check (so a fresh fleet is routable at once); after that it takes
 * `unhealthyThreshold` failures in a row to go out and `healthyThreshold` passes in a row to
 * come back. Time only decides when a backend is due; `runDue` is driven by a timer in the
 * balancer and by hand in tests.
 */
export class HealthChecker {
  constructor(
    private readonly options: HealthCheckOptions,
    private readonly clock: Clock,
    private readonly probe: Probe,
    private readonly onChange: HealthChangeListener,
  ) {}

  /** Starts a check of every backend that is due and not being checked; resolves when they settle. */
  async runDue(fleet: readonly Backend[]): Promise<void> {
    const now = this.clock.now()
    const running: Promise<void>[] = []
    for (const b of fleet) {
      if (b.checking || now < b.nextCheckAt) continue
      b.checking = true
      b.nextCheckAt = now + this.options.intervalMs
      running.push(this.check(b))
    }
    await Promise.all(running)
  }

  private async check(b: Backend): Promise<void> {
    let result: ProbeResult
    try {
      result = await this.probe(b, this.options.timeoutMs)
    } catch (err) {
      result = {ok: false, latencyMs: this.options.timeoutMs, error: (err as Error).message}
    }
    b.checking = false
    b.lastCheckLatencyMs = result.latencyMs
    b.lastCheckError = result.ok ? null : (result.error ?? 'check failed')
    this.record(b, result.ok)
  }

  /** Applies one check verdict to the thresholds. */
  record(b: Backend, ok: boolean): void {
    const first = !b.checkedOnce
    b.checkedOnce = true
    if (ok) {
      b.checkFailures = 0
      b.checkSuccesses++
      if (!b.healthy && (first || b.checkSuccesses >= this.options.healthyThreshold)) {
        b.healthy = true
        this.onChange(b, true)
      }
    } else {
      b.checkSuccesses = 0
      b.checkFailures++
      if (b.healthy && b.checkFailures >= this.options.unhealthyThreshold) {
        b.healthy = false
        this.onChange(b, false)
      }
    }
  }
}
