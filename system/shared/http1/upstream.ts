import {STATUS_CODES} from 'node:http'
import net from 'node:net'
import {mayBeOneOf, nameLengths} from './field-names.js'
import {ChunkedFramer, DEFAULT_HEAD_LIMITS, findHeadEnd, HttpParseError, parseResponseHead, type ResponseHead} from './parser.js'
import type {BodySink, ServerExchange} from './server.js'

/** Why an attempt failed; the proxy maps these to retries and to 502 / 504. */
export type UpstreamFailure =
  | 'connect' // the connection could not be made (refused, unreachable)
  | 'connect_timeout'
  | 'headers_timeout' // no complete response head in time
  | 'body_timeout' // the response body stalled
  | 'reset' // the connection closed or failed mid-exchange
  | 'invalid_response' // the upstream broke HTTP/1.1
  | 'closed' // the pool was closed
  | 'client_gone' // our own abort: the client went away
  | 'request_body' // the client's request body broke a rule (framing, size limit)
  | 'overloaded' // shed: every connection busy and the wait queue full, or waited too long for one

export class UpstreamError extends Error {
  constructor(
    readonly kind: UpstreamFailure,
    message: string,
    /** The request body error (status 400 / 413) when kind is request_body. */
    readonly bodyError?: HttpParseError,
  ) {
    super(message)
  }

  get timedOut(): boolean {
    return this.kind === 'connect_timeout' || this.kind === 'headers_timeout' || this.kind === 'body_timeout'
  }
}

/** What the relay tells the proxy about one attempt. */
export interface AttemptHooks {
  /** The upstream's final response head arrived (before it is relayed). */
  onResponseHead(head: ResponseHead): void
  /** The response went out complete. */
  onComplete(): void
  /** The attempt failed; the attempt's flags say how far it got. */
  onError(err: UpstreamError): void
}

// Response fields that belong to one connection (RFC 9110 §7.6.1) and never cross the proxy.
const HOP_BY_HOP_RESPONSE = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'te', 'trailer', 'upgrade'])
/** Response field names the head rewrite looks at by itself (before the attempt's replaced ones). */
const REWRITTEN_RESPONSE = nameLengths([...HOP_BY_HOP_RESPONSE, 'transfer-encoding', 'content-length'])

/**
 * One try of a request on one upstream connection: the rewritten request head, the client's
 * exchange (body source, response sink), and what the client's response head gets added.
 */
export class ProxyAttempt {
  /** The request was written to a connected socket (the backend was reached). */
  reached = false
  /** A byte of the response went to the client: no retry, no error response any more. */
  responseStarted = false
  /** Response status (0 until the head arrived). */
  status = 0
  settled = false
  /** @internal the connection or pool slot serving it. */
  connection: UpstreamConnection | null = null
  /** @internal waiting in the pool's queue. */
  queued = false
  /** @internal when it joined the queue (performance.now()). */
  queuedAt = 0

  constructor(
    readonly exchange: ServerExchange,
    /** Request line, fields and the empty line, as the upstream gets them. */
    readonly requestHead: string,
    readonly hooks: AttemptHooks,
    /** Field lines ("name: value\r\n") appended to the client's response head. */
    readonly extraResponseHeaders = '',
    /** Lowercase names of upstream response fields dropped because the extra ones replace them. */
    readonly replacedResponseHeaders: ReadonlySet<string> | null = null,
  ) {
    this.replacedLengths = replacedResponseHeaders === null ? null : lengthsOf(replacedResponseHeaders)
  }

  private readonly replacedLengths: Uint8Array | null

