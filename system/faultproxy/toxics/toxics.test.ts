// Each toxic's pipe on a fake clock: exact release times, order, end-of-stream and removal.
import {describe, expect, it} from 'vitest'
import type {Clock, TimerHandle} from '../clock.js'
import {seededRandom} from '../clock.js'
import {bandwidthToxic} from './bandwidth.js'
import {latencyToxic} from './latency.js'
import {limitDataToxic} from './limit-data.js'
import {resetPeerToxic} from './reset-peer.js'
import {sliceBounds, slicerToxic} from './slicer.js'
import {slowCloseToxic} from './slow-close.js'
import {timeoutToxic} from './timeout.js'
import type {Attributes, Chunk, ToxicDefinition, ToxicPipe, ToxicStub} from './toxic.js'

/** A fake clock: time moves only when the test advances it. */
class FakeClock implements Clock {
  time = 0
  private timers: {at: number; seq: number; callback: () => void}[] = []
  private seq = 0

  now(): number {
    return this.time
  }

  setTimer(callback: () => void, ms: number): TimerHandle {
    const timer = {at: this.time + Math.max(0, ms), seq: this.seq++, callback}
    this.timers.push(timer)
    return timer
  }

  clearTimer(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t !== handle)
  }

  advance(ms: number): void {
    const until = this.time + ms
    for (;;) {
      const due = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at || a.seq - b.seq)[0]
      if (!due) break
      this.timers = this.timers.filter((t) => t !== due)
      this.time = Math.max(this.time, due.at)
      due.callback()
    }
    this.time = until
  }
}

/** Records what a pipe passes on, with the fake time it did. */
class RecordingSink {
  readonly writes: {at: number; text: string}[] = []
  endedAt: number | undefined
  constructor(private readonly clock: FakeClock) {}
  write(chunk: Chunk): void {
    this.writes.push({at: this.clock.now(), text: chunk.data.toString()})
  }
  end(): void {
    this.endedAt ??= this.clock.now()
  }
  text(): string {
    return this.writes.map((w) => w.text).join('')
  }
}

function run<A extends Attributes>(definition: ToxicDefinition<A>, attributes: Partial<A>, random = seededRandom(1)) {
  const clock = new FakeClock()
  const sink = new RecordingSink(clock)
  const current = {...definition.defaults, ...attributes} as A
  let resets = 0
  const stub: ToxicStub = {next: sink, clock, random, reset: () => resets++}
  const pipe: ToxicPipe = definition.pipe(stub, () => current)
  const send = (text: string) => pipe.write({data: Buffer.from(text), at: clock.now()})
  return {clock, sink, pipe, send, attributes: current, resets: () => resets}
}

describe('latency', () => {
  it('releases each chunk latency ms after it was read, in order', () => {
    const {clock, sink, send, pipe} = run(latencyToxic, {latency: 100})
    send('a')
    clock.advance(30)
    send('b')
    clock.advance(69)
    expect(sink.writes).toEqual([])
    clock.advance(1)
    expect(sink.writes).toEqual([{at: 100, text: 'a'}])
    clock.advance(30)
    expect(sink.writes.map((w) => w.at)).toEqual([100, 130])
    expect(pipe.heldBytes()).toBe(0)
  })

  it('keeps order under jitter: a shorter draw waits for the chunk before it', () => {
    const {clock, sink, send} = run(latencyToxic, {latency: 50, jitter: 40})
    for (let i = 0; i < 20; i++) {
      send(String.fromCharCode(97 + i))
      clock.advance(1)
    }
    clock.advance(200)
    expect(sink.text()).toBe('abcdefghijklmnopqrst')
    const times = sink.writes.map((w) => w.at)
    expect(times).toEqual([...times].sort((a, b) => a - b))
    expect(Math.min(...times)).toBeGreaterThanOrEqual(10)
    expect(Math.max(...times)).toBeLessThanOrEqual(19 + 90)
  })

  it('passes the end on after the last delayed chunk', () => {
    const {clock, sink, send, pipe} = run(latencyToxic, {latency: 100})
    send('a')
    pipe.end()
    clock.advance(50)
    expect(sink.endedAt).toBeUndefined()
    clock.advance(50)
    expect(sink.endedAt).toBe(100)
  })

  it('hands everything on at once when flushed (removed), then the end', () => {
    const {clock, sink, send, pipe} = run(latencyToxic, {latency: 100})
    send('a')
    send('b')
    pipe.end()
    expect(pipe.heldBytes()).toBe(2)
    clock.advance(10)
    pipe.flush()
    expect(sink.writes).toEqual([
      {at: 10, text: 'a'},
      {at: 10, text: 'b'},
    ])
    expect(sink.endedAt).toBe(10)
  })
})

