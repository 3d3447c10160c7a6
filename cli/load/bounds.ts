// Defaults for a phase's bounds, in one place so both engines and the docs agree.
import {UserError} from '../errors.js'
import {DEFAULT_MAX_CONNECTIONS} from './connection-pool.js'
import type {PhaseBounds} from './types.js'

export type ResolvedBounds = Required<PhaseBounds>

export function resolveBounds(bounds: PhaseBounds = {}): ResolvedBounds {
  const timeoutMs = bounds.timeoutMs ?? 10_000
  const resolved: ResolvedBounds = {
    maxConnections: bounds.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    timeoutMs,
    lateAfterMs: bounds.lateAfterMs ?? 10,
    gracefulStopMs: bounds.gracefulStopMs ?? Math.min(timeoutMs, 5_000),
    maxCapturedBodyBytes: bounds.maxCapturedBodyBytes ?? 64 * 1024,
  }
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isFinite(value) || value < 0) throw new UserError(`The phase bound ${key} must be a number ≥ 0 (got ${value}).`)
  }
  if (resolved.timeoutMs <= 0) throw new UserError(`The phase bound timeoutMs must be > 0 (got ${resolved.timeoutMs}).`)
  return resolved
}
