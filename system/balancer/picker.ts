import type {Backend} from './backend.js'
import type {RandomSource} from '../shared/random.js'

export type Algorithm = 'p2c-least-request' | 'weighted-least-request'

export interface PickerOptions {
  random: RandomSource
  /** Envoy's active_request_bias: how hard in-flight requests lower a weighted host's share. */
  activeRequestBias: number
  /** Per-backend in-flight limit; a backend at it is skipped. */
  maxInFlight: number
}

/**
 * Envoy's least-request model. Equal weights: power of two choices, the less busy of two random
 * backends. Unequal weights: an earliest-deadline-first schedule where each backend's effective
 * weight is weight / (inFlight + 1)^bias, recomputed whenever it is picked.
 * Written here because no maintained npm package implements either with injectable randomness.
 */
export class LeastRequestPicker {
  algorithm: Algorithm = 'p2c-least-request'
  private virtualTime = 0

  constructor(private readonly options: PickerOptions) {}

  /** Call whenever the set of candidates changes: picks the algorithm and restarts the schedule. */
  reset(candidates: readonly Backend[]): void {
    const first = candidates[0]?.weight
    this.algorithm = candidates.every((b) => b.weight === first) ? 'p2c-least-request' : 'weighted-least-request'
    if (this.algorithm === 'p2c-least-request') return
    // A random offset within one period keeps balancers that start together from marching in step.
    for (const b of candidates) b.deadline = this.virtualTime + this.options.random() / this.effectiveWeight(b)
  }

  /**
   * The backend for the next request among `candidates`, never `exclude` (the one a retry is
   * moving away from). Null when none is below its in-flight limit.
   */
  pick(candidates: readonly Backend[], exclude: Backend | null): Backend | null {
    return this.algorithm === 'p2c-least-request' ? this.pickTwoChoices(candidates, exclude) : this.pickWeighted(candidates, exclude)
  }

  private pickTwoChoices(candidates: readonly Backend[], exclude: Backend | null): Backend | null {
    const excludeIndex = exclude === null ? -1 : candidates.indexOf(exclude)
    const n = excludeIndex === -1 ? candidates.length : candidates.length - 1
    if (n <= 0) return null
    const limit = this.options.maxInFlight
    const at = (i: number) => candidates[excludeIndex !== -1 && i >= excludeIndex ? i + 1 : i]
    if (n === 1) {
      const only = at(0)
      return only.inFlight < limit ? only : null
    }
    const i = Math.floor(this.options.random() * n)
    let j = Math.floor(this.options.random() * (n - 1))
    if (j >= i) j++
    const a = at(i)
    const b = at(j)
    const best = b.inFlight < a.inFlight ? b : a
    if (best.inFlight < limit) return best
    // Both sampled backends are full: fall back to a scan for any with room.
    let found: Backend | null = null
    for (let k = 0; k < n; k++) {
      const c = at(k)
      if (c.inFlight < limit && (found === null || c.inFlight < found.inFlight)) found = c
    }
    return found
  }

  private pickWeighted(candidates: readonly Backend[], exclude: Backend | null): Backend | null {
    const limit = this.options.maxInFlight
    let best: Backend | null = null
    for (let k = 0; k < candidates.length; k++) {
      const c = candidates[k]
      if (c === exclude || c.inFlight >= limit) continue
      if (best === null || c.deadline < best.deadline) best = c
    }
    if (best === null) return null
    this.virtualTime = best.deadline
    best.deadline = this.virtualTime + 1 / this.effectiveWeight(best)
    return best
  }

  private effectiveWeight(b: Backend): number {
    const bias = this.options.activeRequestBias
    if (bias === 0 || b.inFlight === 0) return b.weight
    return b.weight / (bias === 1 ? b.inFlight + 1 : Math.pow(b.inFlight + 1, bias))
  }
}
