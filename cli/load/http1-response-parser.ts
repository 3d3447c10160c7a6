// An incremental HTTP/1.1 response parser for the open engine's own client (see
// connection-pool.ts for why the engine has one). It handles what a server may legally send to a
// client that asks for one response at a time: status line and headers split anywhere across
// reads, 1xx interim responses, bodies framed by Content-Length, chunked transfer coding (with
// extensions and trailers) or the connection's close, and the body-less cases (HEAD, 204, 304).

const CRLF = Buffer.from('\r\n')
const CRLFCRLF = Buffer.from('\r\n\r\n')
/** Larger heads than this are treated as a broken peer rather than buffered without end. */
const MAX_HEAD_BYTES = 64 * 1024

export class HttpParseError extends Error {
  /** Shaped like llhttp's codes so outcome classification treats it as a broken connection. */
  readonly code = 'HPE_INVALID_RESPONSE'
  constructor(message: string) {
    super(`invalid HTTP response: ${message}`)
  }
}

export interface ResponseEvents {
  /** The final (non-1xx) status and headers arrived. */
  onHead(status: number): void
  /** A piece of the body; only called when the parser was told the body is wanted. */
  onBody(chunk: Buffer): void
}

const enum State {
  Head,
  BodyByLength,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  BodyUntilClose,
  Done,
}

export class Http1ResponseParser {
  private state = State.Done
  private headRequest = false
  private wantBody = false
  /** Bytes of an unfinished head or chunk-size/trailer line carried over from the last read. */
  private pending: Buffer | undefined
  private remaining = 0
  /** Whether the connection may carry another request after this response. */
  keepAlive = true
  /** Seconds from a `Keep-Alive: timeout=N` header, when the server sent one. */
  keepAliveHintSeconds: number | undefined

  /** Prepares for the response to a new request. */
  start(headRequest: boolean, wantBody: boolean): void {
    this.state = State.Head
    this.headRequest = headRequest
    this.wantBody = wantBody
    this.pending = undefined
    this.remaining = 0
    this.keepAlive = true
  }

  get done(): boolean {
    return this.state === State.Done
  }

  /**
   * Consumes one read. Returns how many bytes of it belonged to the response: less than
   * chunk.length only when the response completed and the peer sent more (a protocol error for a
   * one-request-at-a-time client, left for the caller to judge). Throws HttpParseError.
   */
  execute(chunk: Buffer, events: ResponseEvents): number {
    let offset = 0
    while (offset < chunk.length && this.state !== State.Done) {
      switch (this.state) {
        case State.Head:
          offset = this.readHead(chunk, offset, events)
          break
        case State.BodyByLength: {
          const take = Math.min(this.remaining, chunk.length - offset)
          if (this.wantBody) events.onBody(chunk.subarray(offset, offset + take))
          offset += take
          this.remaining -= take
          if (this.remaining === 0) this.state = State.Done
          break
        }
        case State.ChunkSize: {
          const line = this.readLine(chunk, offset)
          if (!line) return chunk.length
          offset = line.next
          const hex = line.text.split(';', 1)[0].trim()
          if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw new HttpParseError(`bad chunk size "${line.text.slice(0, 80)}"`)
          const size = parseInt(hex, 16)
          if (size === 0) this.state = State.Trailers
          else {
            this.remaining = size
            this.state = State.ChunkData
          }
          break
        }
        case State.ChunkData: {
          const take = Math.min(this.remaining, chunk.length - offset)
          if (this.wantBody) events.onBody(chunk.subarray(offset, offset + take))
          offset += take
          this.remaining -= take
          if (this.remaining === 0) this.state = State.ChunkDataEnd
          break
        }
        case State.ChunkDataEnd: {
          const line = this.readLine(chunk, offset)
          if (!line) return chunk.length
          if (line.text !== '') throw new HttpParseError('chunk data longer than its size')
          offset = line.next
          this.state = State.ChunkSize
          break
        }
        case State.Trailers: {
          const line = this.readLine(chunk, offset)
          if (!line) return chunk.length
          offset = line.next
          if (line.text === '') this.state = State.Done
          break
        }
        case State.BodyUntilClose:
          if (this.wantBody) events.onBody(offset === 0 ? chunk : chunk.subarray(offset))
          return chunk.length
      }
    }
    return offset
  }

