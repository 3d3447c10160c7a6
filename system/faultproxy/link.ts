// One direction of one proxied connection: bytes read from `source` go through the chain of
// toxics for that direction and are written to `dest`. With no toxic the chain is empty and a
// read is written straight to the destination socket (a plain pipe with back-pressure); toxics
// are spliced in and out of the chain while data flows, so they apply to open connections too.
import type {Socket} from 'node:net'
import type {Clock} from './clock.js'
import type {Chunk, ChunkSink, ToxicPipe, ToxicStub} from './toxics/toxic.js'
import type {Toxic} from './toxic-collection.js'

export type StreamDirection = 'upstream' | 'downstream'

/** Bytes the chain may hold (latency, bandwidth) before the source is paused. */
const MAX_HELD_BYTES = 1 << 20

export interface LinkEnvironment {
  clock: Clock
  random: () => number
  /** Tears the whole connection down with RST (reset_peer). */
  reset(): void
}

/**
 * A toxic placed on this link. Toxicity is drawn per connection: when the draw misses, chunks go
 * straight past. The pipe is built on the first draw that hits and kept, so per-connection state
 * (limit_data's count) survives an update.
 */
class LinkStage implements ChunkSink, ToxicStub {
  next: ChunkSink
  pipe: ToxicPipe | undefined
  active = false

  constructor(
    readonly toxic: Toxic,
    next: ChunkSink,
    private readonly env: LinkEnvironment,
    /** Called after each chunk enters: data moved on, so a paused source may resume. */
    private readonly moved: () => void,
  ) {
    this.next = next
    this.draw()
  }

  /** Draws whether the toxic applies to this connection; returns whether it did before. */
  draw(): boolean {
    const wasActive = this.active
    this.active = this.env.random() < this.toxic.toxicity
    if (this.active && !this.pipe) this.pipe = this.toxic.definition.pipe(this, () => this.toxic.attributes)
    return wasActive
  }

  get clock(): Clock {
    return this.env.clock
  }

  get random(): () => number {
    return this.env.random
  }

  reset(): void {
    this.env.reset()
  }

  write(chunk: Chunk): void {
    if (this.active) this.pipe!.write(chunk)
    else this.next.write(chunk)
    this.moved()
  }

  end(): void {
    if (this.active) this.pipe!.end()
    else this.next.end()
  }

  heldBytes(): number {
    return this.active ? this.pipe!.heldBytes() : 0
  }
}

export class ToxicLink {
  private stages: LinkStage[] = []
  /** Where the source's bytes go first: the first stage, or `output` when there is none. */
  private head: ChunkSink
  private readonly output: ChunkSink
  private inputEnded = false
  private outputEnded = false
  private waitingForDrain = false
  private sourcePaused = false

  constructor(
    readonly direction: StreamDirection,
    private readonly source: Socket,
    private readonly dest: Socket,
    toxics: readonly Toxic[],
    private readonly env: LinkEnvironment,
  ) {
    this.output = {write: (chunk) => this.writeFromChain(chunk), end: () => this.endOutput()}
    this.head = this.output
    for (const toxic of toxics) this.addToxic(toxic)
    source.on('data', this.onData)
    source.on('end', this.endInput)
    source.on('close', this.endInput)
    dest.on('drain', this.onDrain)
    dest.on('close', this.onDestClosed)
  }

  /** Appends a toxic at the end of the chain, as Toxiproxy does. */
  addToxic(toxic: Toxic): void {
    const stage = new LinkStage(toxic, this.output, this.env, this.chunkMoved)
    const last = this.stages.at(-1)
    if (last) last.next = stage
    else this.head = stage
    this.stages.push(stage)
  }

  /** Takes a toxic out of the chain; what it holds goes on first, so no byte is lost or reordered. */
  removeToxic(toxic: Toxic): void {
    const index = this.stages.findIndex((s) => s.toxic === toxic)
    if (index < 0) return
    const stage = this.stages[index]
    if (stage.active) {
      stage.pipe!.flush()
      stage.pipe!.removed?.()
    }
    stage.pipe?.dispose()
    if (index === 0) this.head = stage.next
    else this.stages[index - 1].next = stage.next
    this.stages.splice(index, 1)
    this.flowControl()
  }

  /** New attributes or toxicity: draw again whether the toxic applies here (Toxiproxy re-runs it). */
  updateToxic(toxic: Toxic): void {
    const stage = this.stages.find((s) => s.toxic === toxic)
    if (!stage) return
    const wasActive = stage.draw()
    if (wasActive && !stage.active) stage.pipe!.flush()
    if (stage.active) stage.pipe!.attributesChanged?.()
    this.flowControl()
  }

  /** Connection gone: stop every toxic's timers. */
  dispose(): void {
    for (const stage of this.stages) stage.pipe?.dispose()
  }

  private readonly onData = (data: Buffer): void => {
    if (this.head === this.output) {
      // The no-toxic path: nothing but a socket write and its back-pressure.
      if (this.outputEnded) return
      if (!this.dest.write(data)) this.pauseForDrain()
      return
    }
    this.head.write({data, at: this.env.clock.now()})
    this.flowControl()
  }

  private writeFromChain(chunk: Chunk): void {
    if (this.outputEnded) return
    if (!this.dest.write(chunk.data)) this.waitingForDrain = true
    this.flowControl()
  }

  // A later toxic may drop what an earlier one held (latency then timeout): nothing reaches the
  // output, so flow control is also checked whenever a chunk moves along a paused link.
  private readonly chunkMoved = (): void => {
    if (this.sourcePaused) this.flowControl()
  }

  private pauseForDrain(): void {
    this.waitingForDrain = true
    this.sourcePaused = true
    this.source.pause()
  }

  private readonly onDrain = (): void => {
    this.waitingForDrain = false
    this.flowControl()
  }

  private flowControl(): void {
    let held = 0
    for (const stage of this.stages) held += stage.heldBytes()
    const pause = this.waitingForDrain || held > MAX_HELD_BYTES
    if (pause && !this.sourcePaused) {
      this.sourcePaused = true
      this.source.pause()
    } else if (!pause && this.sourcePaused) {
      this.sourcePaused = false
      this.source.resume()
    }
  }

  /** The source is done (EOF, error or closed): the end travels the chain behind the data. */
  private readonly endInput = (): void => {
    if (this.inputEnded) return
    this.inputEnded = true
    this.head.end()
  }

  /**
   * The chain closed this direction: like Toxiproxy, close the destination outright once what was
   * written has been handed to the kernel. The other direction then sees its source close and
   * finishes the same way, so in-flight data still arrives but the connection does not linger.
   */
  private endOutput(): void {
    if (this.outputEnded) return
    this.outputEnded = true
    if (this.dest.destroyed) return
    this.dest.end(() => this.dest.destroy())
  }

  private readonly onDestClosed = (): void => {
    this.outputEnded = true
    this.waitingForDrain = false
    this.flowControl()
  }
}
