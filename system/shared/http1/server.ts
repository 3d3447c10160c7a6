import {STATUS_CODES} from 'node:http'
import net from 'node:net'
import {ChunkedFramer, DEFAULT_HEAD_LIMITS, findHeadEnd, HttpParseError, parseRequestHead, type HeadLimits, type RequestHead} from './parser.js'

export interface Http1ServerOptions {
  limits?: HeadLimits
  /** An idle keep-alive connection closes after this long without a new request. */
  keepAliveTimeoutMs: number
  /** A request head must be complete this long after its first byte (slow-loris), else 408. */
  headersTimeoutMs?: number
  /** Request bodies buffered before anyone reads them pause the socket past this many bytes. */
  bodyHighWaterMark?: number
  /** Called once per request, in order; the handler answers with `respond` or relays. */
  onRequest(exchange: ServerExchange): void
}

const DEFAULT_HEADERS_TIMEOUT_MS = 60_000

// The Date field of responses this server makes itself (RFC 9110 §6.6.1), formatted once a second.
let dateValue = ''
let dateUntil = 0
function httpDate(): string {
  const now = Date.now()
  if (now >= dateUntil) {
    dateValue = new Date(now).toUTCString()
    dateUntil = now - (now % 1000) + 1000
  }
  return dateValue
}
const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n'

/**
 * A lean HTTP/1.1 server over `net`: the proxy core of the balancer and the gateway. Requests are
 * parsed strictly (parser.ts) and handed over as `ServerExchange`s, one at a time per connection
 * (pipelined requests wait in the buffer until the response before them is complete). Bodies are
 * kept as the framed bytes the client sent, so a relay forwards them unchanged; responses go out in
 * as few writes as possible. Shaped like node:http's Server where the shutdown code needs it.
 */
export class Http1Server {
  readonly server: net.Server
  readonly limits: HeadLimits
  readonly keepAliveTimeoutMs: number
  readonly headersTimeoutMs: number
  readonly bodyHighWaterMark: number
  readonly onRequest: (exchange: ServerExchange) => void
  /** Responses from now on close their connection (graceful shutdown). */
  draining = false
  private readonly connections = new Set<ServerConnection>()
  private readonly sweep: NodeJS.Timeout

  constructor(options: Http1ServerOptions) {
    this.limits = options.limits ?? DEFAULT_HEAD_LIMITS
    this.keepAliveTimeoutMs = options.keepAliveTimeoutMs
    this.headersTimeoutMs = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS
    this.bodyHighWaterMark = options.bodyHighWaterMark ?? 64 * 1024
    this.onRequest = options.onRequest
    // allowHalfOpen: the end of the client's side is handled below, not by an automatic end.
    this.server = net.createServer({noDelay: true, allowHalfOpen: true}, (socket) => {
      const conn = new ServerConnection(this, socket)
      this.connections.add(conn)
      socket.once('close', () => this.connections.delete(conn))
    })
    // One timer for every connection's idle and head deadlines: no timer per request.
    this.sweep = setInterval(() => this.expire(), Math.max(50, Math.min(1000, this.keepAliveTimeoutMs / 4, this.headersTimeoutMs / 4)))
    this.sweep.unref()
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, host, () => {
        this.server.off('error', reject)
        resolve((this.server.address() as net.AddressInfo).port)
      })
    })
  }

  address(): net.AddressInfo {
    return this.server.address() as net.AddressInfo
  }

  /** Stops accepting; `done` runs once every connection has closed. */
  close(done?: (err?: Error) => void): this {
    clearInterval(this.sweep)
    this.draining = true
    this.server.close(done)
    return this
  }

  /** Closes connections that have no request in progress. */
  closeIdleConnections(): void {
    for (const c of this.connections) if (c.idle()) c.socket.destroy()
  }

  closeAllConnections(): void {
    for (const c of this.connections) c.socket.destroy()
  }

  private expire(): void {
    const now = performance.now()
    for (const c of this.connections) c.expire(now)
    if (this.draining) this.closeIdleConnections()
  }
}