  /** The upstream response's head as the client gets it. */
  clientHead(head: ResponseHead, dechunk: boolean, close: boolean): string {
    let out = head.statusLine.charCodeAt(7) === 0x31 ? head.statusLine : `HTTP/1.1${head.statusLine.slice(8)}`
    out += '\r\n'
    const h = head.headers
    const tokens = head.connectionTokens
    const replaced = this.replacedResponseHeaders
    const replacedLengths = this.replacedLengths
    for (let i = 0; i < h.length; i += 2) {
      const name = h[i]
      if (tokens === null && !mayBeOneOf(REWRITTEN_RESPONSE, name) && (replacedLengths === null || !mayBeOneOf(replacedLengths, name))) {
        out += `${name}: ${h[i + 1]}\r\n`
        continue
      }
      const lower = name.toLowerCase()
      if (HOP_BY_HOP_RESPONSE.has(lower)) continue
      if (lower === 'transfer-encoding' && dechunk) continue
      // Transfer-Encoding overrides Content-Length; a proxy must not pass both (RFC 9112 §6.3).
      if (lower === 'content-length' && head.hasTransferEncoding) continue
      if (tokens !== null && tokens.includes(lower)) continue
      if (replaced !== null && replaced.has(lower)) continue
      out += `${name}: ${h[i + 1]}\r\n`
    }
    out += this.extraResponseHeaders
    if (close) out += 'connection: close\r\n'
    return out + '\r\n'
  }

  /** @internal */
  fail(err: UpstreamError): void {
    if (this.settled) return
    this.settled = true
    this.exchange.releaseBody()
    this.exchange.onClientGone = null
    this.exchange.onDrain = null
    this.hooks.onError(err)
  }

  /** @internal */
  complete(): void {
    if (this.settled) return
    this.settled = true
    this.exchange.onClientGone = null
    this.exchange.onDrain = null
    this.hooks.onComplete()
  }
}

export interface UpstreamPoolOptions {
  host: string
  port: number
  /** Most connections open at once; further attempts wait in order. */
  maxConnections: number
  connectTimeoutMs: number
  /** From the request being written until the whole response head is in. */
  headersTimeoutMs: number
  /** Longest gap between response body bytes. */
  bodyTimeoutMs: number
  /** An idle connection closes after this long (or sooner when the upstream's Keep-Alive says so). */
  keepAliveMs: number
  /** Load shedding: attempts that may wait for a connection at once (default: no bound). */
  maxQueued?: number
  /** Load shedding: longest wait for a connection before the attempt fails as overloaded (default: no bound). */
  queueTimeoutMs?: number
}

/**
 * Keep-alive connections to one upstream over raw sockets, one request at a time each. Every wait
 * has a bound (connect, response head, gap between body bytes), checked by one sweep timer per
 * pool rather than a timer per request.
 */
export class UpstreamPool {
  private readonly idle: UpstreamConnection[] = []
  private readonly waiting: ProxyAttempt[] = []
  /** Connections open or opening (idle ones included). */
  size = 0
  private readonly busy = new Set<UpstreamConnection>()
  private closing = false
  private readonly sweep: NodeJS.Timeout
  private readonly drained: Array<() => void> = []

  constructor(readonly options: UpstreamPoolOptions) {
    const shortest = Math.min(options.connectTimeoutMs, options.headersTimeoutMs, options.bodyTimeoutMs, options.keepAliveMs)
    this.sweep = setInterval(() => this.expire(), Math.max(10, Math.min(250, shortest / 4)))
    this.sweep.unref()
  }

  /** Connections currently serving a request. */
  get active(): number {
    return this.busy.size
  }

  /** Sends the attempt on an idle connection, a new one, or (at the limit) when one frees up. */
  dispatch(attempt: ProxyAttempt): void {
    if (this.closing) return attempt.fail(new UpstreamError('closed', 'the upstream pool is closed'))
    attempt.exchange.onClientGone = () => this.abandon(attempt)
    let idle = this.idle.pop()
    while (idle !== undefined && idle.socket.destroyed) idle = this.idle.pop()
    if (idle !== undefined) return this.assign(idle, attempt)
    if (this.size < this.options.maxConnections) {
      const conn = new UpstreamConnection(this)
      this.size++
      this.busy.add(conn)
      conn.pendingAttempt = attempt
      attempt.connection = conn
      return
    }
    // Shed instead of queueing without end: past the bound a fast 503 beats a slow timeout.
    if (this.waiting.length >= (this.options.maxQueued ?? Infinity)) {
      return attempt.fail(new UpstreamError('overloaded', `all ${this.options.maxConnections} upstream connections are busy and ${this.waiting.length} requests wait`))
    }
    attempt.queued = true
    attempt.queuedAt = performance.now()
    this.waiting.push(attempt)
  }

