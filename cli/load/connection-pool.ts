// The open engine's keep-alive connections to one target, and the lean HTTP/1.1 client on them.
//
// Why our own client: the open engine must hold a fixed arrival rate, so the generator's CPU per
// request bounds the highest rate it can sustain (the target is ≥ 0.8× autocannon's req/s).
// Measured here (closed loop, 16 in flight, trivial node:http server in another process, three
// interleaved runs): undici Pool.dispatch() cost 20–32 µs of generator CPU per request,
// autocannon's client 18–22 µs, this client 15–20 µs, a bare socket write + read 12–14 µs. It does
// only what a load generator needs: one request per connection at a time, a pre-serialised head,
// and the small incremental parser in http1-response-parser.ts.
//
// The pool opens a connection only when every open one is busy, up to a bound, reuses the most
// recently used idle one, and closes connections idle longer than the server's keep-alive allows.
import net from 'node:net'
import tls from 'node:tls'
import {UserError} from '../errors.js'
import {HttpParseError, Http1ResponseParser, type ResponseEvents} from './http1-response-parser.js'
import type {FailureKind} from './outcomes.js'
import {classifyError} from './outcomes.js'

export const DEFAULT_MAX_CONNECTIONS = 1024
/** Idle connections are closed after this long (a little under Node's default 5 s server keep-alive). */
const DEFAULT_IDLE_MS = 4000

export interface ConnectionPoolOptions {
  maxConnections?: number
}

export interface OutgoingRequest {
  method: string
  /** Path and query, already joined with the target's base path. */
  path: string
  headers?: Record<string, string>
  body?: string | Buffer
}

/** What the pool reports back for one request; exactly one of onComplete/onFailure is called. */
export interface ResponseHandler {
  readonly wantsBody: boolean
  onStatus(status: number): void
  onBody(chunk: Buffer): void
  onComplete(): void
  onFailure(kind: FailureKind, error: Error): void
}

class RequestTimeoutError extends Error {
  readonly code = 'SCALELAB_REQUEST_TIMEOUT'
  constructor(ms: number) {
    super(`no complete response within ${ms} ms`)
  }
}

class ConnectionClosedError extends Error {
  readonly code = 'SCALELAB_CONNECTION_CLOSED'
  constructor() {
    super('the server closed the connection before the response was complete')
  }
}

/** A request on the wire, as the caller holds it. */
export interface SentRequest {
  /** Gives up on the request: closes its connection without a report (if it is still on it). */
  cancel(handler: ResponseHandler): void
}

/** One keep-alive connection carrying one request at a time. */
class Http1Connection implements ResponseEvents, SentRequest {
  readonly socket: net.Socket
  private readonly parser = new Http1ResponseParser()
  handler: ResponseHandler | undefined
  /** Counted in the pool's busy total. */
  busy = false
  sentAt = 0
  deadline = 0
  idleSince = 0
  private closed = false

  constructor(private readonly pool: ConnectionPool) {
    const {hostname, port, secure} = pool
    this.socket = secure
      ? tls.connect({host: hostname, port, servername: net.isIP(hostname) ? undefined : hostname, ALPNProtocols: ['http/1.1']})
      : net.connect({host: hostname, port})
    this.socket.setNoDelay(true)
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk))
    this.socket.on('error', (error: Error) => this.onClose(error))
    this.socket.on('close', () => this.onClose(undefined))
  }

  send(head: string, body: string | Buffer | undefined, handler: ResponseHandler, headRequest: boolean, deadline: number): void {
    this.handler = handler
    this.busy = true
    this.sentAt = performance.now()
    this.deadline = deadline
    this.parser.start(headRequest, handler.wantsBody)
    if (body === undefined || body.length === 0) {
      this.socket.write(head, 'latin1')
    } else {
      this.socket.cork()
      this.socket.write(head, 'latin1')
      this.socket.write(body)
      this.socket.uncork()
    }
  }

  onHead(status: number): void {
    this.handler?.onStatus(status)
  }

  onBody(chunk: Buffer): void {
    this.handler?.onBody(chunk)
  }

  /** Fails the request in flight (if any) and closes the connection. */
  fail(kind: FailureKind, error: Error): void {
    const handler = this.handler
    this.handler = undefined
    this.destroy()
    if (handler) handler.onFailure(kind, error)
  }

  cancel(handler: ResponseHandler): void {
    if (this.handler !== handler) return
    this.handler = undefined
    this.destroy()
  }

  /** Closes the connection without reporting anything. */
  destroy(): void {
    if (this.closed) return
    this.closed = true
    this.socket.destroy()
    this.pool.forget(this)
    this.handler = undefined
  }

  private onData(chunk: Buffer): void {
    const handler = this.handler
    if (!handler) {
      // Bytes nobody asked for on an idle connection: the peer is confused; stop using it.
      this.destroy()
      return
    }
    let consumed: number
    try {
      consumed = this.parser.execute(chunk, this)
    } catch (error) {
      this.fail('socket-error', error as HttpParseError)
      return
    }
    if (!this.parser.done) return
    this.handler = undefined
    if (consumed < chunk.length || !this.parser.keepAlive) this.destroy()
    else this.pool.release(this)
    handler.onComplete()
  }

  private onClose(error: Error | undefined): void {
    if (this.closed) return
    const handler = this.handler
    if (handler && !error && this.parser.finishOnClose()) {
      // A body framed by the connection's end is complete now.
      this.handler = undefined
      this.destroy()
      handler.onComplete()
      return
    }
    const cause = error ?? new ConnectionClosedError()
    if (handler) this.fail(classifyError(cause) === 'timeout' ? 'timeout' : 'socket-error', cause)
    else this.destroy()
  }

  get idleLimitMs(): number {
    const hint = this.parser.keepAliveHintSeconds
    return hint === undefined ? DEFAULT_IDLE_MS : Math.min(DEFAULT_IDLE_MS, Math.max(hint * 1000 - 1000, 500))
  }
}

