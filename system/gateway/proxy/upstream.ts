import {Pool} from 'undici'
import {mayBeOneOf, nameLengths} from '../../shared/http1/field-names.js'
import type {ResponseHead} from '../../shared/http1/parser.js'
import type {ServerExchange} from '../../shared/http1/server.js'
import {ProxyAttempt, UpstreamPool, type UpstreamError} from '../../shared/http1/upstream.js'

// Connection-level headers belong to one hop and are never forwarded (RFC 9110 §7.6.1); `expect`
// is answered by this hop, and `host` is the upstream's own. Transfer-Encoding stays: a chunked
// body is relayed as the client framed it.
const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'upgrade', 'expect', 'host'])

/** Headers the gateway sets itself; a client's copies are dropped. */
const GATEWAY_SET: ReadonlySet<string> = new Set(['x-request-id', 'x-forwarded-for'])
const SCALELAB_PREFIX = 'x-scalelab-'
/** Every request field name the head rewrite looks at by exact name (x-scalelab-* is checked by prefix). */
const REWRITTEN = nameLengths([...HOP_BY_HOP, ...GATEWAY_SET])

/** The response fields the gateway adds (rate-limit fields, request id): the upstream's copies are dropped. */
const GATEWAY_RESPONSE_FIELDS: ReadonlySet<string> = new Set(['ratelimit-policy', 'ratelimit', 'retry-after', 'x-request-id'])

export interface UpstreamOptions {
  url: string
  connections: number
  timeoutMs: number
  connectTimeoutMs: number
  /** Load shedding: requests that may wait for an upstream connection, and for how long. */
  maxQueued: number
  queueTimeoutMs: number
}

export interface ForwardRequest {
  exchange: ServerExchange
  /** Extra request headers (identity, request id) as flat name/value pairs. */
  headers: readonly string[]
  /** Added to the response (request id, rate-limit fields), replacing the upstream's copies. */
  responseHeaders: Record<string, string>
  /** Byte limit for bodies without a Content-Length (those with one were checked already). */
  bodyLimit: number
  /** Called instead of responding when the upstream could not produce a response. */
  onError(failure: UpstreamFailureResponse): void
}

export interface UpstreamFailureResponse {
  status: 413 | 400 | 502 | 503 | 504
  code: 'payload_too_large' | 'bad_request' | 'upstream_unreachable' | 'upstream_unavailable' | 'upstream_timeout' | 'overloaded'
  message: string
}

export interface Upstream {
  readonly origin: string
  forward(request: ForwardRequest): void
  /** A small JSON call to the upstream itself (readiness, balancer status); never throws for a non-2xx. */
  getJson(path: string, headers: Record<string, string>, timeoutMs: number): Promise<{status: number; body: unknown}>
  close(): Promise<void>
}

/**
 * The upstream (the balancer): proxied requests go over the lean relay's keep-alive pool of raw
 * sockets (shared/http1), bodies streaming both ways as framed; the gateway's own small JSON calls
 * (readiness, admin views) use an undici pool, where convenience matters more than microseconds.
 */
