// A strict HTTP/1.1 message-head parser and chunked-body framer for the lean proxy core (RFC 9112).
//
// Why hand-written: the proxy relays bytes between raw sockets, so it needs a parser that hands back
// the head (to rewrite once) and tracks body framing without building request/response objects.
// node:http's server and undici's client build those objects and streams per request; measured on
// this machine (bench/hops.ts) the balancer on node:http + undici spent ~100 µs of CPU per request
// against ~19 for nginx. llhttp is reachable only through node:http's internals, undici's wasm copy
// is not exported, and http-parser-js (pure JS) is lenient where a proxy must not be (it has had
// request-smuggling fixes) and builds header arrays the same way node:http does.
//
// Strictness (each refusal closes the connection): bare LF or CR, obs-fold, whitespace before the
// colon, control characters in a field value, a request line that is not `token SP target SP
// HTTP/1.x`, conflicting or malformed Content-Length, Transfer-Encoding with Content-Length,
// Transfer-Encoding other than a single `chunked` on a request, HTTP/1.0 with Transfer-Encoding,
// bad chunk sizes or chunk framing, heads over the size limit.

/** A message the parser refuses; `status` is what the server answers before closing. */
export class HttpParseError extends Error {
  constructor(
    readonly status: 400 | 413 | 431 | 501 | 505 | 502,
    message: string,
  ) {
    super(message)
  }
}

// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
const TOKEN = new Uint8Array(256)
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1

// field-vchar = VCHAR / obs-text, plus SP and HTAB inside a value.
const FIELD_VALUE = new Uint8Array(256)
FIELD_VALUE[0x09] = 1
for (let c = 0x20; c <= 0x7e; c++) FIELD_VALUE[c] = 1
for (let c = 0x80; c <= 0xff; c++) FIELD_VALUE[c] = 1

// request-target: visible ASCII only.
const TARGET = new Uint8Array(256)
for (let c = 0x21; c <= 0x7e; c++) TARGET[c] = 1

const HEX = new Int8Array(256).fill(-1)
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c
for (let c = 0; c < 6; c++) {
  HEX[0x41 + c] = 10 + c
  HEX[0x61 + c] = 10 + c
}

const CR = 13
const LF = 10

// ChunkedFramer states (plain numbers: a hot switch).
const State = {Size: 0, Extension: 1, SizeLf: 2, Data: 3, DataCr: 4, DataLf: 5, Trailer: 6, TrailerLf: 7, Done: 8} as const
type State = (typeof State)[keyof typeof State]

/** What every head (request or response) says about framing and the connection. */
interface HeadCommon {
  /** Minor version: 0 for HTTP/1.0, 1 for HTTP/1.1. */
  minor: 0 | 1
  /** Flat list as received: name (original case), value (without surrounding whitespace), ... */
  headers: string[]
  /** Declared Content-Length, or -1. */
  contentLength: number
  /** Transfer-Encoding ends in chunked. */
  chunked: boolean
  /** Transfer-Encoding present (on a response: possibly not chunked, then the body runs to close). */
  hasTransferEncoding: boolean
  /** The connection may carry another message after this one (version and Connection header). */
  keepAlive: boolean
  /** Tokens of the Connection header other than close / keep-alive, lowercased (hop-by-hop names). */
  connectionTokens: string[] | null
  /** Bytes of the head, final CRLF CRLF included. */
  length: number
}

export interface RequestHead extends HeadCommon {
  method: string
  target: string
  /** `Expect: 100-continue` was sent. */
  expectContinue: boolean
  /** An Expect value other than 100-continue (answered 417). */
  expectOther: boolean
}

export interface ResponseHead extends HeadCommon {
  status: number
  /** The status line as received, without CRLF ("HTTP/1.1 200 OK"). */
  statusLine: string
  /** Seconds from a `Keep-Alive: timeout=N` hint, or -1. */
  keepAliveTimeoutSec: number
}

export interface HeadLimits {
  /** Largest head accepted (request line or status line and fields). */
  maxHeadBytes: number
  /** Most header fields accepted. */
  maxHeaders: number
}

export const DEFAULT_HEAD_LIMITS: HeadLimits = {maxHeadBytes: 16 * 1024, maxHeaders: 100}

/**
 * Where the head that starts at `start` ends (the index after CRLF CRLF), -1 when more bytes are
 * needed. Throws when what is there can never become a valid head (bare LF, too large).
 */
