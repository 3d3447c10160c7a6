// Entry point of the gateway process (dist/system/gateway/main.js): configuration from the
// environment, graceful drain on SIGTERM/SIGINT.
import {createLogger} from '../shared/logger.js'
import {installGracefulShutdown} from '../shared/shutdown.js'
import {gatewayConfigFromEnv} from './config.js'
import {startGateway} from './gateway.js'

let config
try {
  config = gatewayConfigFromEnv()
} catch (err) {
  process.stderr.write(`gateway: ${(err as Error).message}\n`)
  process.exit(2)
}
const log = createLogger('gateway', config.instanceId, config.logLevel)
try {
  const gateway = await startGateway(config, {log})
  installGracefulShutdown(gateway.server, log, {
    graceMs: config.shutdownGraceMs,
    onDrainStart: gateway.beginDrain,
    close: gateway.closeDependencies,
  })
} catch (err) {
  log.fatal({err}, 'gateway failed to start')
  process.exit(1)
}
