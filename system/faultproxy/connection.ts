// A client connection accepted by a proxy and its connection to the upstream: two toxic links,
// client → upstream ("upstream" stream) and upstream → client ("downstream" stream).
import type {Socket} from 'node:net'
import type {Logger} from '../shared/logger.js'
import type {Clock} from './clock.js'
import {ToxicLink, type StreamDirection} from './link.js'
import type {Toxic} from './toxic-collection.js'

export interface ConnectionOptions {
  client: Socket
  upstream: Socket
  toxics: (direction: StreamDirection) => readonly Toxic[]
  clock: Clock
  random: () => number
  log: Logger
  /** Called once, when both sockets have closed. */
  onClosed: (connection: ProxyConnection) => void
}

export class ProxyConnection {
  readonly links: Record<StreamDirection, ToxicLink>
  private readonly client: Socket
  private readonly upstream: Socket
  private openSockets = 2
  private disposed = false

  constructor(options: ConnectionOptions) {
    const {client, upstream, log} = options
    this.client = client
    this.upstream = upstream
    const env = {clock: options.clock, random: options.random, reset: () => this.reset()}
    this.links = {
      upstream: new ToxicLink('upstream', client, upstream, options.toxics('upstream'), env),
      downstream: new ToxicLink('downstream', upstream, client, options.toxics('downstream'), env),
    }
    // Errors end the stream like an EOF (the link sees 'close'); they are not the proxy's failure.
    client.on('error', (err) => log.debug({err, side: 'client'}, 'connection error'))
    upstream.on('error', (err) => log.debug({err, side: 'upstream'}, 'connection error'))
    const closed = () => {
      if (--this.openSockets > 0) return
      this.dispose()
      options.onClosed(this)
    }
    client.once('close', closed)
    upstream.once('close', closed)
  }

  /** Cuts the connection (proxy disabled, removed or shut down). */
  destroy(): void {
    this.client.destroy()
    this.upstream.destroy()
  }

  /** Resets both sockets: each peer sees ECONNRESET (reset_peer). */
  reset(): void {
    for (const socket of [this.client, this.upstream]) {
      if (!socket.destroyed) socket.resetAndDestroy()
    }
  }

  private dispose(): void {
    if (this.disposed) return
    this.disposed = true
    this.links.upstream.dispose()
    this.links.downstream.dispose()
  }
}