export function findHeadEnd(buf: Buffer, start: number, end: number, limits: HeadLimits): number {
  const at = buf.indexOf('\r\n\r\n', start, 'latin1')
  if (at !== -1 && at + 4 <= end) {
    if (at + 4 - start > limits.maxHeadBytes) throw new HttpParseError(431, 'request head too large')
    return at + 4
  }
  if (end - start > limits.maxHeadBytes) throw new HttpParseError(431, 'request head too large')
  // Not complete yet: refuse at once what can never complete as CRLF-delimited lines.
  for (let i = start; i < end; i++) {
    const c = buf[i]
    if (c === LF && (i === start || buf[i - 1] !== CR)) throw new HttpParseError(400, 'bare LF in head')
    if (c === CR && i + 1 < end && buf[i + 1] !== LF) throw new HttpParseError(400, 'bare CR in head')
  }
  return -1
}

/** Parses a complete request head (`findHeadEnd` found its end). */
export function parseRequestHead(buf: Buffer, start: number, headEnd: number, limits: HeadLimits = DEFAULT_HEAD_LIMITS): RequestHead {
  const s = buf.toString('latin1', start, headEnd - 2) // keeps the CRLF that ends the last field
  const lineEnd = s.indexOf('\r\n')
  // request-line = method SP request-target SP HTTP-version
  let i = 0
  while (i < lineEnd && TOKEN[s.charCodeAt(i)] === 1) i++
  if (i === 0 || s.charCodeAt(i) !== 0x20) throw new HttpParseError(400, 'malformed request line')
  const method = s.slice(0, i)
  const targetStart = ++i
  while (i < lineEnd && TARGET[s.charCodeAt(i)] === 1) i++
  if (i === targetStart || s.charCodeAt(i) !== 0x20) throw new HttpParseError(400, 'malformed request target')
  const target = s.slice(targetStart, i)
  const minor = parseVersion(s, i + 1, lineEnd, 400)
  const head = {
    method,
    target,
    minor,
    headers: [] as string[],
    contentLength: -1,
    chunked: false,
    hasTransferEncoding: false,
    keepAlive: minor === 1,
    connectionTokens: null as string[] | null,
    length: headEnd - start,
    expectContinue: false,
    expectOther: false,
  }
  const fields = parseFields(s, lineEnd + 2, limits, head, true)
  if (minor === 1 && !fields.host) throw new HttpParseError(400, 'HTTP/1.1 request without Host')
  if (fields.multipleHost) throw new HttpParseError(400, 'more than one Host')
  if (head.hasTransferEncoding) {
    if (minor === 0) throw new HttpParseError(400, 'Transfer-Encoding in an HTTP/1.0 request')
    if (head.contentLength !== -1) throw new HttpParseError(400, 'both Content-Length and Transfer-Encoding')
    if (!head.chunked || fields.transferCodings !== 1) throw new HttpParseError(501, 'only Transfer-Encoding: chunked is supported')
  }
  return head
}

/** Parses a complete response head. `status` 1xx heads are returned too (the caller skips them). */
export function parseResponseHead(buf: Buffer, start: number, headEnd: number, limits: HeadLimits = DEFAULT_HEAD_LIMITS): ResponseHead {
  const s = buf.toString('latin1', start, headEnd - 2)
  const lineEnd = s.indexOf('\r\n')
  // status-line = HTTP-version SP status-code SP [ reason-phrase ]
  const reasonOk = lineEnd === 12 || (lineEnd > 12 && s.charCodeAt(12) === 0x20)
  if (lineEnd < 12 || s.charCodeAt(8) !== 0x20 || !reasonOk) throw new HttpParseError(502, 'malformed status line')
  const minor = parseVersion(s, 0, 8, 502)
  let status = 0
  for (let k = 9; k < 12; k++) {
    const d = s.charCodeAt(k) - 0x30
    if (d < 0 || d > 9) throw new HttpParseError(502, 'malformed status code')
    status = status * 10 + d
  }
  if (status < 100) throw new HttpParseError(502, 'malformed status code')
  for (let k = 13; k < lineEnd; k++) if (FIELD_VALUE[s.charCodeAt(k)] !== 1) throw new HttpParseError(502, 'control character in reason phrase')
  const head = {
    status,
    statusLine: s.slice(0, lineEnd),
    minor,
    headers: [] as string[],
    contentLength: -1,
    chunked: false,
    hasTransferEncoding: false,
    keepAlive: minor === 1,
    connectionTokens: null as string[] | null,
    length: headEnd - start,
    keepAliveTimeoutSec: -1,
  }
  parseFields(s, lineEnd + 2, limits, head, false)
  return head
}

