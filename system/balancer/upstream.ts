import {Agent, request} from 'undici'
import {UpstreamPool} from '../shared/http1/upstream.js'
import type {Backend} from './backend.js'
import type {Probe} from './health-checker.js'

export interface UpstreamOptions {
  connectionsPerBackend: number
  connectTimeoutMs: number
  headersTimeoutMs: number
  bodyTimeoutMs: number
  keepAliveMs: number
}

export function originOf(b: Backend): string {
  return b.host.includes(':') ? `http://[${b.host}]:${b.port}` : `http://${b.host}:${b.port}`
}

/**
 * A keep-alive pool of raw connections per backend (the lean relay of shared/http1). Every wait
 * has a bound (connect, response headers, gap between body chunks), so a dead or stuck backend
 * turns into an error the proxy can retry or report instead of a hung client.
 */
export function createBackendPool(b: Backend, o: UpstreamOptions): UpstreamPool {
  return new UpstreamPool({
    host: b.host,
    port: b.port,
    maxConnections: o.connectionsPerBackend,
    connectTimeoutMs: o.connectTimeoutMs,
    headersTimeoutMs: o.headersTimeoutMs,
    bodyTimeoutMs: o.bodyTimeoutMs,
    keepAliveMs: o.keepAliveMs,
  })
}

/**
 * The active health probe: GET `path` on its own small connection pool (never queued behind
 * traffic), healthy when the status is one of `healthyStatuses`.
 */
export function createHttpProbe(path: string, healthyStatuses: readonly number[] = [200]): {probe: Probe; close(): Promise<void>} {
  const agent = new Agent({connections: 2, pipelining: 1, keepAliveTimeout: 10_000})
  const probe: Probe = async (b, timeoutMs) => {
    const began = performance.now()
    try {
      const res = await request(originOf(b) + path, {
        dispatcher: agent,
        method: 'GET',
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      })
      await res.body.dump()
      const ok = healthyStatuses.includes(res.statusCode)
      return {ok, latencyMs: performance.now() - began, error: ok ? undefined : `status ${res.statusCode}`}
    } catch (err) {
      const e = err as {code?: string; message: string}
      return {ok: false, latencyMs: performance.now() - began, error: e.code ?? e.message}
    }
  }
  return {probe, close: () => agent.close()}
}
