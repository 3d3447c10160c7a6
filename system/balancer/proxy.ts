import {randomUUID} from 'node:crypto'
import type {ErrorEnvelope} from '../../contracts/http.js'
import {REQUEST_ID_HEADER} from '../../contracts/identity.js'
import {mayBeOneOf, nameLengths} from '../shared/http1/field-names.js'
import type {ResponseHead} from '../shared/http1/parser.js'
import type {ServerExchange} from '../shared/http1/server.js'
import {ProxyAttempt, type AttemptHooks, type UpstreamError} from '../shared/http1/upstream.js'
import type {Backend} from './backend.js'
import type {Fleet} from './fleet.js'
import type {OutlierDetector} from './outlier-detector.js'
import type {LeastRequestPicker} from './picker.js'
import type {RetryBudget} from './retry-budget.js'

/** Methods safe to send twice (RFC 9110 idempotent methods the lab uses). */
const IDEMPOTENT: Readonly<Record<string, true>> = {GET: true, HEAD: true, PUT: true, DELETE: true, OPTIONS: true}

/**
 * Request fields that belong to one connection, plus `expect` (this hop has answered it).
 * Transfer-Encoding stays: a chunked body is relayed as the client framed it.
 */
const HOP_BY_HOP_REQUEST: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'upgrade', 'expect'])
/** Every request field name the head rewrite looks at. */
const REWRITTEN = nameLengths([...HOP_BY_HOP_REQUEST, 'x-forwarded-for', REQUEST_ID_HEADER, 'host'])

export type RetryReason = 'connect_failure' | 'reset' | 'timeout' | 'budget_exhausted'

export interface ProxyMetrics {
  retry(reason: RetryReason): void
  overloaded(): void
}

export interface ProxyOptions {
  fleet: Fleet
  picker: LeastRequestPicker
  outlier: OutlierDetector
  budget: RetryBudget
  metrics: ProxyMetrics
  instanceId: string
  /** Seconds a client is told to wait when every backend is at its in-flight limit. */
  retryAfterSeconds: number
}

/** Called once per client request with the status it got (for the shared HTTP metrics). */
export type ExchangeDone = (status: number) => void

/**
 * Forwards one client request to a backend over the lean relay (shared/http1) and streams the
 * response back. A request that never reached a backend, or an idempotent one that failed before
 * a byte went back to the client, is retried once on another backend if the retry budget allows.
 */
class BalancedRequest implements AttemptHooks {
  backend: Backend | null = null
  private attempt: ProxyAttempt | null = null
  private isRetry = false
  private requestId = ''
  /** The upstream head without its final CRLF (a Host line may still be added per backend). */
  private head = ''
  private hasHost = false

  constructor(
    private readonly proxy: ProxyOptions,
    private readonly ex: ServerExchange,
    private readonly done: ExchangeDone,
  ) {}

