// Time to detect: from a fault's injection to the first observation, after it, of each signal that
// shows the system noticed — a breaker open (state or a new trip), an instance out of the
// balancer's rotation, a /ready saying degraded, the rate limiter failing open, errors reaching the
// client, stale cache serves, the steady state deviating. Observations come once a second from the
// system sampler, the readiness prober and the load; times are ms since the start of the load.
import type {BreakerState} from '../../contracts/http.js'
import type {FleetRow} from '../metrics/system-sampler.js'
import type {Signal} from './expressions.js'
import type {ReadinessState} from './readiness-prober.js'

export interface SystemObservation {
  breakerStates: Record<string, Record<string, BreakerState>>
  /** Trips (transitions to open) so far in the run, per dependency. */
  tripsByDependency: Record<string, number>
  failOpen: number
  staleServes: number
  fleet: FleetRow[]
}

export interface LoadObservation {
  /** The earliest error response the load saw at or after this time (ms since the start), if any. */
  firstErrorSince(sinceMs: number): number | null
  /** Some steady-state check fails on its window now. */
  deviating: boolean
}

interface Watch {
  fault: string
  signal: Signal
  sinceMs: number
  tripsAtStart: Record<string, number>
  detectedMs: number | null
}

export interface Detection {
  fault: string
  signal: string
  /** Seconds from the injection; null when never observed. */
  afterS: number | null
}

export class DetectionTracker {
  private readonly watches: Watch[] = []

  /** Starts timing these signals for a fault injected at `sinceMs`. */
  watch(fault: string, signals: readonly Signal[], sinceMs: number, tripsNow: Record<string, number>): void {
    for (const signal of signals) {
      if (this.watches.some((w) => w.fault === fault && w.signal.text === signal.text)) continue
      this.watches.push({fault, signal, sinceMs, tripsAtStart: {...tripsNow}, detectedMs: null})
    }
  }

  observeSystem(atMs: number, system: SystemObservation): void {
    this.observe(atMs, (signal, watch) => {
      switch (signal.kind) {
        case 'breaker-open': {
          const open = Object.values(system.breakerStates).some((states) => states[signal.dependency] === 'open')
          return open || (system.tripsByDependency[signal.dependency] ?? 0) > (watch.tripsAtStart[signal.dependency] ?? 0)
        }
        case 'out-of-rotation':
          return system.fleet.some((row) => (signal.instance === 'any api' || row.name === signal.instance) && (!row.healthy || row.ejected))
        case 'fail-open':
          return system.failOpen > 0
        case 'stale-serves':
          return system.staleServes > 0
        default:
          return undefined
      }
    })
  }

  observeReadiness(atMs: number, states: Record<string, ReadinessState>): void {
    this.observe(atMs, (signal) => {
      if (signal.kind !== 'degraded') return undefined
      const services = signal.service === 'fleet' ? Object.keys(states).filter((s) => /^api-\d+$/.test(s)) : [signal.service]
      return services.some((s) => states[s] !== undefined && states[s] !== 'ready')
    })
  }

  observeLoad(atMs: number, load: LoadObservation): void {
    for (const watch of this.pending()) {
      if (watch.signal.kind === 'client-errors') {
        const first = load.firstErrorSince(watch.sinceMs)
        if (first !== null) watch.detectedMs = first
      } else if (watch.signal.kind === 'deviation' && load.deviating && atMs >= watch.sinceMs) {
        watch.detectedMs = atMs
      }
    }
  }

  /** When a fault's signal was first seen (ms since the start), or null. */
  detectedAt(fault: string, signalText: string): number | null {
    return this.watches.find((w) => w.fault === fault && w.signal.text === signalText)?.detectedMs ?? null
  }

  results(): Detection[] {
    return this.watches.map((w) => ({fault: w.fault, signal: w.signal.text, afterS: w.detectedMs === null ? null : round((w.detectedMs - w.sinceMs) / 1000)}))
  }

  /** Signals seen since the last call, for the live events. */
  drainNew(): Detection[] {
    const fresh = this.watches.filter((w) => w.detectedMs !== null && !this.reported.has(w))
    for (const w of fresh) this.reported.add(w)
    return fresh.map((w) => ({fault: w.fault, signal: w.signal.text, afterS: round((w.detectedMs! - w.sinceMs) / 1000)}))
  }

  private readonly reported = new Set<Watch>()

  private pending(): Watch[] {
    return this.watches.filter((w) => w.detectedMs === null)
  }

  private observe(atMs: number, holds: (signal: Signal, watch: Watch) => boolean | undefined): void {
    for (const watch of this.pending()) {
      if (atMs < watch.sinceMs) continue
      if (holds(watch.signal, watch)) watch.detectedMs = atMs
    }
  }
}

function round(value: number): number {
  return Math.max(0, Math.round(value * 10) / 10)
}
