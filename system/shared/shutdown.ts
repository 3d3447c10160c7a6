import type {Logger} from './logger.js'

/** What a graceful stop needs of a server: node:http's Server, or the lean Http1Server. */
export interface DrainableServer {
  close(callback?: (err?: Error) => void): unknown
  closeIdleConnections(): void
  closeAllConnections(): void
}

export interface ShutdownOptions {
  /** Longest wait for in-flight requests to finish before connections are destroyed. */
  graceMs: number
  /** Flips readiness to `unavailable` so balancers stop routing here while draining. */
  onDrainStart?: () => void
  /** Closes pools and clients after the server has stopped. */
  close?: () => Promise<void>
}

/**
 * A graceful stop without signal handling (tests call it directly): stop accepting, let in-flight
 * requests finish (bounded by graceMs), close idle keep-alive sockets, then close pools. Calling
 * it again returns the same promise.
 */
export function createGracefulStop(server: DrainableServer, log: Logger, options: ShutdownOptions): (signal?: string) => Promise<void> {
  let stopping: Promise<void> | undefined
  return (signal = 'SIGTERM'): Promise<void> => {
    stopping ??= (async () => {
      log.info({signal, graceMs: options.graceMs}, 'shutdown: draining')
      options.onDrainStart?.()
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      const timer = setTimeout(() => {
        log.warn('shutdown: grace period over, closing remaining connections')
        server.closeAllConnections()
      }, options.graceMs)
      timer.unref()
      await closed
      clearTimeout(timer)
      try {
        await options.close?.()
      } catch (err) {
        log.error({err}, 'shutdown: error while closing dependencies')
      }
      log.info('shutdown: done')
    })()
    return stopping
  }
}

/** Runs `stop` on the first SIGTERM or SIGINT, then exits. */
export function exitOnSignals(stop: (signal: string) => Promise<void>): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void stop(signal).finally(() => process.exit(0))
    })
  }
}

/**
 * Graceful stop on SIGTERM/SIGINT: stop accepting, let in-flight requests finish (bounded by
 * graceMs), close idle keep-alive sockets, then close pools and exit.
 */
export function installGracefulShutdown(server: DrainableServer, log: Logger, options: ShutdownOptions): (signal?: string) => Promise<void> {
  const stop = createGracefulStop(server, log, options)
  exitOnSignals(stop)
  return stop
}
