// The fault proxy service: a Toxiproxy-compatible server (API on HOST:PORT, default
// 127.0.0.1:8474) for where the real Toxiproxy cannot be had.
import {readConfig} from '../shared/config.js'
import {createLogger} from '../shared/logger.js'
import {installGracefulShutdown} from '../shared/shutdown.js'
import {seededRandom} from './clock.js'
import {faultProxyEnvSchema, loadProxyConfigFile} from './config.js'
import {startFaultProxy} from './server.js'

async function main(): Promise<void> {
  let config
  try {
    config = readConfig(faultProxyEnvSchema)
  } catch (err) {
    console.error(`faultproxy: ${(err as Error).message}`)
    process.exitCode = 1
    return
  }
  const log = createLogger('faultproxy', 'faultproxy', config.LOG_LEVEL)
  try {
    const faultProxy = await startFaultProxy({
      host: config.HOST,
      port: config.PORT,
      logger: log,
      random: config.FAULTPROXY_SEED === undefined ? Math.random : seededRandom(config.FAULTPROXY_SEED),
      proxies: config.FAULTPROXY_CONFIG ? loadProxyConfigFile(config.FAULTPROXY_CONFIG) : undefined,
    })
    installGracefulShutdown(faultProxy.server, log, {graceMs: 5_000, close: () => faultProxy.proxies.clear()})
  } catch (err) {
    log.fatal({err}, (err as Error).message)
    process.exitCode = 1
  }
}

void main()