function parseVersion(s: string, at: number, end: number, status: 400 | 502): 0 | 1 {
  if (end - at !== 8 || !s.startsWith('HTTP/1.', at)) {
    if (end - at === 8 && s.startsWith('HTTP/', at)) throw new HttpParseError(status === 400 ? 505 : 502, 'only HTTP/1.0 and HTTP/1.1 are supported')
    throw new HttpParseError(status, 'malformed HTTP version')
  }
  const minor = s.charCodeAt(at + 7)
  if (minor === 0x31) return 1
  if (minor === 0x30) return 0
  throw new HttpParseError(status === 400 ? 505 : 502, 'only HTTP/1.0 and HTTP/1.1 are supported')
}

interface FieldFacts {
  host: boolean
  multipleHost: boolean
  transferCodings: number
  closeToken: boolean
  keepAliveToken: boolean
}

/**
 * Parses the field lines of `s` from `at` (each ending in CRLF) into head.headers, and the
 * framing facts into head. Every byte is checked: names are tokens directly followed by a colon,
 * values hold no control characters, lines end in CRLF and never start with whitespace.
 */
function parseFields(s: string, at: number, limits: HeadLimits, head: HeadCommon & Partial<RequestHead> & Partial<ResponseHead>, isRequest: boolean): FieldFacts {
  const facts: FieldFacts = {host: false, multipleHost: false, transferCodings: 0, closeToken: false, keepAliveToken: false}
  const bad = isRequest ? 400 : 502
  const headers = head.headers
  const end = s.length
  let i = at
  while (i < end) {
    // field-name
    const nameStart = i
    let c = s.charCodeAt(i)
    while (TOKEN[c] === 1) c = s.charCodeAt(++i)
    if (i === nameStart) throw new HttpParseError(bad, c === 0x20 || c === 0x09 ? 'obs-fold (a field line starting with whitespace)' : 'malformed field name')
    if (c !== 0x3a) throw new HttpParseError(bad, c === 0x20 || c === 0x09 ? 'whitespace between field name and colon' : 'malformed field name')
    const nameEnd = i++
    // OWS field-value OWS CRLF
    c = s.charCodeAt(i)
    while (c === 0x20 || c === 0x09) c = s.charCodeAt(++i)
    const valueStart = i
    let valueEnd = i
    while (i < end) {
      c = s.charCodeAt(i)
      if (c === CR) break
      if (FIELD_VALUE[c] !== 1) throw new HttpParseError(bad, c === LF ? 'bare LF in a field line' : 'control character in a field value')
      i++
      if (c !== 0x20 && c !== 0x09) valueEnd = i
    }
    if (s.charCodeAt(i + 1) !== LF) throw new HttpParseError(bad, 'bare CR in a field line')
    i += 2
    if (headers.length >= limits.maxHeaders * 2) throw new HttpParseError(isRequest ? 431 : 502, 'too many header fields')
    const name = s.slice(nameStart, nameEnd)
    const value = s.slice(valueStart, valueEnd)
    headers.push(name, value)
    noteFraming(name, value, head, facts, bad)
  }
  // HTTP/1.1 is persistent unless `close`; HTTP/1.0 only with `keep-alive`.
  head.keepAlive = !facts.closeToken && (head.minor === 1 || facts.keepAliveToken)
  return facts
}

/** Records what one field says about framing and the connection (only a few names matter). */
function noteFraming(name: string, value: string, head: HeadCommon & Partial<RequestHead> & Partial<ResponseHead>, facts: FieldFacts, bad: 400 | 502): void {
  const n = name.length
  // Cheap prefilter on length and first letter before lowercasing.
  if (n !== 4 && n !== 6 && n !== 10 && n !== 14 && n !== 17) return
  const lower = name.toLowerCase()
  switch (lower) {
    case 'host':
      if (facts.host) facts.multipleHost = true
      facts.host = true
      return
    case 'content-length': {
      // 1*DIGIT; a list of identical values is the same length (RFC 9110 §8.6), differing ones are refused.
      let length = -1
      for (const part of value.indexOf(',') === -1 ? [value] : value.split(',')) {
        const v = part.trim()
        if (v.length === 0 || v.length > 15) throw new HttpParseError(bad, 'malformed Content-Length')
        let parsed = 0
        for (let k = 0; k < v.length; k++) {
          const d = v.charCodeAt(k) - 0x30
          if (d < 0 || d > 9) throw new HttpParseError(bad, 'malformed Content-Length')
          parsed = parsed * 10 + d
        }
        if (length !== -1 && parsed !== length) throw new HttpParseError(bad, 'conflicting Content-Length values')
        length = parsed
      }
      if (head.contentLength !== -1 && head.contentLength !== length) throw new HttpParseError(bad, 'conflicting Content-Length values')
      head.contentLength = length
      return
    }
    case 'transfer-encoding': {
      head.hasTransferEncoding = true
      const codings = value.split(',')
      for (const coding of codings) {
        const t = coding.trim().toLowerCase()
        if (t === '') throw new HttpParseError(bad, 'malformed Transfer-Encoding')
        facts.transferCodings++
        // chunked must be the final coding; anything after it means the framing is not chunked.
        head.chunked = t === 'chunked'
      }
      return
    }
    case 'connection':
      for (const token of value.split(',')) {
        const t = token.trim().toLowerCase()
        if (t === 'close') facts.closeToken = true
        else if (t === 'keep-alive') facts.keepAliveToken = true
        else if (t !== '') (head.connectionTokens ??= []).push(t)
      }
      return
    case 'keep-alive':
      if ('status' in head) {
        const m = /(?:^|[\s,;])timeout\s*=\s*(\d+)/i.exec(value)
        if (m) head.keepAliveTimeoutSec = Number(m[1])
      }
      return
    case 'expect':
      if ('method' in head) {
        if (value.toLowerCase() === '100-continue') head.expectContinue = true
        else head.expectOther = true
      }
      return
  }
}

