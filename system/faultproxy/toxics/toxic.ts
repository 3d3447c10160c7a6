// The shape every toxic implements, after Toxiproxy's `Toxic` interface: a toxic declares its
// attributes (all integers, as in Toxiproxy's Go structs) and builds, for one direction of one
// connection, a pipe that chunks flow through. Pipes are rewired while data flows, so a toxic
// added or removed through the API applies to connections that are already open.
import type {Clock} from '../clock.js'

/** Bytes read from one socket, with when the proxy read them (Clock.now ms); latency moves `at` on. */
export interface Chunk {
  data: Buffer
  at: number
}

/** Where a pipe sends its output: the next toxic in the chain, or the destination socket. */
export interface ChunkSink {
  write(chunk: Chunk): void
  /** Nothing more will come: the stream is closed (EOF from the source, or a toxic closed it). */
  end(): void
}

/** What a pipe sees of the link it runs on (Toxiproxy's ToxicStub). */
export interface ToxicStub {
  /** The pipe's output. Read it at every use: the link points it elsewhere when the chain changes. */
  readonly next: ChunkSink
  readonly clock: Clock
  /** Uniform in [0, 1); injected so tests can seed it. */
  readonly random: () => number
  /** Tears the whole connection down with a TCP RST on both sockets (reset_peer). */
  reset(): void
}

/** One toxic on one direction of one connection. */
export interface ToxicPipe extends ChunkSink {
  /** Bytes held back right now; the link pauses its source when the chain holds too much. */
  heldBytes(): number
  /** The toxic stops applying to this link: hand on everything held, now, in order, and stop timers. */
  flush(): void
  /** Extra step when the toxic is removed, after flush (timeout closes the link: it dropped data). */
  removed?(): void
  /** The toxic's attributes were updated through the API (the pipe reads them live). */
  attributesChanged?(): void
  /** The connection is gone: stop timers, drop what is held. */
  dispose(): void
}

export type Attributes = Record<string, number>

export interface ToxicDefinition<A extends Attributes = Attributes> {
  /** Toxiproxy's type name, e.g. `latency`. */
  readonly type: string
  /** Every attribute with its zero value, as Toxiproxy's Go struct marshals it. */
  readonly defaults: A
  /** Builds the pipe for one link; `attributes()` returns the current values (updated live). */
  pipe(stub: ToxicStub, attributes: () => A): ToxicPipe
}

/** Identity helper so each toxic file gets its attribute type checked. */
export function defineToxic<A extends Attributes>(definition: ToxicDefinition<A>): ToxicDefinition<A> {
  return definition
}
