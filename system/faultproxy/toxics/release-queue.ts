// Holding chunks until a due time, in order, with one timer: the common core of the toxics that
// delay data (latency, bandwidth, slicer). Each decides the due times; this releases them.
import type {TimerHandle} from '../clock.js'
import type {Chunk, ToxicStub} from './toxic.js'

/** Absorbs float noise in due times; a chunk never leaves early by more than this. */
const DUE_SLACK_MS = 0.05

export class ReleaseQueue {
  private readonly items: {chunk: Chunk; due: number}[] = []
  private head = 0
  private held = 0
  private timer: TimerHandle | undefined
  private ended = false
  private endSent = false

  constructor(private readonly stub: ToxicStub) {}

  /** Queues `chunk` for release at `due` (Clock ms); releases at once when due and nothing waits. */
  push(chunk: Chunk, due: number): void {
    if (this.endSent) return
    if (this.pending() === 0 && due - this.stub.clock.now() <= DUE_SLACK_MS) {
      this.stub.next.write(chunk)
      return
    }
    this.items.push({chunk, due})
    this.held += chunk.data.length
    if (this.timer === undefined) this.arm()
  }

  /** The input ended: pass the end on once everything queued has been released. */
  end(): void {
    this.ended = true
    if (this.pending() === 0) this.sendEnd()
  }

  /** Releases everything now (the toxic leaves the link). */
  flush(): void {
    this.cancel()
    while (this.head < this.items.length) this.stub.next.write(this.take())
    this.compact()
    if (this.ended) this.sendEnd()
  }

  dispose(): void {
    this.cancel()
    this.items.length = 0
    this.head = 0
    this.held = 0
  }

  heldBytes(): number {
    return this.held
  }

  pending(): number {
    return this.items.length - this.head
  }

  private readonly release = (): void => {
    this.timer = undefined
    const now = this.stub.clock.now()
    while (this.head < this.items.length && this.items[this.head].due - now <= DUE_SLACK_MS) {
      this.stub.next.write(this.take())
    }
    this.compact()
    if (this.pending() > 0) this.arm()
    else if (this.ended) this.sendEnd()
  }

  private take(): Chunk {
    const item = this.items[this.head++]
    this.held -= item.chunk.data.length
    return item.chunk
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.items.length = 0
      this.head = 0
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head)
      this.head = 0
    }
  }

  private arm(): void {
    const wait = this.items[this.head].due - this.stub.clock.now()
    this.timer = this.stub.clock.setTimer(this.release, wait)
  }

  private cancel(): void {
    if (this.timer !== undefined) this.stub.clock.clearTimer(this.timer)
    this.timer = undefined
  }

  private sendEnd(): void {
    if (this.endSent) return
    this.endSent = true
    this.stub.next.end()
  }
}