  /**
   * Builds the upstream head once from the client's: drops hop-by-hop fields (and those the
   * Connection header names), appends the client to X-Forwarded-For, keeps or creates X-Request-Id.
   */
  private prepareHead(): void {
    const h = this.ex.head.headers
    const tokens = this.ex.head.connectionTokens
    let out = `${this.ex.method} ${this.ex.target} HTTP/1.1\r\n`
    let requestId: string | undefined
    let forwardedFor: string | undefined
    for (let i = 0; i < h.length; i += 2) {
      const name = h[i]
      const value = h[i + 1]
      if (tokens === null && !mayBeOneOf(REWRITTEN, name)) {
        out += `${name}: ${value}\r\n`
        continue
      }
      const lower = name.toLowerCase()
      if (HOP_BY_HOP_REQUEST.has(lower)) continue
      if (tokens !== null && tokens.includes(lower)) continue
      if (lower === 'x-forwarded-for') {
        forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`
        continue
      }
      if (lower === REQUEST_ID_HEADER) {
        if (value === '') continue // replaced by a generated one below
        requestId = value
      } else if (lower === 'host') this.hasHost = true
      out += `${name}: ${value}\r\n`
    }
    const client = this.ex.remoteAddress
    out += `x-forwarded-for: ${forwardedFor === undefined ? client : `${forwardedFor}, ${client}`}\r\n`
    if (requestId === undefined) {
      requestId = randomUUID()
      out += `${REQUEST_ID_HEADER}: ${requestId}\r\n`
    }
    this.requestId = requestId
    this.head = out
  }

  start(): void {
    const {fleet, picker} = this.proxy
    this.prepareHead()
    // Only origin-form (/path?query) is forwarded: asterisk- and absolute-form are not for backends.
    if (this.ex.target.charCodeAt(0) !== 0x2f) return this.fail(400, 'bad_request', 'The request cannot be forwarded: only origin-form targets (/path) are.')
    if (fleet.all.length === 0) return this.fail(503, 'no_backends', 'The balancer has no backends; add some with PUT /lb/backends or BACKENDS.')
    const backend = picker.pick(fleet.candidates, null)
    if (backend === null) {
      this.proxy.metrics.overloaded()
      return this.fail(503, 'overloaded', 'Every backend is at its in-flight limit; retry after the time in Retry-After.', true)
    }
    this.send(backend)
  }

  private send(backend: Backend): void {
    this.backend = backend
    backend.inFlight++
    backend.requests++
    this.proxy.budget.active++
    const head = this.hasHost ? `${this.head}\r\n` : `${this.head}host: ${backend.address}\r\n\r\n`
    this.attempt = new ProxyAttempt(this.ex, head, this)
    backend.pool!.dispatch(this.attempt)
  }

  onResponseHead(head: ResponseHead): void {
    const backend = this.backend!
    if (head.status >= 500) this.proxy.outlier.failure(backend, false, this.proxy.fleet.all)
    else this.proxy.outlier.success(backend)
  }

  onComplete(): void {
    this.attemptEnded()
    this.backend!.okCount++
    this.done(this.attempt!.status)
  }

  onError(err: UpstreamError): void {
    const backend = this.backend!
    const attempt = this.attempt!
    this.attemptEnded()
    if (err.kind === 'client_gone') {
      // Our own abort: says nothing about the backend.
      this.done(499)
      return
    }
    if (err.kind === 'request_body') {
      // The client's body broke the framing rules; says nothing about the backend.
      const status = err.bodyError?.status ?? 400
      return this.fail(status, status === 413 ? 'payload_too_large' : 'bad_request', `The request body cannot be forwarded: ${err.message}.`)
    }
    if (err.kind === 'closed') return this.fail(503, 'upstream_unavailable', `Backend ${backend.name} left the fleet; retry.`)
    const timedOut = err.timedOut
    if (timedOut) backend.timeoutCount++
    else backend.errorCount++
    this.proxy.outlier.failure(backend, true, this.proxy.fleet.all)

    if (attempt.responseStarted) {
      // Part of the response is out: the only honest signal left is a cut connection.
      this.ex.destroy()
      this.done(attempt.status)
      return
    }
    if (this.retryable(attempt)) {
      const next = this.proxy.picker.pick(this.proxy.fleet.candidates, backend)
      if (next !== null) {
        if (this.proxy.budget.tryAcquire()) {
          this.proxy.metrics.retry(!attempt.reached ? 'connect_failure' : timedOut ? 'timeout' : 'reset')
          this.isRetry = true
          this.send(next)
          return
        }
        this.proxy.metrics.retry('budget_exhausted')
      }
    }
    if (timedOut) this.fail(504, 'upstream_timeout', `Backend ${backend.name} did not answer in time; retry later.`)
    else this.fail(502, 'upstream_unavailable', `Backend ${backend.name} could not be reached (${err.kind}); retry later.`)
  }

  private retryable(attempt: ProxyAttempt): boolean {
    if (this.isRetry) return false
    // A body already (partly) sent cannot be sent again.
    if (this.ex.bodyBytesTaken > 0) return false
    return !attempt.reached || IDEMPOTENT[this.ex.method] === true
  }

  private attemptEnded(): void {
    this.backend!.inFlight--
    this.proxy.budget.active--
    if (this.isRetry) this.proxy.budget.release()
  }

  private fail(status: number, code: string, message: string, retryAfter = false): void {
    const ex = this.ex
    if (!ex.headSent && !ex.gone) {
      const envelope: ErrorEnvelope = {error: {code, message}, meta: {requestId: this.requestId, instance: this.proxy.instanceId}}
      const headers: Record<string, string> = {'content-type': 'application/json; charset=utf-8', [REQUEST_ID_HEADER]: this.requestId}
      if (retryAfter) headers['retry-after'] = String(this.proxy.retryAfterSeconds)
      ex.respond(status, headers, JSON.stringify(envelope))
    }
    this.done(status)
  }
}

/** The request handler for everything the balancer does not answer itself. */
export function createProxyHandler(options: ProxyOptions): (ex: ServerExchange, done: ExchangeDone) => void {
  return (ex, done) => new BalancedRequest(options, ex, done).start()
}
