import {timingSafeEqual} from 'node:crypto'
import {z} from 'zod'
import type {BackendStatus, BalancerStatus, ErrorEnvelope, ReadyBody} from '../../contracts/http.js'
import {GATEWAY_HEADERS, REQUEST_ID_HEADER} from '../../contracts/identity.js'
import type {ServerExchange} from '../shared/http1/server.js'
import type {BackendSpec} from './backend.js'
import type {Fleet} from './fleet.js'
import type {Algorithm} from './picker.js'

const MAX_BODY_BYTES = 64 * 1024

export const membershipSchema = z.object({
  backends: z
    .array(
      z.object({
        name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits and . _ : - only'),
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535),
        weight: z.number().int().min(1).max(1000).optional(),
      }),
    )
    .refine((list) => new Set(list.map((b) => b.name)).size === list.length, 'backend names must be unique'),
})

export function balancerStatus(instance: string, algorithm: Algorithm, fleet: Fleet): BalancerStatus {
  return {
    instance,
    algorithm,
    backends: fleet.all.map(
      (b): BackendStatus => ({
        name: b.name,
        address: b.address,
        weight: b.weight,
        healthy: b.healthy,
        ejected: b.ejected,
        ejectedUntil: b.ejected ? new Date(b.ejectedUntil).toISOString() : null,
        ejections: b.ejections,
        inFlight: b.inFlight,
        requests: b.requests,
      }),
    ),
  }
}

/** Ready while at least one backend is in rotation; degraded (still 200) otherwise; 503 while draining. */
export function readiness(fleet: Fleet, draining: boolean): {status: number; body: ReadyBody} {
  const checks: ReadyBody['checks'] = {}
  for (const b of fleet.all) {
    checks[b.name] = {
      state: b.available ? 'up' : 'down',
      latencyMs: b.lastCheckLatencyMs === null ? null : Math.round(b.lastCheckLatencyMs * 100) / 100,
      ...(b.available ? {} : {error: b.ejected ? 'ejected by outlier detection' : (b.lastCheckError ?? 'not checked yet')}),
    }
  }
  if (draining) return {status: 503, body: {status: 'unavailable', degraded: [], checks}}
  const inRotation = fleet.rotation.length > 0
  return {status: 200, body: {status: inRotation ? 'ready' : 'degraded', degraded: inRotation ? [] : ['backends'], checks}}
}

export function sendJson(ex: ServerExchange, status: number, value: unknown, extraHeaders: Record<string, string> = {}): void {
  ex.respond(status, {'content-type': 'application/json; charset=utf-8', ...extraHeaders}, JSON.stringify(value))
}

export function sendError(ex: ServerExchange, instance: string, status: number, code: string, message: string): void {
  const requestId = ex.header(REQUEST_ID_HEADER) ?? ''
  const envelope: ErrorEnvelope = {error: {code, message}, meta: {requestId, instance}}
  sendJson(ex, status, envelope)
}

export function secretMatches(ex: ServerExchange, secret: string | undefined): boolean {
  const given = ex.header(GATEWAY_HEADERS.secret)
  if (secret === undefined || given === undefined) return false
  const a = Buffer.from(given)
  const b = Buffer.from(secret)
  return a.length === b.length && timingSafeEqual(a, b)
}

export async function readJsonBody(ex: ServerExchange): Promise<unknown> {
  return JSON.parse((await ex.readBody(MAX_BODY_BYTES)).toString('utf8'))
}

/** Validates a BackendMembership body; returns the specs or a message saying what to fix. */
export function parseMembership(body: unknown): {specs: BackendSpec[]} | {error: string} {
  const parsed = membershipSchema.safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return {error: `${issue.path.join('.') || 'body'}: ${issue.message}`}
  }
  return {specs: parsed.data.backends.map((b) => ({name: b.name, host: b.host, port: b.port, weight: b.weight ?? 1}))}
}
