// API instance entry point (dist/system/api/main.js), configured only by environment variables;
// see system/api/config.ts for every variable and its default.
import {createLogger} from '../shared/logger.js'
import {exitOnSignals} from '../shared/shutdown.js'
import {readApiConfig} from './config.js'
import {startApi} from './server.js'

try {
  const config = readApiConfig()
  const api = await startApi(config, {log: createLogger('api', config.INSTANCE_ID, config.LOG_LEVEL)})
  exitOnSignals(api.close)
} catch (err) {
  createLogger('api', process.env.INSTANCE_ID ?? 'api').fatal({err}, `api could not start: ${(err as Error).message}`)
  process.exit(1)
}
