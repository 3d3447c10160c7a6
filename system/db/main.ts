// One-shot job: `node dist/system/db/main.js migrate [--seed]` or `... seed`, configured by
// DATABASE_URL. The runtimes run it after Postgres is healthy and before the API fleet starts.
import pg from 'pg'
import {z} from 'zod'
import {readConfig} from '../shared/config.js'
import {createLogger} from '../shared/logger.js'
import {migrate} from './migrate.js'
import {seed} from './seed.js'

const config = readConfig(z.object({DATABASE_URL: z.string().min(1), SEED_RESOURCES: z.coerce.number().int().min(0).optional()}))
const log = createLogger('migrate', 'migrate')
const [command = 'migrate', ...flags] = process.argv.slice(2)

const client = new pg.Client({connectionString: config.DATABASE_URL, connectionTimeoutMillis: 5000})
try {
  await client.connect()
  if (command === 'migrate') {
    const applied = await migrate(client)
    log.info({applied}, applied.length ? 'migrations applied' : 'schema up to date')
  }
  if (command === 'seed' || flags.includes('--seed')) {
    const result = await seed(client, config.SEED_RESOURCES)
    log.info(result, 'seed data present')
  }
  if (command !== 'migrate' && command !== 'seed') throw new Error(`unknown command ${command}; use migrate [--seed] or seed`)
} catch (err) {
  log.error({err}, 'database job failed')
  process.exitCode = 1
} finally {
  await client.end().catch(() => undefined)
}
