// The balancer process: configuration from the environment (see README.md beside this file).
import {createLogger} from '../shared/logger.js'
import {installGracefulShutdown} from '../shared/shutdown.js'
import {startBalancer} from './balancer.js'
import {readBalancerConfig} from './config.js'

let config
try {
  config = readBalancerConfig()
} catch (err) {
  console.error(`balancer: ${(err as Error).message}`)
  process.exit(2)
}
const log = createLogger('balancer', config.instanceId, config.logLevel)
const balancer = await startBalancer(config, {log})
installGracefulShutdown(balancer.server, log, {
  graceMs: config.shutdownGraceMs,
  onDrainStart: () => balancer.startDraining(),
  close: () => balancer.stop(config.shutdownGraceMs),
})
