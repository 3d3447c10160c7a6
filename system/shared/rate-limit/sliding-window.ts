// The sliding-window counter: two fixed windows per client (the current count and the previous
// window's count), where the previous one is weighted by how much of it still overlaps the
// sliding window. O(1) state per client, and a burst inside one window is cut at exactly `limit`
// however long it takes to arrive (GCRA would refill one request every window/limit meanwhile).
// This module is the one definition of the arithmetic: the in-memory limiter runs it as is, and
// the Redis Lua script (redis-rate-limiter.ts) mirrors `consume` line for line.

export interface WindowCounts {
  /** Index of the fixed window the counts belong to: floor(now / window). */
  index: number
  current: number
  previous: number
}

export interface WindowDecision {
  allowed: boolean
  /** Counts after the decision (the request counted when allowed). */
  current: number
  previous: number
  /** Microseconds into the current fixed window. */
  elapsedUs: number
  windowUs: number
  limit: number
}

export interface QuotaReport {
  /** Whole quota units left after this request. */
  remaining: number
  /** Seconds until at least one more unit becomes available (RateLimit `t`, Retry-After on 429). */
  resetSeconds: number
}

/** Moves stored counts to the window that contains `nowUs` (older windows no longer weigh in). */
export function rollWindow(stored: WindowCounts | undefined, nowUs: number, windowUs: number): WindowCounts {
  const index = Math.floor(nowUs / windowUs)
  if (stored?.index === index) return stored
  if (stored?.index === index - 1) return {index, current: 0, previous: stored.current}
  return {index, current: 0, previous: 0}
}

/**
 * Allowed when previous·(W−elapsed)/W + current + cost ≤ limit, compared multiplied out by W so
 * that the Lua side (doubles, no integer division) decides identically.
 */
export function consume(stored: WindowCounts | undefined, nowUs: number, windowUs: number, limit: number, cost = 1): {state: WindowCounts; decision: WindowDecision} {
  const rolled = rollWindow(stored, nowUs, windowUs)
  const elapsedUs = nowUs - rolled.index * windowUs
  const allowed = rolled.previous * (windowUs - elapsedUs) + (rolled.current + cost) * windowUs <= limit * windowUs
  const state = allowed ? {...rolled, current: rolled.current + cost} : rolled
  return {state, decision: {allowed, current: state.current, previous: state.previous, elapsedUs, windowUs, limit}}
}

/** The weighted count the decision compared against the limit. */
export function estimate(d: Pick<WindowDecision, 'current' | 'previous' | 'elapsedUs' | 'windowUs'>): number {
  return (d.previous * (d.windowUs - d.elapsedUs)) / d.windowUs + d.current
}

/**
 * Microseconds, with no further requests, until the weighted count falls to `target` or below:
 * first the previous window's share decays, then (once the window turns) the current count does.
 */
export function microsUntilEstimateAtMost(d: WindowDecision, target: number): number {
  const {previous: p, current: c, elapsedUs: e, windowUs: w} = d
  if (target < 0) return Number.POSITIVE_INFINITY
  if (estimate(d) <= target) return 0
  // Within this window: p·(w−e′)/w + c ≤ target  ⇔  e′ ≥ w − (target−c)·w/p  (p > 0 here).
  if (c <= target) return Math.max(0, w - ((target - c) * w) / p - e)
  // In the next window the current count is the previous one: c·(w−x)/w ≤ target.
  return w - e + (w - (target * w) / c)
}

export function report(d: WindowDecision): QuotaReport {
  const remaining = Math.max(0, Math.floor(d.limit - estimate(d) + 1e-9))
  const waitUs = microsUntilEstimateAtMost(d, d.limit - remaining - 1)
  const resetSeconds = Number.isFinite(waitUs) ? Math.ceil(waitUs / 1e6) : Math.ceil((2 * d.windowUs) / 1e6)
  return {remaining, resetSeconds}
}
