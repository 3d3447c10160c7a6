import type {DataEnvelope, ErrorEnvelope} from '../../contracts/http.js'
import {REQUEST_ID_HEADER} from '../../contracts/identity.js'
import type {ServerExchange} from '../shared/http1/server.js'

/** Error codes the gateway itself answers with (the `error.code` of the envelope). */
export type GatewayErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  | 'payload_too_large'
  | 'bad_request'
  | 'not_found'
  | 'auth_unavailable'
  | 'upstream_unreachable'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'overloaded'
  | 'internal'

export interface ResponseContext {
  requestId: string
  instance: string
}

export function sendJson(ex: ServerExchange, status: number, body: unknown, headers: Record<string, string | number> = {}): void {
  headers['content-type'] = 'application/json; charset=utf-8'
  ex.respond(status, headers, JSON.stringify(body))
}

export function sendData<T>(ex: ServerExchange, ctx: ResponseContext, data: T, headers: Record<string, string | number> = {}): void {
  const body: DataEnvelope<T> = {data, meta: {requestId: ctx.requestId, instance: ctx.instance}}
  sendJson(ex, 200, body, {...headers, [REQUEST_ID_HEADER]: ctx.requestId})
}

export function sendError(
  ex: ServerExchange,
  ctx: ResponseContext,
  status: number,
  code: GatewayErrorCode,
  message: string,
  headers: Record<string, string | number> = {},
): void {
  if (ex.headSent) {
    ex.destroy()
    return
  }
  const body: ErrorEnvelope = {error: {code, message}, meta: {requestId: ctx.requestId, instance: ctx.instance}}
  sendJson(ex, status, body, {...headers, [REQUEST_ID_HEADER]: ctx.requestId})
}
