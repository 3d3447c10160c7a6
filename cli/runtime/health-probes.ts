// Live health of one instance, probed from this machine through its host port: HTTP GET of the
// declared path (ReadyBody status), Redis PING, Postgres connect + SELECT 1. Shared by every
// runtime, since all of them publish the same host ports.
import {POSTGRES_PASSWORD, type HealthCheck, type InstanceSpec} from '../../contracts/topology.js'
import type {ReadyBody} from '../../contracts/http.js'
import {pingPostgres, pingRedis} from './local/datastores.js'
import type {Health} from './types.js'

export interface HealthVerdict {
  health: Health
  detail?: string
}

export const DEFAULT_PROBE_TIMEOUT_MS = 1_000

export async function probeHealth(spec: InstanceSpec, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): Promise<HealthVerdict> {
  const check: HealthCheck = spec.health
  switch (check.kind) {
    case 'redis':
      return (await pingRedis('127.0.0.1', spec.hostPort, timeoutMs)) ? {health: 'healthy'} : {health: 'unhealthy', detail: 'no PONG'}
    case 'postgres':
      return (await pingPostgres('127.0.0.1', spec.hostPort, timeoutMs, 'postgres', POSTGRES_PASSWORD))
        ? {health: 'healthy'}
        : {health: 'unhealthy', detail: 'cannot connect'}
    case 'http':
      return probeHttp(`http://127.0.0.1:${spec.hostPort}${check.path}`, check.accept, timeoutMs)
    case 'exit':
      return {health: 'unhealthy', detail: 'a one-shot job has no live health'}
  }
}

/**
 * 2xx with `body.status` in `accept` is healthy (an empty `accept` takes any 2xx, e.g. Toxiproxy's
 * /version); `degraded` is reported as such so callers decide whether it counts.
 */
export async function probeHttp(url: string, accept: readonly string[], timeoutMs: number): Promise<HealthVerdict> {
  let res: Response
  try {
    res = await fetch(url, {signal: AbortSignal.timeout(timeoutMs)})
  } catch (err) {
    const name = (err as Error).name
    return {health: 'unhealthy', detail: name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'connection refused'}
  }
  const text = await res.text().catch(() => '')
  if (accept.length === 0) return res.ok ? {health: 'healthy'} : {health: 'unhealthy', detail: `HTTP ${res.status}`}
  let body: Partial<ReadyBody> = {}
  try {
    body = JSON.parse(text) as Partial<ReadyBody>
  } catch {
    return {health: 'unhealthy', detail: `HTTP ${res.status}, not a readiness body`}
  }
  if (res.ok && body.status && accept.includes(body.status)) {
    return body.status === 'degraded' ? {health: 'healthy', detail: degradedDetail(body)} : {health: 'healthy'}
  }
  if (res.ok && body.status === 'degraded') return {health: 'degraded', detail: degradedDetail(body)}
  return {health: 'unhealthy', detail: `HTTP ${res.status}${body.status ? ` ${body.status}` : ''}`}
}

function degradedDetail(body: Partial<ReadyBody>): string {
  return body.degraded?.length ? `degraded: ${body.degraded.join(', ')}` : 'degraded'
}
