import {describe, expect, it} from 'vitest'
import {ChunkedFramer, DEFAULT_HEAD_LIMITS, findHeadEnd, HttpParseError, parseRequestHead, parseResponseHead} from './parser.js'

const bytes = (s: string) => Buffer.from(s, 'latin1')

function parseRequest(raw: string) {
  const buf = bytes(raw)
  const end = findHeadEnd(buf, 0, buf.length, DEFAULT_HEAD_LIMITS)
  if (end === -1) throw new Error('incomplete')
  return parseRequestHead(buf, 0, end)
}

function refusal(raw: string): number | 'accepted' | 'incomplete' {
  try {
    const buf = bytes(raw)
    const end = findHeadEnd(buf, 0, buf.length, DEFAULT_HEAD_LIMITS)
    if (end === -1) return 'incomplete'
    const head = parseRequestHead(buf, 0, end)
    if (head.chunked) {
      const framer = new ChunkedFramer(400)
      if (framer.feed(buf, end, buf.length) === -1) return 'incomplete'
    }
    return 'accepted'
  } catch (err) {
    if (err instanceof HttpParseError) return err.status
    throw err
  }
}

describe('request heads', () => {
  it('parses the request line, fields in order, and the framing', () => {
    const head = parseRequest('POST /api/v1/x?y=1 HTTP/1.1\r\nHost: a\r\nContent-Length:  5 \r\nX-Two: a\r\nx-two: b\r\nConnection: keep-alive, X-Hop\r\n\r\n')
    expect(head).toMatchObject({method: 'POST', target: '/api/v1/x?y=1', minor: 1, contentLength: 5, chunked: false, keepAlive: true, connectionTokens: ['x-hop']})
    expect(head.headers).toEqual(['Host', 'a', 'Content-Length', '5', 'X-Two', 'a', 'x-two', 'b', 'Connection', 'keep-alive, X-Hop'])
  })

  it('knows when a connection persists', () => {
    expect(parseRequest('GET / HTTP/1.1\r\nHost: a\r\n\r\n').keepAlive).toBe(true)
    expect(parseRequest('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n').keepAlive).toBe(false)
    expect(parseRequest('GET / HTTP/1.0\r\n\r\n').keepAlive).toBe(false)
    expect(parseRequest('GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n').keepAlive).toBe(true)
  })

  it('accepts identical repeated Content-Length values and chunked framing', () => {
    expect(parseRequest('PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\n').contentLength).toBe(3)
    expect(parseRequest('PUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n').chunked).toBe(true)
  })

  // Each of these could make two parsers disagree about where a message ends (request smuggling),
  // or is simply not HTTP/1.1: refused, never guessed at.
  const refused: Array<[string, string, number]> = [
    ['Content-Length with Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['conflicting Content-Length fields', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n', 400],
    ['conflicting Content-Length list', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4, 5\r\n\r\n', 400],
    ['signed Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +4\r\n\r\n', 400],
    ['hex Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x4\r\n\r\n', 400],
    ['Content-Length with inner space', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4 4\r\n\r\n', 400],
    ['empty Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n', 400],
    ['huge Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n', 400],
    ['chunked not last', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n', 501],
    ['chunked twice', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n', 501],
    ['unknown coding', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n', 501],
    ['a coding before chunked', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 501],
    ['Transfer-Encoding in HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n', 400],
    ['obs-fold with a tab', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\tc\r\n\r\n', 400],
    ['whitespace before the colon', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 4\r\n\r\n', 400],
    ['bare LF ending a field', 'GET / HTTP/1.1\r\nHost: a\nX-A: b\r\n\r\n', 400],
    ['bare LF ending the head', 'GET / HTTP/1.1\nHost: a\n\n', 400],
    ['bare CR in a value', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n', 400],
    ['NUL in a value', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x00c\r\n\r\n', 400],
    ['empty field name', 'GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n', 400],
    ['no Host in HTTP/1.1', 'GET / HTTP/1.1\r\nX-A: b\r\n\r\n', 400],
    ['two Hosts', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400],
    ['two spaces in the request line', 'GET  / HTTP/1.1\r\nHost: a\r\n\r\n', 400],
    ['a space in the target', 'GET /a b HTTP/1.1\r\nHost: a\r\n\r\n', 400],
    ['lowercase version', 'GET / http/1.1\r\nHost: a\r\n\r\n', 400],
    ['HTTP/2.0 over HTTP/1 framing', 'GET / HTTP/2.0\r\nHost: a\r\n\r\n', 505],
    ['chunk size in hex with a sign', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n', 400],
    ['chunk size with trailing space', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n', 400],
    ['chunk size with leading space', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n', 400],
    ['chunk size not hex', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
    ['chunk size too long', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000\r\n', 400],
    ['chunk size line ended by bare LF', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n', 400],
    ['chunk data longer than its size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n', 400],
    ['control character in a chunk extension', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\x01\r\nhello\r\n0\r\n\r\n', 400],
    ['obs-fold in a trailer', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: a\r\n b\r\n\r\n', 400],
    ['bare LF in a trailer', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: a\n\r\n', 400],
  ]
  it.each(refused)('refuses %s', (_name, raw, status) => {
    expect(refusal(raw)).toBe(status)
  })

  it('refuses a head over the size limit, complete or not', () => {
    const big = `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'x'.repeat(DEFAULT_HEAD_LIMITS.maxHeadBytes)}`
    expect(refusal(big)).toBe(431)
    expect(refusal(`${big}\r\n\r\n`)).toBe(431)
  })

  it('refuses too many fields', () => {
    const fields = Array.from({length: DEFAULT_HEAD_LIMITS.maxHeaders + 1}, (_, i) => `X-${i}: v\r\n`).join('')
    expect(refusal(`GET / HTTP/1.1\r\nHost: a\r\n${fields}\r\n`)).toBe(431)
  })
})

describe('response heads', () => {
  it('parses the status line, framing and the Keep-Alive hint', () => {
    const buf = bytes('HTTP/1.1 201 Created\r\nContent-Length: 2\r\nKeep-Alive: timeout=5\r\n\r\nok')
    const head = parseResponseHead(buf, 0, findHeadEnd(buf, 0, buf.length, DEFAULT_HEAD_LIMITS))
    expect(head).toMatchObject({status: 201, statusLine: 'HTTP/1.1 201 Created', contentLength: 2, keepAlive: true, keepAliveTimeoutSec: 5, length: buf.length - 2})
  })

  it('accepts a status line without a reason and refuses broken ones with 502', () => {
    const parse = (raw: string) => {
      const buf = bytes(raw)
      return parseResponseHead(buf, 0, findHeadEnd(buf, 0, buf.length, DEFAULT_HEAD_LIMITS))
    }
    expect(parse('HTTP/1.1 204\r\n\r\n').status).toBe(204)
    for (const bad of ['HTTP/1.1 20 OK\r\n\r\n', 'HTTP/1.1 2000 OK\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', 'HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n']) {
      expect(() => parse(bad)).toThrow(HttpParseError)
    }
  })
})

describe('at every byte split', () => {
  // Three pipelined requests: a Content-Length body, a chunked body with an extension and a
  // trailer, and a GET. Fed in two parts split at every position, the parse must not change.
  const stream = bytes(
    'POST /one HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello' +
      'PUT /two HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6;ext=1\r\nchunk-\r\n4\r\ndata\r\n0\r\nX-Trailer: t\r\n\r\n' +
      'GET /three HTTP/1.1\r\nHost: a\r\n\r\n',
  )

  /** Reads requests from parts as the server does: heads when complete, bodies by their framing. */
  function readAll(parts: Buffer[]): Array<{target: string; body: string}> {
    const out: Array<{target: string; body: string}> = []
    let pending = Buffer.alloc(0)
    let current: {target: string; body: Buffer[]; remaining: number; framer: ChunkedFramer | null} | null = null
    for (const part of parts) {
      pending = Buffer.concat([pending, part])
      for (;;) {
        if (current === null) {
          const end = findHeadEnd(pending, 0, pending.length, DEFAULT_HEAD_LIMITS)
          if (end === -1) break
          const head = parseRequestHead(pending, 0, end)
          current = {target: head.target, body: [], remaining: Math.max(0, head.contentLength), framer: head.chunked ? new ChunkedFramer() : null}
          pending = pending.subarray(end)
        }
        let used: number
        let complete: boolean
        if (current.framer !== null) {
          const at = current.framer.feed(pending, 0, pending.length, (b, s, e) => current!.body.push(b.subarray(s, e)))
          complete = at !== -1
          used = complete ? at : pending.length
        } else {
          used = Math.min(current.remaining, pending.length)
          current.body.push(pending.subarray(0, used))
          current.remaining -= used
          complete = current.remaining === 0
        }
        pending = pending.subarray(used)
        if (!complete) break
        out.push({target: current.target, body: Buffer.concat(current.body).toString('latin1')})
        current = null
      }
    }
    return out
  }

  const expected = [
    {target: '/one', body: 'hello'},
    {target: '/two', body: 'chunk-data'},
    {target: '/three', body: ''},
  ]

  it('reads the same three requests wherever the bytes are cut', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(readAll([stream.subarray(0, cut), stream.subarray(cut)]), `cut at ${cut}`).toEqual(expected)
    }
  })

  it('reads them byte by byte', () => {
    expect(readAll([...stream].map((b) => Buffer.from([b])))).toEqual(expected)
  })

  it('refuses a smuggling attempt wherever it is cut, never reading past it', () => {
    const smuggle = bytes('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: a\r\n\r\n')
    for (let cut = 0; cut <= smuggle.length; cut++) {
      expect(() => readAll([smuggle.subarray(0, cut), smuggle.subarray(cut)]), `cut at ${cut}`).toThrow(HttpParseError)
    }
  })
})
