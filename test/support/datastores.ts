// Real Redis and Postgres processes for tests: each call starts its own on a free port in a temp
// dir and returns a stop function. Nothing here touches the machine's own services on 6379/5432.
import {mkdtempSync, rmSync, chownSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import pg from 'pg'
import {
  ensureDatabase,
  freePort,
  initPostgresCluster,
  pingPostgres,
  pingRedis,
  postgresRunAs,
  spawnPostgres,
  spawnRedis,
  waitFor,
  type SpawnedProcess,
} from '../../cli/runtime/local/datastores.js'
import {POSTGRES_DB, POSTGRES_USER} from '../../contracts/topology.js'
import {migrate} from '../../system/db/migrate.js'
import {seed} from '../../system/db/seed.js'

export interface TestRedis {
  host: string
  port: number
  url: string
  process: SpawnedProcess
  /** Kill it (SIGKILL) — for outage tests; `restart` brings it back on the same port. */
  kill(): Promise<void>
  restart(): Promise<void>
  stop(): Promise<void>
}

export interface TestPostgres {
  host: string
  port: number
  url: string
  database: string
  process: SpawnedProcess
  kill(): Promise<void>
  restart(): Promise<void>
  stop(): Promise<void>
}

async function waitExit(p: SpawnedProcess, signal: NodeJS.Signals): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return
  await new Promise<void>((resolve) => {
    p.child.once('exit', () => resolve())
    try {
      p.child.kill(signal)
    } catch {
      resolve()
    }
  })
}

export async function startTestRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'scalelab-test-redis-'))
  const port = await freePort()
  const host = '127.0.0.1'
  const start = async () => {
    const p = spawnRedis({dir, port, host, detached: false, appendOnly: false})
    if (!(await waitFor(() => pingRedis(host, port, 300), 10_000, 50))) throw new Error(`test redis did not start on ${port}`)
    return p
  }
  const handle: TestRedis = {
    host,
    port,
    url: `redis://${host}:${port}`,
    process: await start(),
    async kill() {
      await waitExit(handle.process, 'SIGKILL')
    },
    async restart() {
      await waitExit(handle.process, 'SIGKILL')
      handle.process = await start()
    },
    async stop() {
      await waitExit(handle.process, 'SIGTERM')
      rmSync(dir, {recursive: true, force: true})
    },
  }
  return handle
}

export interface TestPostgresOptions {
  /** Apply the schema (default true). */
  migrate?: boolean
  /** Seed with this many resources (default: no seed). */
  seedResources?: number
}

export async function startTestPostgres(options: TestPostgresOptions = {}): Promise<TestPostgres> {
  const root = mkdtempSync(join(tmpdir(), 'scalelab-test-pg-'))
  const runAs = postgresRunAs()
  if (runAs) chownSync(root, runAs.uid, runAs.gid)
  const dataDir = join(root, 'data')
  initPostgresCluster(dataDir)
  const port = await freePort()
  const host = '127.0.0.1'
  const start = async () => {
    const p = spawnPostgres({dataDir, port, host, detached: false, maxConnections: 100})
    if (!(await waitFor(() => pingPostgres(host, port, 500), 20_000, 100))) throw new Error(`test postgres did not start on ${port}`)
    return p
  }
  const proc = await start()
  await ensureDatabase(host, port)
  const url = `postgres://${POSTGRES_USER}@${host}:${port}/${POSTGRES_DB}`
  if (options.migrate !== false || options.seedResources !== undefined) {
    const client = new pg.Client({connectionString: url})
    await client.connect()
    try {
      await migrate(client)
      if (options.seedResources !== undefined) await seed(client, options.seedResources)
    } finally {
      await client.end()
    }
  }
  const handle: TestPostgres = {
    host,
    port,
    url,
    database: POSTGRES_DB,
    process: proc,
    async kill() {
      await waitExit(handle.process, 'SIGKILL')
    },
    async restart() {
      await waitExit(handle.process, 'SIGKILL')
      handle.process = await start()
    },
    async stop() {
      // SIGINT is Postgres's "fast" shutdown: disconnect clients, stop now.
      await waitExit(handle.process, 'SIGINT')
      rmSync(root, {recursive: true, force: true})
    },
  }
  return handle
}
