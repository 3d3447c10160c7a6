// Response envelopes shared by every HTTP service of the system.

export interface Meta {
  requestId: string
  instance?: string
  [key: string]: unknown
}

export interface DataEnvelope<T> {
  data: T
  meta: Meta
}

export interface ErrorEnvelope {
  error: {code: string; message: string; field?: string; details?: unknown}
  meta: Meta
}

export type BreakerState = 'closed' | 'half-open' | 'open'
export type DependencyName = 'redis' | 'postgres' | 'external'

export interface DependencyStatus {
  state: 'up' | 'down'
  latencyMs: number | null
  error?: string
}

/**
 * `GET /ready` of every service: 200 with status `ready` or `degraded` (naming the failing
 * dependencies; the service still serves what it can), 503 with `unavailable` while starting or
 * draining. Load balancers route on it; `scalelab up` waits for `ready`.
 */
export interface ReadyBody {
  status: 'ready' | 'degraded' | 'unavailable'
  degraded: string[]
  checks: Record<string, DependencyStatus>
}

/** `GET /api/v1/status` of an API instance (also what the gateway aggregates for admins). */
export interface InstanceStatus {
  instanceId: string
  uptimeSeconds: number
  pid: number
  inFlight: number
  dependencies: Record<string, DependencyStatus>
  breakers: Record<DependencyName, {state: BreakerState; trips: number}>
  cache: {
    l1: {entries: number; bytes: number; maxEntries: number; maxBytes: number; hits: number; misses: number; stale: number}
    l2: {hits: number; misses: number; stale: number; errors: number}
  }
}

/** One backend as the balancer sees it (`GET /lb/status` of the balancer). */
export interface BackendStatus {
  name: string
  /** host:port */
  address: string
  weight: number
  /** Active health check verdict. */
  healthy: boolean
  /** Passive outlier detection has it out of rotation right now. */
  ejected: boolean
  ejectedUntil: string | null
  ejections: number
  inFlight: number
  requests: number
}

/** `GET /lb/status` of the balancer, as bare JSON (no DataEnvelope); also the 200 body of `PUT /lb/backends`. */
export interface BalancerStatus {
  instance: string
  algorithm: 'p2c-least-request' | 'weighted-least-request'
  backends: BackendStatus[]
}

/**
 * `PUT /lb/backends` on the balancer replaces its membership at run time (used by `up --api N` on
 * a running lab). Requires the GATEWAY_HEADERS.secret header.
 */
export interface BackendMembership {
  backends: Array<{name: string; host: string; port: number; weight?: number}>
}

// ---- Gateway admin views (`/api/v1/admin/*` served by the gateway itself, admin role only) ----

/** The gateway's own state, part of every admin view. */
export interface GatewaySelfStatus {
  instanceId: string
  uptimeSeconds: number
  breakers: Record<'redis' | 'postgres', {state: BreakerState; trips: number}>
  rateLimiter: {
    algorithm: 'sliding-window-counter'
    windowSeconds: number
    limits: Record<string, number>
    /** `local` while Redis is unreachable and the per-process fallback decides. */
    mode: 'redis' | 'local'
    decisions: {allowed: number; limited: number; fail_open: number}
    lastFailOpenAt: string | null
  }
  authCache: {entries: number; ttlMs: number; staleMs: number}
}

export interface CacheTotals {
  l1: {entries: number; bytes: number; hits: number; misses: number; stale: number}
  l2: {hits: number; misses: number; stale: number; errors: number}
  /** (l1 hits + l2 hits) / l1 lookups; null before any lookup. */
  hitRate: number | null
}

/** One API instance as the admin views show it: the balancer's opinion plus its own status. */
export interface FleetInstanceView {
  name: string
  address: string
  /** Answered `GET /api/v1/status` in time. An instance that did not is shown down, never an error of the view. */
  up: boolean
  latencyMs: number | null
  error?: string
  balancer: Pick<BackendStatus, 'healthy' | 'ejected' | 'ejectedUntil' | 'ejections' | 'inFlight' | 'requests' | 'weight'>
  status: InstanceStatus | null
}

export interface BalancerView {
  up: boolean
  latencyMs: number | null
  error?: string
  status: BalancerStatus | null
}

/** `GET /api/v1/admin/dashboard`. */
export interface AdminDashboard {
  gateway: GatewaySelfStatus
  balancer: BalancerView
  instances: FleetInstanceView[]
  totals: {instances: number; up: number; down: number; inFlight: number; cache: CacheTotals}
}

/** `GET /api/v1/admin/circuit-breakers`. */
export interface AdminBreakersView {
  gateway: GatewaySelfStatus['breakers']
  instances: Array<{name: string; up: boolean; error?: string; breakers: InstanceStatus['breakers'] | null}>
}

/** `GET /api/v1/admin/cache`. */
export interface AdminCacheView {
  instances: Array<{name: string; up: boolean; error?: string; cache: InstanceStatus['cache'] | null; hitRate: number | null}>
  totals: CacheTotals
}