/**
 * Tracks chunked framing (RFC 9112 §7.1) across any split of the bytes. `feed` returns the index
 * right after the message's last byte (the CRLF after the trailer section) or -1 when the bytes
 * end inside the message; `onData` (optional) receives each run of chunk data. Refuses sizes that
 * are not 1–12 hex digits, whitespace around them, anything but CRLF after chunk data, and control
 * characters in extensions and trailers.
 */
export class ChunkedFramer {
  private state: State = State.Size
  private size = 0
  private digits = 0
  /** Data bytes remaining in the current chunk. */
  private remaining = 0
  /** Bytes in the current trailer line (0: at a line start). */
  private lineBytes = 0
  /** Chunk data seen so far (the payload size). */
  dataBytes = 0
  done = false

  constructor(private readonly status: 400 | 502 = 400) {}

  feed(buf: Buffer, start: number, end: number, onData?: (buf: Buffer, start: number, end: number) => void): number {
    let i = start
    while (i < end) {
      switch (this.state) {
        case State.Size: {
          const c = buf[i]
          const h = HEX[c]
          if (h !== -1) {
            if (++this.digits > 12) this.fail('chunk size too large')
            this.size = this.size * 16 + h
            i++
            continue
          }
          if (this.digits === 0) this.fail('malformed chunk size')
          if (c === CR) this.state = State.SizeLf
          else if (c === 0x3b /* ; */) this.state = State.Extension
          else this.fail('malformed chunk size')
          i++
          continue
        }
        case State.Extension: {
          // chunk-ext = *( ";" name [ "=" value ] ): visible characters and HTAB/SP, up to CRLF.
          const c = buf[i]
          if (c === CR) this.state = State.SizeLf
          else if (FIELD_VALUE[c] !== 1) this.fail('control character in a chunk extension')
          i++
          continue
        }
        case State.SizeLf:
          if (buf[i++] !== LF) this.fail('chunk size line not ended by CRLF')
          this.digits = 0
          if (this.size === 0) {
            this.state = State.Trailer
            this.lineBytes = 0
          } else {
            this.remaining = this.size
            this.size = 0
            this.state = State.Data
          }
          continue
        case State.Data: {
          const take = Math.min(this.remaining, end - i)
          if (onData !== undefined) onData(buf, i, i + take)
          this.remaining -= take
          this.dataBytes += take
          i += take
          if (this.remaining === 0) this.state = State.DataCr
          continue
        }
        case State.DataCr:
          if (buf[i++] !== CR) this.fail('chunk data not followed by CRLF')
          this.state = State.DataLf
          continue
        case State.DataLf:
          if (buf[i++] !== LF) this.fail('chunk data not followed by CRLF')
          this.state = State.Size
          continue
        case State.Trailer: {
          // trailer-section = *( field-line CRLF ) CRLF; an empty line ends the message.
          const c = buf[i++]
          if (c === CR) {
            this.state = State.TrailerLf
            continue
          }
          if (this.lineBytes === 0 && (c === 0x20 || c === 0x09)) this.fail('obs-fold in trailer')
          if (FIELD_VALUE[c] !== 1) this.fail('control character in trailer')
          if (++this.lineBytes > 16 * 1024) this.fail('trailer line too long')
          continue
        }
        case State.TrailerLf:
          if (buf[i++] !== LF) this.fail('trailer line not ended by CRLF')
          if (this.lineBytes === 0) {
            this.state = State.Done
            this.done = true
            return i
          }
          this.lineBytes = 0
          this.state = State.Trailer
          continue
        case State.Done:
          return i
      }
    }
    return this.done ? i : -1
  }

  private fail(message: string): never {
    throw new HttpParseError(this.status, message)
  }
}

