import type {Backend} from './backend.js'
import type {Clock} from '../shared/clock.js'

export interface OutlierOptions {
  /** Consecutive failures (5xx responses, or connect/reset/timeout errors) that eject a backend. */
  consecutiveFailures: number
  baseEjectionMs: number
  /** Ceiling for base × multiplier. */
  maxEjectionMs: number
  /** Never eject more than this share of the fleet, except that one backend may always go. */
  maxEjectionPercent: number
}

/** What tipped the ejection: the contract's `reason` label of scalelab_lb_ejections_total. */
export type EjectionReason = 'consecutive_5xx' | 'consecutive_local_failure'

export interface OutlierEvents {
  ejected(backend: Backend, reason: EjectionReason, durationMs: number): void
  returned(backend: Backend): void
}

/**
 * Passive health checking after Envoy's outlier detection. Ejection runs inline on the failure
 * that crosses the threshold; ejected backends return at the first sweep after their time. The
 * ejection time is base × multiplier (capped), the multiplier growing by one per ejection and
 * shrinking by one for every base period the backend then stays in rotation.
 */
export class OutlierDetector {
  constructor(
    private readonly options: OutlierOptions,
    private readonly clock: Clock,
    private readonly events: OutlierEvents,
  ) {}

  /** Hot path: a response below 500 arrived. */
  success(backend: Backend): void {
    if (backend.consecutiveFailures !== 0) backend.consecutiveFailures = 0
  }

  /** A 5xx response (`local` false) or a connect/reset/timeout error (`local` true). */
  failure(backend: Backend, local: boolean, fleet: readonly Backend[]): void {
    if (backend.ejected) return
    backend.consecutiveFailures++
    if (backend.consecutiveFailures < this.options.consecutiveFailures) return
    if (!this.mayEject(fleet)) return
    const now = this.clock.now()
    this.decay(backend, now)
    backend.ejectionMultiplier++
    const durationMs = Math.min(this.options.baseEjectionMs * backend.ejectionMultiplier, Math.max(this.options.maxEjectionMs, this.options.baseEjectionMs))
    backend.ejected = true
    backend.ejectedUntil = now + durationMs
    backend.ejections++
    backend.consecutiveFailures = 0
    this.events.ejected(backend, local ? 'consecutive_local_failure' : 'consecutive_5xx', durationMs)
  }

  /** Returns backends whose ejection time is over, and decays multipliers. Run it periodically. */
  sweep(fleet: readonly Backend[]): void {
    const now = this.clock.now()
    for (const b of fleet) {
      if (b.ejected) {
        if (now >= b.ejectedUntil) {
          b.ejected = false
          b.ejectedUntil = 0
          b.consecutiveFailures = 0
          b.multiplierDecayFrom = now
          this.events.returned(b)
        }
      } else {
        this.decay(b, now)
      }
    }
  }

  private decay(b: Backend, now: number): void {
    const base = this.options.baseEjectionMs
    while (b.ejectionMultiplier > 0 && now - b.multiplierDecayFrom >= base) {
      b.ejectionMultiplier--
      b.multiplierDecayFrom += base
    }
  }

  private mayEject(fleet: readonly Backend[]): boolean {
    let ejected = 0
    for (const b of fleet) if (b.ejected) ejected++
    if (ejected === 0) return true
    return (ejected + 1) * 100 <= this.options.maxEjectionPercent * fleet.length
  }
}
