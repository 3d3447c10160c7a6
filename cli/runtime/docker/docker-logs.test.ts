// Docker's multiplexed log frames, decoded into lines however the chunks are cut.
import {describe, expect, it} from 'vitest'
import {FrameDecoder, LineSplitter, decodeLogBuffer} from './docker-logs.js'

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text)
  const header = Buffer.alloc(8)
  header[0] = stream
  header.writeUInt32BE(payload.length, 4)
  return Buffer.concat([header, payload])
}

describe('container log frames', () => {
  it('decodes stdout and stderr frames into lines, in order', () => {
    const buffer = Buffer.concat([frame(1, 'one\ntwo\n'), frame(2, 'err: three\n'), frame(1, 'four')])
    expect(decodeLogBuffer(buffer)).toEqual(['one', 'two', 'err: three', 'four'])
  })

  it('holds a frame split across chunks (header and payload) until it is whole', () => {
    const bytes = Buffer.concat([frame(1, 'hello wor'), frame(1, 'ld\nnext\n')])
    const decoder = new FrameDecoder()
    const splitter = new LineSplitter()
    const lines: string[] = []
    for (let i = 0; i < bytes.length; i += 3) lines.push(...splitter.push(decoder.push(bytes.subarray(i, i + 3))))
    lines.push(...splitter.flush())
    expect(lines).toEqual(['hello world', 'next'])
  })

  it('keeps multi-byte characters whole and drops carriage returns', () => {
    expect(decodeLogBuffer(frame(1, 'größe ✓\r\n'))).toEqual(['größe ✓'])
  })
})