  /** Stops accepting attempts; idle connections close now, busy ones when their response is done. */
  close(): Promise<void> {
    this.closing = true
    clearInterval(this.sweep)
    for (const conn of this.idle.splice(0)) conn.socket.destroy()
    for (const a of this.waiting.splice(0)) a.fail(new UpstreamError('closed', 'the upstream pool is closed'))
    if (this.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.drained.push(resolve))
  }

  /** Closes everything now; attempts in progress fail. */
  destroy(): Promise<void> {
    const closed = this.close()
    for (const conn of [...this.busy]) conn.socket.destroy()
    return closed
  }

  private assign(conn: UpstreamConnection, attempt: ProxyAttempt): void {
    this.busy.add(conn)
    attempt.connection = conn
    conn.send(attempt)
  }

  /** @internal a new connection is up. */
  connected(conn: UpstreamConnection): void {
    const attempt = conn.pendingAttempt
    conn.pendingAttempt = null
    if (attempt === null || attempt.settled) return this.release(conn, true)
    conn.send(attempt)
  }

  /** @internal the connection finished its exchange; reuse it or close it. */
  release(conn: UpstreamConnection, reusable: boolean): void {
    this.busy.delete(conn)
    if (!reusable || this.closing) {
      conn.socket.destroy()
      return
    }
    while (this.waiting.length > 0) {
      const next = this.waiting.shift()!
      next.queued = false
      if (next.settled) continue
      return this.assign(conn, next)
    }
    conn.idleSince = performance.now()
    this.idle.push(conn)
  }

  /** @internal the socket closed (whatever the reason). */
  closed(conn: UpstreamConnection): void {
    this.size--
    this.busy.delete(conn)
    const i = this.idle.indexOf(conn)
    if (i !== -1) this.idle.splice(i, 1)
    if (this.closing && this.size === 0) for (const resolve of this.drained.splice(0)) resolve()
    // A slot freed up: a waiting attempt gets a new connection.
    if (!this.closing && this.waiting.length > 0 && this.size < this.options.maxConnections) {
      const next = this.waiting.shift()!
      next.queued = false
      if (!next.settled) this.dispatch(next)
    }
  }

  /** The client went away: drop the attempt from the queue, or cut its connection. */
  private abandon(attempt: ProxyAttempt): void {
    if (attempt.queued) {
      const i = this.waiting.indexOf(attempt)
      if (i !== -1) this.waiting.splice(i, 1)
      attempt.queued = false
    }
    const conn = attempt.connection
    if (conn !== null && conn.pendingAttempt === attempt) conn.pendingAttempt = null
    else if (conn !== null && conn.attempt === attempt) conn.socket.destroy()
    attempt.fail(new UpstreamError('client_gone', 'the client closed the connection'))
  }

  private expire(): void {
    const now = performance.now()
    const o = this.options
    for (const conn of this.busy) conn.expire(now, o)
    // The queue is in arrival order: the oldest waiters are at its head.
    const wait = o.queueTimeoutMs ?? Infinity
    while (this.waiting.length > 0 && now - this.waiting[0].queuedAt > wait) {
      const shed = this.waiting.shift()!
      shed.queued = false
      shed.fail(new UpstreamError('overloaded', `no upstream connection became free within ${wait} ms`))
    }
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const conn = this.idle[i]
      if (now - conn.idleSince > conn.keepAliveMs) {
        this.idle.splice(i, 1)
        conn.socket.destroy()
      }
    }
  }
}