describe('bandwidth', () => {
  it('paces chunks at rate KB/s', () => {
    const {clock, sink, send} = run(bandwidthToxic, {rate: 10}) // 10 bytes per ms
    send('x'.repeat(500))
    send('y'.repeat(500))
    clock.advance(200)
    expect(sink.writes.map((w) => [w.at, w.text.length])).toEqual([
      [50, 500],
      [100, 500],
    ])
  })

  it('sends large chunks in 100 ms pieces', () => {
    const {clock, sink, send} = run(bandwidthToxic, {rate: 1}) // 100 bytes per 100 ms
    send('z'.repeat(250))
    clock.advance(300)
    expect(sink.writes.map((w) => [w.at, w.text.length])).toEqual([
      [100, 100],
      [200, 100],
      [250, 50],
    ])
  })

  it('earns no credit while idle', () => {
    const {clock, sink, send} = run(bandwidthToxic, {rate: 10})
    clock.advance(1000)
    send('x'.repeat(100))
    clock.advance(20)
    expect(sink.writes.map((w) => w.at)).toEqual([1010])
  })

  it('passes everything at once when rate is 0', () => {
    const {sink, send} = run(bandwidthToxic, {rate: 0})
    send('free')
    expect(sink.writes).toEqual([{at: 0, text: 'free'}])
  })
})

describe('slicer', () => {
  it('cuts into slices within average_size ± size_variation that cover the input', () => {
    const random = seededRandom(3)
    for (const size of [1, 99, 100, 1000, 4096]) {
      const bounds = sliceBounds(size, 100, 20, random)
      expect(bounds[0]).toBe(0)
      expect(bounds.at(-1)).toBe(size)
      const sizes = bounds.slice(1).map((b, i) => b - bounds[i])
      expect(sizes.every((s) => s > 0 && s <= 120)).toBe(true)
      if (size >= 1000) expect(sizes.every((s) => s >= 40)).toBe(true)
    }
  })

  it('terminates and makes non-empty slices with degenerate attributes', () => {
    expect(sliceBounds(5, 0, 0, Math.random)).toEqual([0, 1, 2, 3, 4, 5])
    const wild = sliceBounds(100, 1, 80, seededRandom(9))
    expect(wild.at(-1)).toBe(100)
    expect(wild.slice(1).every((b, i) => b > wild[i])).toBe(true)
  })

  it('spaces slices `delay` microseconds apart', () => {
    const {clock, sink, send} = run(slicerToxic, {average_size: 10, size_variation: 0, delay: 2000})
    send('a'.repeat(40))
    clock.advance(100)
    expect(sink.writes.map((w) => w.at)).toEqual([0, 2, 4, 6])
    expect(sink.text()).toBe('a'.repeat(40))
  })
})

describe('slow_close', () => {
  it('passes data at once and the end after delay ms', () => {
    const {clock, sink, send, pipe} = run(slowCloseToxic, {delay: 250})
    send('data')
    expect(sink.writes).toHaveLength(1)
    pipe.end()
    clock.advance(249)
    expect(sink.endedAt).toBeUndefined()
    clock.advance(1)
    expect(sink.endedAt).toBe(250)
  })

  it('closes at once when removed while holding the close', () => {
    const {clock, sink, pipe} = run(slowCloseToxic, {delay: 250})
    pipe.end()
    clock.advance(10)
    pipe.flush()
    expect(sink.endedAt).toBe(10)
  })
})

describe('timeout', () => {
  it('drops data and closes after timeout ms', () => {
    const {clock, sink, send} = run(timeoutToxic, {timeout: 100})
    send('dropped')
    clock.advance(99)
    expect(sink.endedAt).toBeUndefined()
    clock.advance(1)
    expect(sink.endedAt).toBe(100)
    expect(sink.writes).toEqual([])
  })

  it('with 0 never closes by itself, and closes when removed', () => {
    const {clock, sink, send, pipe} = run(timeoutToxic, {timeout: 0})
    send('dropped')
    clock.advance(60_000)
    expect(sink.endedAt).toBeUndefined()
    pipe.flush()
    pipe.removed?.()
    expect(sink.endedAt).toBe(60_000)
  })

  it('restarts its timer when updated', () => {
    const {clock, sink, pipe, attributes} = run(timeoutToxic, {timeout: 100})
    clock.advance(50)
    attributes.timeout = 200
    pipe.attributesChanged?.()
    clock.advance(150)
    expect(sink.endedAt).toBeUndefined()
    clock.advance(50)
    expect(sink.endedAt).toBe(250)
  })
})

describe('reset_peer', () => {
  it('resets timeout ms after the first data, passing nothing', () => {
    const {clock, sink, send, resets} = run(resetPeerToxic, {timeout: 100})
    clock.advance(500)
    expect(resets()).toBe(0)
    send('swallowed')
    send('also')
    clock.advance(99)
    expect(resets()).toBe(0)
    clock.advance(1)
    expect(resets()).toBe(1)
    expect(sink.writes).toEqual([])
  })

  it('resets on the end of the stream too', () => {
    const {clock, pipe, resets} = run(resetPeerToxic, {timeout: 0})
    pipe.end()
    clock.advance(0)
    expect(resets()).toBe(1)
  })
})

describe('limit_data', () => {
  it('passes exactly `bytes` bytes across chunks, then ends', () => {
    const {sink, send} = run(limitDataToxic, {bytes: 10})
    send('123456')
    expect(sink.endedAt).toBeUndefined()
    send('7890abc')
    send('more')
    expect(sink.text()).toBe('1234567890')
    expect(sink.endedAt).toBe(0)
  })

  it('keeps its count when the limit is raised', () => {
    const {sink, send, attributes} = run(limitDataToxic, {bytes: 100})
    send('x'.repeat(60))
    attributes.bytes = 70
    send('y'.repeat(60))
    expect(sink.text()).toBe('x'.repeat(60) + 'y'.repeat(10))
    expect(sink.endedAt).toBe(0)
  })
})
