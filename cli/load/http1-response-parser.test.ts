import {describe, expect, it} from 'vitest'
import {Http1ResponseParser} from './http1-response-parser.js'

interface Parsed {
  status?: number
  body: string
  done: boolean
  keepAlive: boolean
  consumed: number
}

/** Feeds `raw` to a fresh parser in pieces of `split` bytes (every split point gets exercised). */
function parse(raw: string, options: {split?: number; head?: boolean; wantBody?: boolean} = {}): Parsed {
  const parser = new Http1ResponseParser()
  parser.start(options.head ?? false, options.wantBody ?? true)
  const bytes = Buffer.from(raw, 'latin1')
  const split = options.split ?? bytes.length
  const parsed: Parsed = {body: '', done: false, keepAlive: true, consumed: 0}
  const events = {
    onHead: (status: number) => (parsed.status = status),
    onBody: (chunk: Buffer) => (parsed.body += chunk.toString('latin1')),
  }
  for (let i = 0; i < bytes.length && !parser.done; i += split) {
    const piece = bytes.subarray(i, Math.min(i + split, bytes.length))
    parsed.consumed += parser.execute(piece, events)
  }
  parsed.done = parser.done
  parsed.keepAlive = parser.keepAlive
  return parsed
}

const splits = [1, 2, 3, 5, 7, 13, 1000]

describe('Http1ResponseParser', () => {
  it('reads a Content-Length response however the bytes are split', () => {
    const raw = 'HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"id":1234}'
    for (const split of splits) {
      expect(parse(raw, {split})).toEqual({status: 201, body: '{"id":1234}', done: true, keepAlive: true, consumed: raw.length})
    }
  })

  it('decodes chunked bodies with extensions and trailers', () => {
    const raw = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n \r\nA\r\nworld12345\r\n0\r\nX-Trailer: yes\r\n\r\n'
    for (const split of splits) {
      const parsed = parse(raw, {split})
      expect(parsed.body).toBe('hello world12345')
      expect(parsed.done).toBe(true)
      expect(parsed.consumed).toBe(raw.length)
    }
  })

  it('skips interim 1xx responses and reports the final status', () => {
    const raw = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 429 Too Many Requests\r\nContent-Length: 4\r\nRetry-After: 1\r\n\r\nslow'
    for (const split of splits) expect(parse(raw, {split})).toMatchObject({status: 429, body: 'slow', done: true})
  })

  it('knows which responses carry no body', () => {
    expect(parse('HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n')).toMatchObject({status: 204, done: true, body: ''})
    expect(parse('HTTP/1.1 304 Not Modified\r\n\r\n')).toMatchObject({status: 304, done: true})
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n', {head: true})).toMatchObject({status: 200, done: true})
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')).toMatchObject({status: 200, done: true})
  })

  it('reads to the end of the connection when nothing frames the body, and says the connection is spent', () => {
    const parser = new Http1ResponseParser()
    parser.start(false, true)
    let body = ''
    const events = {onHead: () => {}, onBody: (c: Buffer) => (body += c.toString())}
    parser.execute(Buffer.from('HTTP/1.0 200 OK\r\n\r\npart one, '), events)
    parser.execute(Buffer.from('part two'), events)
    expect(parser.done).toBe(false)
    expect(parser.finishOnClose()).toBe(true)
    expect(body).toBe('part one, part two')
    expect(parser.keepAlive).toBe(false)
  })

  it('follows Connection and Keep-Alive headers', () => {
    expect(parse('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok').keepAlive).toBe(false)
    expect(parse('HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok').keepAlive).toBe(false)
    expect(parse('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok').keepAlive).toBe(true)
    const parser = new Http1ResponseParser()
    parser.start(false, false)
    parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nok'), {onHead: () => {}, onBody: () => {}})
    expect(parser.keepAliveHintSeconds).toBe(5)
  })

  it('does not hand out the body unless asked to, and reports bytes beyond the response', () => {
    const raw = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA'
    const parsed = parse(raw, {wantBody: false})
    expect(parsed).toMatchObject({status: 200, body: '', done: true})
    expect(parsed.consumed).toBe(raw.length - 'EXTRA'.length)
  })

  it('rejects what is not HTTP/1.x', () => {
    expect(() => parse('SSH-2.0-OpenSSH\r\n\r\n')).toThrow(/bad status line/)
    expect(() => parse('HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n')).toThrow(/bad content-length/)
    expect(() => parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')).toThrow(/bad chunk size/)
    expect(() => parse('HTTP/1.1 200 OK\r\nno colon here\r\n\r\n')).toThrow(/bad header line/)
  })
})
