import {Redis, type RedisOptions} from 'ioredis'
import type {Logger} from './logger.js'

/**
 * ioredis tuned for a lab about failure: no offline queue and no per-command retries (a command
 * while Redis is down fails at once instead of waiting), short connect and command timeouts, and
 * reconnection forever at most a second apart so recovery is quick once Redis is back.
 */
export function createRedis(url: string, log?: Logger, overrides: RedisOptions = {}): Redis {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    commandTimeout: 1000,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
    lazyConnect: false,
    ...overrides,
  })
  let connected = false
  client.on('ready', () => {
    if (!connected) log?.info({url}, 'redis connected')
    connected = true
  })
  client.on('error', (err) => {
    if (connected) log?.warn({err: err.message}, 'redis connection error')
    connected = false
  })
  return client
}

/** Disconnects and waits (bounded) until ioredis reports the connection ended, so a close is really done. */
export async function closeRedis(client: Redis, boundMs = 2000): Promise<void> {
  if (client.status === 'end') return
  let timer: NodeJS.Timeout | undefined
  const ended = new Promise<void>((resolve) => {
    client.once('end', () => resolve())
    timer = setTimeout(resolve, boundMs)
  })
  client.disconnect()
  await ended
  clearTimeout(timer)
}