const PHASE_CONNECTING = 0
const PHASE_IDLE = 1
const PHASE_HEAD = 2
const PHASE_BODY = 3

/** One raw socket to the upstream, relaying one exchange at a time. */
class UpstreamConnection implements BodySink {
  readonly socket: net.Socket
  attempt: ProxyAttempt | null = null
  /** The attempt a connecting socket will carry once connected. */
  pendingAttempt: ProxyAttempt | null = null
  private phase = PHASE_CONNECTING
  private readonly startedAt = performance.now()
  private lastActivity = this.startedAt
  private sentAt = 0
  idleSince = 0
  keepAliveMs: number
  private pending: Buffer | null = null
  private framer: ChunkedFramer | null = null
  private remaining = 0
  private untilClose = false
  private dechunk = false
  private reusable = false
  private requestDone = false
  private method = ''
  private readonly dataRelay = (b: Buffer, s: number, e: number) => {
    this.attempt!.exchange.write(copyOf(b, s, e))
  }

  constructor(private readonly pool: UpstreamPool) {
    this.keepAliveMs = pool.options.keepAliveMs
    // Reads land in one shared buffer (no allocation and no stream plumbing per read); whatever
    // outlives the callback is copied out of it.
    const socket = net.connect({
      host: pool.options.host,
      port: pool.options.port,
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (n: number, buf: Uint8Array) => {
          this.onData((buf as Buffer).subarray(0, n))
          return true // pausing, when needed, is done by onData itself
        },
      },
    })
    this.socket = socket
    socket.on('connect', () => {
      this.phase = PHASE_IDLE
      this.pool.connected(this)
    })
    socket.on('drain', () => this.attempt?.exchange.resumeBody())
    socket.on('error', (err: Error & {code?: string}) => this.onClosed(err))
    socket.on('close', () => {
      this.onClosed(undefined)
      this.pool.closed(this)
    })
  }

  send(attempt: ProxyAttempt): void {
    this.attempt = attempt
    this.phase = PHASE_HEAD
    this.sentAt = this.lastActivity = performance.now()
    this.pending = null
    this.framer = null
    this.untilClose = false
    this.reusable = false
    this.method = attempt.exchange.method
    attempt.reached = true
    const ex = attempt.exchange
    ex.onDrain = () => this.socket.resume()
    if (!ex.hasBody) {
      this.requestDone = true
      this.socket.write(attempt.requestHead, 'latin1')
      return
    }
    // The head and whatever body is already here leave in one write; the rest streams after.
    this.requestDone = false
    this.socket.cork()
    this.socket.write(attempt.requestHead, 'latin1')
    ex.takeBody(this)
    this.socket.uncork()
  }

  // ----- BodySink: the client's request body, framed bytes as sent -----

  bodyChunk(chunk: Buffer): boolean {
    return this.socket.write(chunk)
  }

  bodyEnd(): void {
    this.requestDone = true
  }

  bodyError(err: HttpParseError): void {
    const attempt = this.attempt
    if (attempt !== null) this.abort(attempt, new UpstreamError('request_body', err.message, err))
  }

  /** Ends the attempt with an error and drops the connection (its state is unknown). */
  private abort(attempt: ProxyAttempt, err: UpstreamError): void {
    this.attempt = null
    this.phase = PHASE_IDLE
    this.socket.destroy()
    attempt.fail(err)
  }

  // ----- the response -----

  private onData(chunk: Buffer): void {
    const attempt = this.attempt
    if (attempt === null || attempt.settled) {
      // Bytes nobody asked for: the connection is out of step.
      this.socket.destroy()
      return
    }
    this.lastActivity = performance.now()
    try {
      if (this.phase === PHASE_HEAD) this.onHeadBytes(attempt, chunk)
      else this.onBodyBytes(attempt, chunk, 0)
    } catch (err) {
      if (!(err instanceof HttpParseError)) throw err
      this.abort(attempt, new UpstreamError('invalid_response', `invalid response from the upstream: ${err.message}`))
    }
  }

  private onHeadBytes(attempt: ProxyAttempt, chunk: Buffer): void {
    let buf = this.pending === null ? chunk : Buffer.concat([this.pending, chunk])
    let start = 0
    for (;;) {
      const headEnd = findHeadEnd(buf, start, buf.length, DEFAULT_HEAD_LIMITS)
      if (headEnd === -1) {
        this.pending = this.pending === null ? copyOf(buf, start, buf.length) : buf.subarray(start)
        return
      }
      const head = parseResponseHead(buf, start, headEnd)
      if (head.status >= 200) {
        this.pending = null
        return this.startBody(attempt, head, buf, headEnd)
      }
      // 1xx: an interim response (100 Continue); the final one follows. 101 was never asked for.
      if (head.status === 101) throw new HttpParseError(502, 'unexpected 101 Switching Protocols')
      start = headEnd
      if (start === buf.length) {
        this.pending = null
        return
      }
      buf = buf.subarray(start)
      start = 0
    }
  }

  private startBody(attempt: ProxyAttempt, head: ResponseHead, buf: Buffer, bodyStart: number): void {
    const ex = attempt.exchange
    attempt.status = head.status
    attempt.hooks.onResponseHead(head)
    if (attempt.settled) return
    const noBody = this.method === 'HEAD' || head.status === 204 || head.status === 304
    this.framer = null
    this.remaining = 0
    this.untilClose = false
    if (!noBody) {
      if (head.chunked) this.framer = new ChunkedFramer(502)
      else if (head.hasTransferEncoding || head.contentLength === -1) this.untilClose = true
      else this.remaining = head.contentLength
    }
    this.reusable = head.keepAlive && !this.untilClose
    if (head.keepAliveTimeoutSec > 0) this.keepAliveMs = Math.min(this.pool.options.keepAliveMs, head.keepAliveTimeoutSec * 1000 - 1000)
    // An HTTP/1.0 client cannot read chunks: it gets the data, and the connection's end marks the end.
    this.dechunk = this.framer !== null && ex.head.minor === 0
    const close = ex.closeAfter || this.untilClose || this.dechunk || !ex.bodyComplete
    const clientHead = attempt.clientHead(head, this.dechunk, close)
    this.phase = PHASE_BODY
    attempt.responseStarted = true
    ex.status = head.status
    if (noBody) {
      ex.writeHead(clientHead)
      if (bodyStart < buf.length) this.reusable = false
      return this.finish(attempt, close)
    }
    // The head and the body bytes that came with it go out in one write.
    if (this.framer === null && !this.untilClose) {
      const end = Math.min(buf.length, bodyStart + this.remaining)
      this.remaining -= end - bodyStart
      if (!ex.writeHead(clientHead, buf, bodyStart, end)) this.socket.pause()
      if (end < buf.length) this.reusable = false // more than one response: out of step
      if (this.remaining === 0) this.finish(attempt, close)
      return
    }
    if (this.dechunk) {
      ex.writeHead(clientHead)
      return this.onBodyBytes(attempt, buf, bodyStart)
    }
    if (this.untilClose) {
      if (!ex.writeHead(clientHead, buf, bodyStart, buf.length)) this.socket.pause()
      return
    }
    const at = this.framer!.feed(buf, bodyStart, buf.length)
    const end = at === -1 ? buf.length : at
    if (!ex.writeHead(clientHead, buf, bodyStart, end)) this.socket.pause()
    if (at !== -1) {
      if (at < buf.length) this.reusable = false
      this.finish(attempt, close)
    }
  }

  private onBodyBytes(attempt: ProxyAttempt, buf: Buffer, start: number): void {
    const ex = attempt.exchange
    if (this.untilClose) {
      if (!ex.write(copyOf(buf, start, buf.length))) this.socket.pause()
      return
    }
    let end: number
    let complete: boolean
    if (this.framer !== null) {
      const at = this.framer.feed(buf, start, buf.length, this.dechunk ? this.dataRelay : undefined)
      complete = at !== -1
      end = complete ? at : buf.length
      if (!this.dechunk && end > start && !ex.write(copyOf(buf, start, end))) this.socket.pause()
    } else {
      end = Math.min(buf.length, start + this.remaining)
      this.remaining -= end - start
      complete = this.remaining === 0
      if (end > start && !ex.write(copyOf(buf, start, end))) this.socket.pause()
    }
    if (complete) {
      if (end < buf.length) this.reusable = false
      this.finish(attempt, ex.closeAfter || this.dechunk || !ex.bodyComplete)
    }
  }

  private finish(attempt: ProxyAttempt, close: boolean): void {
    const ex = attempt.exchange
    this.attempt = null
    this.phase = PHASE_IDLE
    // Still paused for the client's sake: the next request reads afresh.
    this.socket.resume()
    const reusable = this.reusable && this.requestDone
    attempt.complete()
    this.pool.release(this, reusable)
    ex.end(close)
  }

  private onClosed(err: (Error & {code?: string}) | undefined): void {
    if (this.phase === PHASE_CONNECTING) {
      const attempt = this.pendingAttempt
      this.pendingAttempt = null
      this.phase = PHASE_IDLE
      attempt?.fail(new UpstreamError('connect', `cannot connect to ${this.pool.options.host}:${this.pool.options.port} (${err?.code ?? 'closed'})`))
      return
    }
    const attempt = this.attempt
    if (attempt === null) return
    this.attempt = null
    if (this.phase === PHASE_BODY && this.untilClose && err === undefined) {
      // A close-delimited body ends here.
      this.phase = PHASE_IDLE
      attempt.complete()
      attempt.exchange.end(true)
      return
    }
    this.phase = PHASE_IDLE
    attempt.fail(new UpstreamError('reset', `the upstream connection closed mid-exchange (${err?.code ?? 'closed'})`))
  }

  /** @internal the pool's sweep: enforce this connection's current deadline. */
  expire(now: number, o: UpstreamPoolOptions): void {
    if (this.phase === PHASE_CONNECTING) {
      if (now - this.startedAt > o.connectTimeoutMs) {
        const attempt = this.pendingAttempt
        this.pendingAttempt = null
        this.phase = PHASE_IDLE
        this.socket.destroy()
        attempt?.fail(new UpstreamError('connect_timeout', `no connection to ${o.host}:${o.port} within ${o.connectTimeoutMs} ms`))
      }
      return
    }
    const attempt = this.attempt
    if (attempt === null) return
    let kind: UpstreamFailure | null = null
    if (this.phase === PHASE_HEAD && now - this.sentAt > o.headersTimeoutMs) kind = 'headers_timeout'
    else if (this.phase === PHASE_BODY && now - this.lastActivity > o.bodyTimeoutMs && !this.socket.isPaused()) kind = 'body_timeout'
    if (kind === null) return
    this.abort(attempt, new UpstreamError(kind, kind === 'headers_timeout' ? `no response within ${o.headersTimeoutMs} ms` : `the response stalled for ${o.bodyTimeoutMs} ms`))
  }
}

/** Where every upstream socket reads into (see UpstreamConnection); never kept past a read callback. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024)

/** A copy of buf[start..end] that may outlive the shared read buffer. */
function copyOf(buf: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start)
  buf.copy(out, 0, start, end)
  return out
}

/** Length tables of replaced-field sets, made once per set (the gateway passes the same set each time). */
const lengthTables = new WeakMap<ReadonlySet<string>, Uint8Array>()
function lengthsOf(names: ReadonlySet<string>): Uint8Array {
  let table = lengthTables.get(names)
  if (table === undefined) lengthTables.set(names, (table = nameLengths(names)))
  return table
}

/** The status line for a response the proxy makes itself. */
export function statusLine(status: number): string {
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}`
}