export function createUpstream(options: UpstreamOptions): Upstream {
  const url = new URL(options.url)
  if (url.protocol !== 'http:') throw new Error(`UPSTREAM_URL must be http:// (the balancer), got ${options.url}`)
  const port = Number(url.port || 80)
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  const hostHeader = `host: ${url.host}\r\n`
  const relay = new UpstreamPool({
    host,
    port,
    maxConnections: options.connections,
    connectTimeoutMs: options.connectTimeoutMs,
    headersTimeoutMs: options.timeoutMs,
    bodyTimeoutMs: options.timeoutMs,
    keepAliveMs: 4_000,
    maxQueued: options.maxQueued,
    queueTimeoutMs: options.queueTimeoutMs,
  })
  const json = new Pool(options.url, {connections: 4, pipelining: 1, connect: {timeout: options.connectTimeoutMs}, keepAliveTimeout: 4_000})

  return {
    origin: options.url,
    forward({exchange, headers, responseHeaders, bodyLimit, onError}) {
      exchange.bodyLimit = bodyLimit
      let extra = ''
      let replaced = GATEWAY_RESPONSE_FIELDS
      for (const name in responseHeaders) {
        extra += `${name}: ${responseHeaders[name]}\r\n`
        const lower = name.toLowerCase()
        if (!replaced.has(lower)) replaced = new Set([...replaced, lower])
      }
      const head = forwardedRequestHead(exchange, headers, hostHeader)
      const attempt = new ProxyAttempt(
        exchange,
        head,
        {
          onResponseHead: (_head: ResponseHead) => undefined,
          onComplete: () => undefined,
          onError(err: UpstreamError) {
            if (attempt.responseStarted) return exchange.destroy()
            const failure = classifyUpstreamError(err)
            if (failure !== 'aborted') onError(failure)
          },
        },
        extra,
        replaced,
      )
      relay.dispatch(attempt)
    },
    async getJson(path, headers, timeoutMs) {
      const {statusCode, body} = await json.request({
        path,
        method: 'GET',
        headers: {accept: 'application/json', ...headers},
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      })
      const text = await body.text()
      let parsed: unknown = text
      try {
        parsed = JSON.parse(text)
      } catch {
        // not JSON: hand back the text
      }
      return {status: statusCode, body: parsed}
    },
    async close() {
      await Promise.all([relay.close(), json.close()])
    },
  }
}

/** The upstream request head: the client's fields minus hop-by-hop and gateway-owned ones, plus `extra`. */
export function forwardedRequestHead(ex: ServerExchange, extra: readonly string[], hostLine: string): string {
  const h = ex.head.headers
  const tokens = ex.head.connectionTokens
  let out = `${ex.method} ${ex.target} HTTP/1.1\r\n${hostLine}`
  let forwardedFor: string | undefined
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i]
    // x-scalelab-* (the identity the gateway vouches for) is never taken from a client.
    const scalelab = name.length >= SCALELAB_PREFIX.length && (name.charCodeAt(0) | 0x20) === 0x78 && name.slice(0, SCALELAB_PREFIX.length).toLowerCase() === SCALELAB_PREFIX
    if (scalelab) continue
    if (tokens === null && !mayBeOneOf(REWRITTEN, name)) {
      out += `${name}: ${h[i + 1]}\r\n`
      continue
    }
    const lower = name.toLowerCase()
    if (HOP_BY_HOP.has(lower) || (tokens !== null && tokens.includes(lower))) continue
    if (GATEWAY_SET.has(lower)) {
      if (lower === 'x-forwarded-for') forwardedFor = forwardedFor ? `${forwardedFor}, ${h[i + 1]}` : h[i + 1]
      continue
    }
    out += `${name}: ${h[i + 1]}\r\n`
  }
  const peer = ex.remoteAddress
  out += `x-forwarded-for: ${forwardedFor ? `${forwardedFor}, ${peer}` : peer}\r\n`
  for (let i = 0; i < extra.length; i += 2) out += `${extra[i]}: ${extra[i + 1]}\r\n`
  return out + '\r\n'
}

/** HTTP status and envelope code for an upstream failure ('aborted': the client left, nobody to answer). */
export function classifyUpstreamError(err: UpstreamError): UpstreamFailureResponse | 'aborted' {
  switch (err.kind) {
    case 'client_gone':
      return 'aborted'
    case 'request_body':
      return err.bodyError?.status === 413
        ? {status: 413, code: 'payload_too_large', message: `${err.message}; send a smaller body`}
        : {status: 400, code: 'bad_request', message: `malformed request body: ${err.message}`}
    case 'connect_timeout':
    case 'headers_timeout':
    case 'body_timeout':
      return {status: 504, code: 'upstream_timeout', message: 'the upstream did not answer in time'}
    case 'closed':
      return {status: 503, code: 'upstream_unavailable', message: 'the gateway is shutting down; retry on another instance'}
    case 'overloaded':
      return {status: 503, code: 'overloaded', message: `the gateway is overloaded (${err.message}); retry later`}
    default:
      return {status: 502, code: 'upstream_unreachable', message: 'the upstream could not be reached'}
  }
}
