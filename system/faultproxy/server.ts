// The fault proxy in-process: the API server plus its proxies. main.ts runs it as a service;
// tests and the local runtime can start it directly.
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {createLogger, type Logger} from '../shared/logger.js'
import {createApiHandler} from './api.js'
import {formatAddress} from './address.js'
import {systemClock, type Clock} from './clock.js'
import {ProxyCollection} from './proxy-collection.js'

export interface FaultProxyOptions {
  /** API address; default 127.0.0.1. */
  host?: string
  /** API port; default 8474 (Toxiproxy's); 0 picks a free one. */
  port?: number
  logger?: Logger
  clock?: Clock
  /** Uniform [0, 1) source for toxicity, jitter and slicing; seed it for repeatable runs. */
  random?: () => number
  /** Proxies to create before the API answers, as POST /populate takes them (toxiproxy-server -config). */
  proxies?: unknown
}

export interface FaultProxy {
  /** http://host:port of the API, for toxiproxy-node-client. */
  url: string
  host: string
  port: number
  server: http.Server
  proxies: ProxyCollection
  /** Stops the API and every proxy, cutting their connections. */
  close(): Promise<void>
}

export async function startFaultProxy(options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const log = options.logger ?? createLogger('faultproxy', 'faultproxy', 'silent')
  const proxies = new ProxyCollection({clock: options.clock ?? systemClock, random: options.random ?? Math.random, log})
  if (options.proxies !== undefined) {
    const {error, proxies: created} = await proxies.populate(options.proxies)
    if (error) {
      await proxies.clear()
      throw new Error(`could not create the configured proxies: ${error.message}`)
    }
    log.info({proxies: created.length}, 'populated proxies from config')
  }
  const server = http.createServer(createApiHandler(proxies, log))
  // Toxiproxy's API server timeouts: a stuck client cannot hold a socket forever.
  server.requestTimeout = 15_000
  server.keepAliveTimeout = 60_000
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({host: options.host ?? '127.0.0.1', port: options.port ?? 8474}, () => resolve())
    })
  } catch (err) {
    await proxies.clear()
    const address = formatAddress(options.host ?? '127.0.0.1', options.port ?? 8474)
    throw (err as NodeJS.ErrnoException).code === 'EADDRINUSE'
      ? new Error(`the fault proxy API address ${address} is already in use; stop what listens there or set PORT to another port`)
      : err
  }
  const bound = server.address() as AddressInfo
  const url = `http://${formatAddress(bound.address, bound.port)}`
  log.info({url}, 'fault proxy API listening')
  let closing: Promise<void> | undefined
  return {
    url,
    host: bound.address,
    port: bound.port,
    server,
    proxies,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        server.closeIdleConnections()
        await proxies.clear()
        server.closeAllConnections()
        await closed
      })()
      return closing
    },
  }
}
