// One proxy: a listener that pipes every accepted client to a fresh connection to the upstream,
// through the proxy's toxics (Toxiproxy's Proxy).
import net from 'node:net'
import type {Logger} from '../shared/logger.js'
import {formatAddress, resolveAddress, splitHostPort} from './address.js'
import type {Clock} from './clock.js'
import {ProxyConnection} from './connection.js'
import {ToxicCollection} from './toxic-collection.js'

export interface ProxyEnvironment {
  clock: Clock
  random: () => number
  log: Logger
}

export interface ProxyFields {
  listen: string
  upstream: string
  enabled: boolean
}

/** Go sets these on every TCP connection; without TCP_NODELAY small replies wait on Nagle. */
const SOCKET_OPTIONS = {allowHalfOpen: true, noDelay: true, keepAlive: true, keepAliveInitialDelay: 15_000} as const

function bindError(err: NodeJS.ErrnoException, address: string): Error {
  const reason: Record<string, string> = {
    EADDRINUSE: 'address already in use',
    EADDRNOTAVAIL: 'cannot assign requested address',
    EACCES: 'permission denied',
  }
  const text = err.code ? reason[err.code] : undefined
  return new Error(text ? `listen tcp ${address}: bind: ${text}` : `listen tcp ${address}: ${err.message}`)
}

export class Proxy {
  enabled = false
  readonly toxics: ToxicCollection
  private server: net.Server | undefined
  private readonly connections = new Set<ProxyConnection>()
  private readonly log: Logger

  constructor(
    readonly name: string,
    /** As given until the proxy listens; then the bound address, e.g. 127.0.0.1:40211. */
    public listen: string,
    public upstream: string,
    private readonly env: ProxyEnvironment,
  ) {
    this.log = env.log.child({proxy: name})
    this.toxics = new ToxicCollection(() => this.connections)
  }

  /** Open connections right now. */
  get connectionCount(): number {
    return this.connections.size
  }

  /** Starts listening; the listen address then shows the real port (for `host:0`). */
  async start(): Promise<void> {
    if (this.enabled) return
    const {host, port} = await resolveAddress(this.listen)
    const server = net.createServer(SOCKET_OPTIONS, (client) => this.accept(client))
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(bindError(err, formatAddress(host, port))))
      server.listen(host === '' ? {port} : {host, port}, () => resolve())
    })
    server.on('error', (err) => this.log.warn({err}, 'proxy listener error'))
    const bound = server.address() as net.AddressInfo
    this.listen = formatAddress(bound.address, bound.port)
    this.server = server
    this.enabled = true
    this.log.info({listen: this.listen, upstream: this.upstream}, 'started proxy')
  }

  /** Closes the listener and cuts every connection (Toxiproxy's "down"). */
  async stop(): Promise<void> {
    if (!this.enabled || !this.server) return
    this.enabled = false
    const server = this.server
    this.server = undefined
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const connection of this.connections) connection.destroy()
    await closed
    this.log.info({listen: this.listen}, 'terminated proxy')
  }

  /** True when `other` names another listen address (compared resolved) or another upstream. */
  async differs(other: Pick<ProxyFields, 'listen' | 'upstream'>): Promise<boolean> {
    const {host, port} = await resolveAddress(other.listen)
    const listen = host === '' ? `:${port}` : formatAddress(host, port)
    return this.listen !== listen || this.upstream !== other.upstream
  }

  /** POST /proxies/{name}: a new address restarts the proxy (dropping its connections). */
  async update(input: ProxyFields): Promise<void> {
    if (await this.differs(input)) {
      await this.stop()
      this.listen = input.listen
      this.upstream = input.upstream
    }
    if (input.enabled !== this.enabled) {
      if (input.enabled) await this.start()
      else await this.stop()
    }
  }

  toJSON(): object {
    return {name: this.name, listen: this.listen, upstream: this.upstream, enabled: this.enabled, toxics: this.toxics.list()}
  }

  private accept(client: net.Socket): void {
    let target: {host: string; port: number}
    try {
      target = splitHostPort(this.upstream)
    } catch (err) {
      this.log.error({err, client: client.remoteAddress}, 'unable to open connection to upstream')
      client.destroy()
      return
    }
    const upstream = net.connect({...SOCKET_OPTIONS, host: target.host || 'localhost', port: target.port})
    let connected = false
    upstream.once('connect', () => (connected = true))
    upstream.once('error', (err) => {
      if (!connected) this.log.warn({err, upstream: this.upstream}, 'unable to open connection to upstream')
    })
    const connection = new ProxyConnection({
      client,
      upstream,
      toxics: (direction) => this.toxics.chain(direction),
      clock: this.env.clock,
      random: this.env.random,
      log: this.log,
      onClosed: (c) => this.connections.delete(c),
    })
    this.connections.add(connection)
    this.log.debug({client: `${client.remoteAddress}:${client.remotePort}`}, 'accepted client')
  }
}