/** One client connection: reads requests in order and holds the one being answered. */
class ServerConnection {
  /** Bytes received and not yet consumed (a partial head, or pipelined requests). */
  private pending: Buffer | null = null
  exchange: ServerExchange | null = null
  private headStartedAt = 0
  private lastActivity = performance.now()
  private closed = false
  private parsing = false
  private again = false
  /** Reading paused because pipelined requests piled up behind the current one. */
  private backlogged = false

  constructor(
    readonly server: Http1Server,
    readonly socket: net.Socket,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('drain', () => this.exchange?.drained())
    socket.on('error', () => undefined) // 'close' follows; the exchange learns there
    socket.on('end', () => {
      // The client closed its side: like node:http, a request still in progress is abandoned.
      const ex = this.exchange
      if (ex === null || ex.done) return void socket.end()
      this.closed = true
      ex.clientClosed()
      socket.destroy()
    })
    socket.on('close', () => {
      this.closed = true
      this.exchange?.clientClosed()
    })
  }

  idle(): boolean {
    return this.exchange === null
  }

  expire(now: number): void {
    if (this.exchange !== null || this.closed) return
    if (this.pending !== null) {
      if (now - this.headStartedAt > this.server.headersTimeoutMs) this.refuse(408, 'request head not received in time')
    } else if (now - this.lastActivity > this.server.keepAliveTimeoutMs) {
      this.socket.destroy()
    }
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return
    const ex = this.exchange
    if (ex !== null && !ex.bodyComplete) {
      const used = ex.receiveBody(chunk, 0)
      if (used < chunk.length) this.keep(chunk.subarray(used))
      return
    }
    this.keep(chunk)
    if (ex === null) this.next()
  }

  private keep(chunk: Buffer): void {
    if (this.pending === null) {
      this.pending = chunk
      this.headStartedAt = performance.now()
    } else {
      this.pending = Buffer.concat([this.pending, chunk])
    }
    if (this.exchange !== null && this.pending.length > this.server.limits.maxHeadBytes * 4 && !this.backlogged) {
      this.backlogged = true
      this.socket.pause()
    }
  }

  /** Parses pending requests while the previous one is already answered (a loop, not recursion). */
  private next(): void {
    if (this.parsing) {
      this.again = true
      return
    }
    this.parsing = true
    try {
      do {
        this.again = false
        this.parseOne()
      } while (this.again && this.exchange === null)
    } finally {
      this.parsing = false
    }
  }

  /** Parses the next request from the pending bytes, if a whole head is there. */
  private parseOne(): void {
    let buf = this.pending
    if (buf === null || this.closed) return
    // A client may send CRLFs between messages (RFC 9112 §2.2): skip them.
    let start = 0
    while (start + 1 < buf.length && buf[start] === 13 && buf[start + 1] === 10) start += 2
    let head: RequestHead
    let headEnd: number
    try {
      headEnd = findHeadEnd(buf, start, buf.length, this.server.limits)
      if (headEnd === -1) {
        if (start > 0) this.pending = buf = buf.subarray(start)
        return
      }
      head = parseRequestHead(buf, start, headEnd, this.server.limits)
    } catch (err) {
      if (err instanceof HttpParseError) return this.refuse(err.status, err.message)
      throw err
    }
    this.pending = null
    const ex = new ServerExchange(this, head)
    this.exchange = ex
    if (head.expectOther) return ex.respond(417, {}, '')
    if (headEnd < buf.length) {
      const used = ex.receiveBody(buf, headEnd)
      if (used < buf.length) {
        this.pending = buf.subarray(used)
        this.headStartedAt = performance.now()
      }
    }
    if (this.closed) return
    if (head.expectContinue && !ex.bodyComplete) this.socket.write(CONTINUE, 'latin1')
    this.server.onRequest(ex)
  }

