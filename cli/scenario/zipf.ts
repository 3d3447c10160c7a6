// Zipf-distributed ranks 1..n with exponent s: P(k) ∝ 1 / k^s, so a few hot keys take a large share
// (what a cache sees in practice). No library in the dependency set does this, and a CDF table
// costs memory per range, so this is rejection-inversion sampling (Hörmann & Derflinger, "Rejection-
// inversion to generate variates from monotone discrete distributions", 1996): exact, O(1) per draw,
// constant memory for any n. Written from the paper's formulas.

export type Random = () => number

export class ZipfSampler {
  private readonly hIntegralX1: number
  private readonly hIntegralN: number
  private readonly threshold: number

  constructor(
    readonly n: number,
    readonly s: number,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`Zipf needs n ≥ 1 (got ${n})`)
    if (!(s > 0)) throw new Error(`Zipf needs s > 0 (got ${s})`)
    this.hIntegralX1 = this.hIntegral(1.5) - 1
    this.hIntegralN = this.hIntegral(n + 0.5)
    this.threshold = 2 - this.hIntegralInverse(this.hIntegral(2.5) - this.h(2))
  }

  /** A rank from 1 (the most frequent) to n. */
  sample(random: Random): number {
    for (;;) {
      const u = this.hIntegralN + random() * (this.hIntegralX1 - this.hIntegralN)
      const x = this.hIntegralInverse(u)
      const k = Math.min(Math.max(Math.floor(x + 0.5), 1), this.n)
      if (k - x <= this.threshold || u >= this.hIntegral(k + 0.5) - this.h(k)) return k
    }
  }

  /** h(x) = 1 / x^s */
  private h(x: number): number {
    return Math.exp(-this.s * Math.log(x))
  }

  /** H(x) = (x^(1-s) - 1) / (1 - s), the integral of h; log(x) at s = 1. */
  private hIntegral(x: number): number {
    const logX = Math.log(x)
    return expm1OverX((1 - this.s) * logX) * logX
  }

  private hIntegralInverse(x: number): number {
    let t = x * (1 - this.s)
    if (t < -1) t = -1 // numerical guard: the exact value is ≥ -1
    return Math.exp(log1pOverX(t) * x)
  }
}

/** log(1 + x) / x, stable near 0. */
function log1pOverX(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1 / 3 - 0.25 * x))
}

/** (e^x - 1) / x, stable near 0. */
function expm1OverX(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x * 0.5 * (1 + (x / 3) * (1 + 0.25 * x))
}

/** Generalised harmonic number H(n, s) = Σ 1/k^s: the analytical share of ranks 1..m is H(m,s)/H(n,s). */
export function harmonic(n: number, s: number): number {
  let sum = 0
  for (let k = n; k >= 1; k--) sum += 1 / k ** s
  return sum
}

/** A small seeded PRNG (mulberry32) for reproducible draws in tests and seeded runs. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