export class ConnectionPool {
  readonly origin: string
  readonly hostname: string
  readonly port: number
  readonly secure: boolean
  /** The target URL's path, prefixed to every request path ('' for none). */
  readonly basePath: string
  readonly maxConnections: number
  private readonly hostHeader: string
  private readonly idle: Http1Connection[] = []
  private readonly open = new Set<Http1Connection>()
  private busy = 0
  private sweeper: NodeJS.Timeout | undefined
  private sweepEveryMs = Infinity
  private destroyed = false

  constructor(target: string, options: ConnectionPoolOptions = {}) {
    const url = parseTarget(target)
    this.origin = url.origin
    this.secure = url.protocol === 'https:'
    this.hostname = url.hostname.replace(/^\[|\]$/g, '')
    this.port = url.port ? Number(url.port) : this.secure ? 443 : 80
    this.hostHeader = url.host
    this.basePath = url.pathname.replace(/\/+$/, '')
    this.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS
    if (!Number.isInteger(this.maxConnections) || this.maxConnections < 1) {
      throw new UserError(`maxConnections must be a whole number ≥ 1 (got ${this.maxConnections}).`)
    }
  }

  /** Requests on the wire, across every phase using this pool. */
  get inFlight(): number {
    return this.busy
  }

  get openConnections(): number {
    return this.open.size
  }

  /** With one request per connection, below the bound a connection is idle or can be opened. */
  get hasFreeConnection(): boolean {
    return this.busy < this.maxConnections
  }

  /**
   * Sends a request on an idle connection or a new one. Returns the connection (to cancel it) or
   * undefined when every connection is busy and the pool is at its bound.
   */
  send(request: OutgoingRequest, handler: ResponseHandler, timeoutMs: number): SentRequest | undefined {
    if (this.destroyed) throw new Error('the connection pool was destroyed')
    if (this.busy >= this.maxConnections) return undefined
    const head = this.serializeHead(request)
    let connection = this.idle.pop()
    if (!connection) {
      connection = new Http1Connection(this)
      this.open.add(connection)
    }
    this.busy++
    this.ensureSweeper(timeoutMs)
    connection.send(head, request.body, handler, request.method === 'HEAD', performance.now() + timeoutMs)
    return connection
  }

  /** Closes every connection; requests still in flight are dropped without a report. */
  async destroy(): Promise<void> {
    this.destroyed = true
    clearInterval(this.sweeper)
    this.sweeper = undefined
    this.sweepEveryMs = Infinity
    for (const connection of [...this.open]) {
      connection.handler = undefined
      connection.destroy()
    }
  }

  /** @internal A connection finished its response and may carry another. */
  release(connection: Http1Connection): void {
    connection.busy = false
    this.busy--
    connection.idleSince = performance.now()
    this.idle.push(connection)
  }

  /** @internal A connection closed. */
  forget(connection: Http1Connection): void {
    if (!this.open.delete(connection)) return
    if (connection.busy) {
      connection.busy = false
      this.busy--
    } else {
      const index = this.idle.indexOf(connection)
      if (index !== -1) this.idle.splice(index, 1)
    }
  }

  private serializeHead(request: OutgoingRequest): string {
    let head = `${request.method} ${request.path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\n`
    const headers = request.headers
    if (headers) {
      for (const name in headers) {
        const value = headers[name]
        // A CR or LF would let one request smuggle another onto the connection.
        if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new UserError(`The header ${JSON.stringify(name)} contains a line break.`)
        head += `${name}: ${value}\r\n`
      }
    }
    if (request.body !== undefined && request.body.length > 0) {
      head += `content-length: ${Buffer.byteLength(request.body)}\r\n`
    }
    return head + '\r\n'
  }

  /**
   * One timer for the whole pool instead of one per request: it times requests out (to within a
   * quarter of the timeout, at most 100 ms late) and closes idle connections gone stale.
   */
  private ensureSweeper(timeoutMs: number): void {
    const every = Math.max(10, Math.min(100, timeoutMs / 4))
    if (this.sweeper && every >= this.sweepEveryMs) return
    clearInterval(this.sweeper)
    this.sweepEveryMs = every
    this.sweeper = setInterval(() => this.sweep(), every)
    this.sweeper.unref()
  }

  private sweep(): void {
    const now = performance.now()
    for (const connection of [...this.open]) {
      if (connection.handler) {
        if (now >= connection.deadline) connection.fail('timeout', new RequestTimeoutError(connection.deadline - connection.sentAt))
      } else if (now - connection.idleSince >= connection.idleLimitMs) {
        connection.destroy()
      }
    }
    if (this.open.size === 0) {
      clearInterval(this.sweeper)
      this.sweeper = undefined
      this.sweepEveryMs = Infinity
    }
  }
}

export function parseTarget(target: string): URL {
  let url: URL
  try {
    url = new URL(target)
  } catch {
    throw new UserError(`The target "${target}" is not a URL; give a base URL such as http://127.0.0.1:8080.`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserError(`The target "${target}" must be an http:// or https:// URL.`)
  }
  return url
}

/** Joins the target's base path and a request path. */
export function joinPath(basePath: string, path: string): string {
  if (!path.startsWith('/')) path = `/${path}`
  return basePath ? basePath + path : path
}