  /** The exchange's response is out: read the next request or close. */
  finished(ex: ServerExchange, close: boolean): void {
    this.exchange = null
    this.lastActivity = performance.now()
    if (close || !ex.bodyComplete || ex.clientEnded) {
      // Whatever else the client sends (the rest of an unread body) is not read as requests.
      this.closed = true
      this.pending = null
      this.socket.end()
      return
    }
    if (this.backlogged) {
      this.backlogged = false
      this.socket.resume()
    }
    if (this.pending !== null) {
      this.headStartedAt = this.lastActivity
      this.next()
    }
  }

  /** Answers a request the parser refused and closes the connection. */
  refuse(status: number, message: string): void {
    this.pending = null
    if (this.closed) return
    const body = `${message}\n`
    this.socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`, 'latin1')
    this.closed = true
  }
}

/** The relay's side of a request body: raw framed bytes as they arrive, and the end of them. */
export interface BodySink {
  /** Returns false to say "no more for now" (the client socket pauses until `resumeBody`). */
  bodyChunk(chunk: Buffer): boolean
  bodyEnd(): void
  /** The body broke a rule (framing, the size limit): the client connection closes. */
  bodyError(err: HttpParseError): void
}

/**
 * One request and its response. The request body arrives as the client framed it (Content-Length
 * bytes, or chunks verbatim); `takeBody` streams it, `readBody` collects it decoded.
 */
export class ServerExchange {
  readonly head: RequestHead
  /** The whole body is in (or there is none). */
  bodyComplete: boolean
  /** The client half-closed after sending this request. */
  clientEnded = false
  /** Framed body bytes received so far that nobody has taken yet. */
  private queued: Buffer[] | null = null
  private queuedBytes = 0
  private sink: BodySink | null = null
  private bodyFailure: HttpParseError | null = null
  /** Bytes of the body taken by a sink (once >0 a retry cannot resend it). */
  bodyBytesTaken = 0
  private remaining: number
  private readonly framer: ChunkedFramer | null
  /** Longest decoded body accepted before `bodyError` (413); Infinity by default. */
  bodyLimit = Infinity
  private paused = false

  headSent = false
  /** The response status (set by `respond`, or by the relay from the upstream's head). */
  status = 0
  done = false
  gone = false
  /** Called once when the exchange is over: response complete, cut, or the client gone (aborted). */
  onFinished: ((status: number, aborted: boolean) => void) | null = null
  /** Called once if the client connection closes before the response is complete. */
  onClientGone: (() => void) | null = null
  /** Called when the client socket drained after a write returned false. */
  onDrain: (() => void) | null = null

  constructor(
    private readonly conn: ServerConnection,
    head: RequestHead,
  ) {
    this.head = head
    this.framer = head.chunked ? new ChunkedFramer(400) : null
    this.remaining = head.chunked ? 0 : Math.max(0, head.contentLength)
    this.bodyComplete = !head.chunked && this.remaining === 0
  }

  get method(): string {
    return this.head.method
  }

  get target(): string {
    return this.head.target
  }

  get remoteAddress(): string {
    return this.conn.socket.remoteAddress ?? 'unknown'
  }

  get socket(): net.Socket {
    return this.conn.socket
  }

  /** Whether a body follows the head. */
  get hasBody(): boolean {
    return this.head.chunked || this.head.contentLength > 0
  }

  /** The first value of a header (case-insensitive name, given in lowercase). */
  header(lowerName: string): string | undefined {
    const h = this.head.headers
    for (let i = 0; i < h.length; i += 2) {
      const name = h[i]
      if (name.length === lowerName.length && name.toLowerCase() === lowerName) return h[i + 1]
    }
    return undefined
  }

  /** Every value of a header joined with ", " (how repeated list fields combine), or undefined. */
  headerJoined(lowerName: string): string | undefined {
    const h = this.head.headers
    let joined: string | undefined
    for (let i = 0; i < h.length; i += 2) {
      const name = h[i]
      if (name.length === lowerName.length && name.toLowerCase() === lowerName) joined = joined === undefined ? h[i + 1] : `${joined}, ${h[i + 1]}`
    }
    return joined
  }

  /** Whether the connection will close after this response (the client asked, or the server drains). */
  get closeAfter(): boolean {
    return !this.head.keepAlive || this.conn.server.draining || this.clientEnded
  }

  // ----- request body -----

  /** Takes body bytes from buf[start..]; returns the index after the last one it took. */
  receiveBody(buf: Buffer, start: number): number {
    if (this.bodyFailure !== null) return buf.length // the connection closes: drop the rest
    if (this.bodyComplete) return start
    let end: number
    if (this.framer !== null) {
      try {
        const at = this.framer.feed(buf, start, buf.length)
        end = at === -1 ? buf.length : at
        if (at !== -1) this.bodyComplete = true
        if (this.framer.dataBytes > this.bodyLimit) throw new HttpParseError(413, `request body exceeds ${this.bodyLimit} bytes`)
      } catch (err) {
        this.failBody(err as HttpParseError)
        return buf.length
      }
    } else {
      end = Math.min(buf.length, start + this.remaining)
      this.remaining -= end - start
      if (this.remaining === 0) this.bodyComplete = true
    }
    if (end > start) this.deliver(start === 0 && end === buf.length ? buf : buf.subarray(start, end))
    if (this.bodyComplete) this.sink?.bodyEnd()
    return end
  }

  private deliver(chunk: Buffer): void {
    if (this.sink !== null && this.queued === null) {
      this.bodyBytesTaken += chunk.length
      if (!this.sink.bodyChunk(chunk)) this.pauseBody()
      return
    }
    ;(this.queued ??= []).push(chunk)
    this.queuedBytes += chunk.length
    if (this.queuedBytes > this.conn.server.bodyHighWaterMark) this.pauseBody()
  }

  private failBody(err: HttpParseError): void {
    this.bodyFailure = err
    this.bodyComplete = false
    this.queued = null
    if (this.sink !== null) this.sink.bodyError(err)
  }

  /** The framing or size error the body hit, if any (the connection closes after the response). */
  get bodyError(): HttpParseError | null {
    return this.bodyFailure
  }

  /**
   * Streams the framed body into `sink`: first what is queued, then each chunk as it arrives.
   * Calls bodyEnd at once when there is no body or all of it is in.
   */
  takeBody(sink: BodySink): void {
    this.sink = sink
    if (this.bodyFailure !== null) return sink.bodyError(this.bodyFailure)
    const queued = this.queued
    if (queued !== null) {
      this.queued = null
      this.queuedBytes = 0
      let more = true
      for (const chunk of queued) {
        this.bodyBytesTaken += chunk.length
        more = sink.bodyChunk(chunk) && more
      }
      if (!more) this.pauseBody()
      else this.resumeBody()
    }
    if (this.bodyComplete) sink.bodyEnd()
  }

  /** Stops streaming into the current sink (a failed attempt); what it took is gone. */
  releaseBody(): void {
    this.sink = null
  }

  /** The framed body bytes that are queued (not taken) and whether that is all of it. */
  peekQueuedBody(): {chunks: readonly Buffer[]; complete: boolean} {
    return {chunks: this.queued ?? [], complete: this.bodyComplete}
  }

  pauseBody(): void {
    if (!this.paused) {
      this.paused = true
      this.conn.socket.pause()
    }
  }

  resumeBody(): void {
    if (this.paused) {
      this.paused = false
      this.conn.socket.resume()
    }
  }

  /** Collects the decoded body (at most `limit` bytes, else rejects). */
  readBody(limit: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const raw: Buffer[] = []
      let size = 0
      this.takeBody({
        bodyChunk: (chunk) => {
          size += chunk.length
          if (size > limit + (this.head.chunked ? 64 * 1024 : 0)) {
            this.releaseBody()
            reject(new Error(`body larger than ${limit} bytes`))
            return false
          }
          raw.push(chunk)
          return true
        },
        bodyEnd: () => {
          const framed = Buffer.concat(raw)
          if (!this.head.chunked) return resolve(framed)
          const parts: Buffer[] = []
          new ChunkedFramer(400).feed(framed, 0, framed.length, (b, s, e) => parts.push(b.subarray(s, e)))
          const body = Buffer.concat(parts)
          if (body.length > limit) reject(new Error(`body larger than ${limit} bytes`))
          else resolve(body)
        },
        bodyError: (err) => reject(err),
      })
    })
  }

  // ----- response -----

  /**
   * A complete response in one write: status, headers (an object or a flat name/value list),
   * Content-Length and the body. Adds `connection: close` when the connection will close.
   */
  respond(status: number, headers: Record<string, string | number> | readonly string[], body: string | Buffer = ''): void {
    if (this.headSent || this.gone) return
    const close = this.closeAfter || !this.bodyComplete
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\ndate: ${httpDate()}\r\n`
    if (Array.isArray(headers)) {
      for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`
    } else {
      for (const name in headers) head += `${name}: ${(headers as Record<string, string | number>)[name]}\r\n`
    }
    const bodyBytes = typeof body === 'string' ? Buffer.byteLength(body) : body.length
    head += `content-length: ${bodyBytes}\r\n${close ? 'connection: close\r\n' : ''}\r\n`
    const noBody = this.head.method === 'HEAD' || status === 204 || status === 304
    const out = Buffer.allocUnsafe(head.length + (noBody ? 0 : bodyBytes))
    out.write(head, 0, 'latin1')
    if (!noBody) {
      if (typeof body === 'string') out.write(body, head.length, 'utf8')
      else body.copy(out, head.length)
    }
    this.headSent = true
    this.status = status
    this.conn.socket.write(out)
    this.finish(close)
  }

  /** Writes a response head the caller built (status line, fields, CRLF CRLF) and body bytes after it, in one write. */
  writeHead(head: string, body?: Buffer, start = 0, end = body?.length ?? 0): boolean {
    if (this.gone) return false
    this.headSent = true
    const bodyBytes = body === undefined ? 0 : end - start
    if (bodyBytes === 0) return this.conn.socket.write(head, 'latin1')
    const out = Buffer.allocUnsafe(head.length + bodyBytes)
    out.write(head, 0, 'latin1')
    body!.copy(out, head.length, start, end)
    return this.conn.socket.write(out)
  }

  /** Writes response body bytes; false means wait for `onDrain`. */
  write(chunk: Buffer): boolean {
    if (this.gone) return false
    return this.conn.socket.write(chunk)
  }

  /** The response is complete. `close` forces the connection to close after it. */
  end(close = false): void {
    this.finish(close || this.closeAfter)
  }

  /** Cuts the connection: the response cannot be completed honestly. */
  destroy(): void {
    if (this.done) return
    this.done = true
    this.gone = true
    this.conn.socket.destroy()
    this.onFinished?.(this.status || 502, true)
  }

  private finish(close: boolean): void {
    if (this.done) return
    this.done = true
    this.sink = null
    if (this.paused) this.resumeBody()
    this.onFinished?.(this.status, false)
    this.conn.finished(this, close || this.bodyFailure !== null)
  }

  /** @internal the client socket closed. */
  clientClosed(): void {
    if (this.done) return
    this.gone = true
    this.done = true
    const hook = this.onClientGone
    this.onClientGone = null
    hook?.()
    this.onFinished?.(this.status || 499, true)
  }

  /** @internal the client socket drained. */
  drained(): void {
    this.onDrain?.()
  }
}