  /** The connection closed: true when that ends the response (a body framed by the close). */
  finishOnClose(): boolean {
    if (this.state === State.BodyUntilClose) {
      this.state = State.Done
      return true
    }
    return this.state === State.Done
  }

  private readHead(chunk: Buffer, offset: number, events: ResponseEvents): number {
    let buffer = chunk
    let start = offset
    if (this.pending) {
      buffer = Buffer.concat([this.pending, chunk.subarray(offset)])
      start = 0
    }
    const end = buffer.indexOf(CRLFCRLF, start)
    if (end === -1) {
      if (buffer.length - start > MAX_HEAD_BYTES) throw new HttpParseError('response head too large')
      this.pending = Buffer.from(buffer.subarray(start))
      return chunk.length
    }
    const consumedFromChunk = this.pending ? end + 4 - this.pending.length + offset : end + 4
    this.pending = undefined
    this.parseHead(buffer.toString('latin1', start, end), events)
    return consumedFromChunk
  }

  private parseHead(head: string, events: ResponseEvents): void {
    const lines = head.split('\r\n')
    const statusLine = lines[0]
    if (!statusLine.startsWith('HTTP/1.') || statusLine.length < 12 || statusLine[8] !== ' ') {
      throw new HttpParseError(`bad status line "${statusLine.slice(0, 80)}"`)
    }
    const status = Number(statusLine.slice(9, 12))
    if (!Number.isInteger(status) || status < 100 || status > 999) throw new HttpParseError(`bad status "${statusLine.slice(9, 12)}"`)
    const http10 = statusLine[7] === '0'

    let contentLength: number | undefined
    let chunked = false
    let connection: string | undefined
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]
      const colon = line.indexOf(':')
      if (colon <= 0) throw new HttpParseError(`bad header line "${line.slice(0, 80)}"`)
      const nameLength = colon
      // Only four headers matter here; compare lengths first to skip lowercasing the rest.
      if (nameLength !== 14 && nameLength !== 17 && nameLength !== 10) continue
      const name = line.slice(0, colon).toLowerCase()
      const value = line.slice(colon + 1).trim()
      if (name === 'content-length') {
        if (!/^\d+$/.test(value)) throw new HttpParseError(`bad content-length "${value}"`)
        contentLength = Number(value)
      } else if (name === 'transfer-encoding') {
        chunked = value.toLowerCase().split(',').pop()!.trim() === 'chunked'
      } else if (name === 'connection') {
        connection = value.toLowerCase()
      } else if (name === 'keep-alive' && this.keepAliveHintSeconds === undefined) {
        const match = /timeout=(\d+)/i.exec(value)
        if (match) this.keepAliveHintSeconds = Number(match[1])
      }
    }

    if (status < 200 && status !== 101) {
      // An interim response (100 Continue, 103 Early Hints): the real one follows.
      this.state = State.Head
      return
    }
    this.keepAlive = connection ? !connection.includes('close') && (!http10 || connection.includes('keep-alive')) : !http10
    events.onHead(status)
    if (status === 101) {
      // Switching protocols: this connection no longer speaks HTTP/1.1 to us.
      this.keepAlive = false
      this.state = State.Done
    } else if (this.headRequest || status === 204 || status === 304) {
      this.state = State.Done
    } else if (chunked) {
      this.state = State.ChunkSize
    } else if (contentLength !== undefined) {
      this.remaining = contentLength
      this.state = contentLength === 0 ? State.Done : State.BodyByLength
    } else {
      this.keepAlive = false
      this.state = State.BodyUntilClose
    }
  }

  /** Reads a CRLF-terminated line that may span reads; undefined when it has not ended yet. */
  private readLine(chunk: Buffer, offset: number): {text: string; next: number} | undefined {
    if (this.pending) {
      const joined = Buffer.concat([this.pending, chunk.subarray(offset)])
      const end = joined.indexOf(CRLF)
      if (end === -1) {
        if (joined.length > MAX_HEAD_BYTES) throw new HttpParseError('chunk line too long')
        this.pending = joined
        return undefined
      }
      const fromChunk = end + 2 - this.pending.length
      this.pending = undefined
      return {text: joined.toString('latin1', 0, end), next: offset + fromChunk}
    }
    const end = chunk.indexOf(CRLF, offset)
    if (end === -1) {
      this.pending = Buffer.from(chunk.subarray(offset))
      return undefined
    }
    return {text: chunk.toString('latin1', offset, end), next: end + 2}
  }
}
