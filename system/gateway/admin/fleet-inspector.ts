import {Agent} from 'undici'
import type {
  AdminBreakersView,
  AdminCacheView,
  BackendStatus,
  BalancerStatus,
  BalancerView,
  CacheTotals,
  FleetInstanceView,
  InstanceStatus,
} from '../../../contracts/http.js'
import {GATEWAY_HEADERS} from '../../../contracts/identity.js'
import type {Upstream} from '../proxy/upstream.js'

export interface FleetInspectorOptions {
  upstream: Upstream
  gatewaySecret: string
  /** Per call: the balancer's status and each instance's. */
  timeoutMs: number
}

export interface FleetSnapshot {
  balancer: BalancerView
  instances: FleetInstanceView[]
}

export interface FleetInspector {
  /** Asks the balancer for its backends, then every backend for its status, in parallel. */
  inspect(identityHeaders: readonly string[]): Promise<FleetSnapshot>
  close(): Promise<void>
}

/** Services answer `{data, meta}`; accept a bare body too, so a view never depends on which. */
function unwrap(body: unknown): unknown {
  return body && typeof body === 'object' && 'data' in body && 'meta' in body ? (body as {data: unknown}).data : body
}

function isBalancerStatus(v: unknown): v is BalancerStatus {
  return !!v && typeof v === 'object' && Array.isArray((v as BalancerStatus).backends)
}

function isInstanceStatus(v: unknown): v is InstanceStatus {
  const s = v as InstanceStatus
  return !!s && typeof s === 'object' && typeof s.instanceId === 'string' && typeof s.breakers === 'object' && typeof s.cache === 'object'
}

const reason = (err: unknown) => {
  const e = err as Error & {code?: string}
  if (e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') return 'timed out'
  return e.code ? `${e.code}: ${e.message}` : e.message
}

export function createFleetInspector(options: FleetInspectorOptions): FleetInspector {
  const {upstream, gatewaySecret, timeoutMs} = options
  // Direct calls to instances (not through the balancer): one small keep-alive pool per origin.
  const agent = new Agent({connections: 4, connect: {timeout: timeoutMs}, headersTimeout: timeoutMs, bodyTimeout: timeoutMs})

  async function balancerStatus(): Promise<BalancerView> {
    const began = performance.now()
    try {
      const {status, body} = await upstream.getJson('/lb/status', {[GATEWAY_HEADERS.secret]: gatewaySecret}, timeoutMs)
      const latencyMs = round(performance.now() - began)
      const data = unwrap(body)
      if (status !== 200 || !isBalancerStatus(data)) return {up: false, latencyMs, error: `unexpected answer (HTTP ${status})`, status: null}
      return {up: true, latencyMs, status: data}
    } catch (err) {
      return {up: false, latencyMs: null, error: reason(err), status: null}
    }
  }

  async function instanceView(backend: BackendStatus, headers: readonly string[]): Promise<FleetInstanceView> {
    const {name, address, healthy, ejected, ejectedUntil, ejections, inFlight, requests, weight} = backend
    const base = {name, address, balancer: {healthy, ejected, ejectedUntil, ejections, inFlight, requests, weight}}
    const began = performance.now()
    try {
      const res = await agent.request({
        origin: `http://${address}`,
        path: '/api/v1/status',
        method: 'GET',
        headers: [...headers, 'accept', 'application/json'],
        signal: AbortSignal.timeout(timeoutMs),
      })
      const text = await res.body.text()
      const latencyMs = round(performance.now() - began)
      let data: unknown
      try {
        data = unwrap(JSON.parse(text))
      } catch {
        data = undefined
      }
      if (res.statusCode !== 200 || !isInstanceStatus(data)) {
        return {...base, up: false, latencyMs, error: `unexpected answer (HTTP ${res.statusCode})`, status: null}
      }
      return {...base, up: true, latencyMs, status: data}
    } catch (err) {
      return {...base, up: false, latencyMs: null, error: reason(err), status: null}
    }
  }

  return {
    async inspect(identityHeaders) {
      const balancer = await balancerStatus()
      const backends = balancer.status?.backends ?? []
      const instances = await Promise.all(backends.map((b) => instanceView(b, identityHeaders)))
      return {balancer, instances}
    },
    close: () => agent.close(),
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100

export function hitRate(cache: InstanceStatus['cache'] | CacheTotals): number | null {
  const lookups = cache.l1.hits + cache.l1.misses
  return lookups > 0 ? Math.round(((cache.l1.hits + cache.l2.hits) / lookups) * 1e4) / 1e4 : null
}

export function cacheTotals(instances: readonly FleetInstanceView[]): CacheTotals {
  const totals: CacheTotals = {
    l1: {entries: 0, bytes: 0, hits: 0, misses: 0, stale: 0},
    l2: {hits: 0, misses: 0, stale: 0, errors: 0},
    hitRate: null,
  }
  for (const i of instances) {
    const c = i.status?.cache
    if (!c) continue
    for (const k of Object.keys(totals.l1) as Array<keyof CacheTotals['l1']>) totals.l1[k] += c.l1[k] ?? 0
    for (const k of Object.keys(totals.l2) as Array<keyof CacheTotals['l2']>) totals.l2[k] += c.l2[k] ?? 0
  }
  totals.hitRate = hitRate(totals)
  return totals
}

export function breakersView(gateway: AdminBreakersView['gateway'], snapshot: FleetSnapshot): AdminBreakersView {
  return {
    gateway,
    instances: snapshot.instances.map((i) => ({name: i.name, up: i.up, ...(i.error ? {error: i.error} : {}), breakers: i.status?.breakers ?? null})),
  }
}

export function cacheView(snapshot: FleetSnapshot): AdminCacheView {
  return {
    instances: snapshot.instances.map((i) => ({
      name: i.name,
      up: i.up,
      ...(i.error ? {error: i.error} : {}),
      cache: i.status?.cache ?? null,
      hitRate: i.status ? hitRate(i.status.cache) : null,
    })),
    totals: cacheTotals(snapshot.instances),
  }
}
