// Starting the lab's own redis-server and postgres from the host's binaries. Shared by the local
// runtime (detached, logs to files) and the tests (attached, temp dirs).
import {execFile, execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {promisify} from 'node:util'
import {existsSync, mkdirSync, chownSync, openSync, closeSync, readdirSync, statSync} from 'node:fs'
import {join} from 'node:path'
import net from 'node:net'
import pg from 'pg'
import {POSTGRES_DB, POSTGRES_USER} from '../../../contracts/topology.js'

export interface SpawnedProcess {
  pid: number
  child: ChildProcess
}

export interface SpawnOptions {
  /** Detached processes outlive the CLI (the lab); attached ones die with it (tests). */
  detached: boolean
  /** Append stdout and stderr here; without it output is discarded. */
  logFile?: string
}

function stdio(logFile?: string): ['ignore', number | 'ignore', number | 'ignore'] {
  if (!logFile) return ['ignore', 'ignore', 'ignore']
  const fd = openSync(logFile, 'a')
  return ['ignore', fd, fd]
}

/** Spawns with stdout and stderr appended to `logFile` (the runtime's node services use it too). */
export function spawnLogged(cmd: string, args: string[], opts: SpawnOptions & {uid?: number; gid?: number; env?: NodeJS.ProcessEnv; cwd?: string}): SpawnedProcess {
  const io = stdio(opts.logFile)
  const child = spawn(cmd, args, {
    detached: opts.detached,
    stdio: io,
    uid: opts.uid,
    gid: opts.gid,
    env: opts.env ?? process.env,
    cwd: opts.cwd,
  })
  // stdout and stderr share one fd: close it once, the child holds its own copies.
  for (const fd of new Set(io)) if (typeof fd === 'number') closeSync(fd)
  if (opts.detached) child.unref()
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`)
  return {pid: child.pid, child}
}

// ---------- binaries ----------

const PG_BIN_DIRS = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/14/bin']

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir, name)
    if (dir && existsSync(p)) return p
  }
  return undefined
}

/** Finds a host binary: an explicit env override, PATH, then Debian's PostgreSQL layout. */
export function findBinary(name: 'redis-server' | 'postgres' | 'initdb' | 'pg_ctl'): string | undefined {
  const override = process.env[`SCALELAB_${name.toUpperCase().replace('-', '_')}`]
  if (override && existsSync(override)) return override
  const found = onPath(name)
  if (found) return found
  if (name !== 'redis-server') {
    for (const dir of PG_BIN_DIRS) if (existsSync(join(dir, name))) return join(dir, name)
  }
  return undefined
}

// ---------- running Postgres as its own user when we are root ----------

export interface RunAs {
  uid: number
  gid: number
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user. */
export function postgresRunAs(): RunAs | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], {encoding: 'utf8'}).trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres'], {encoding: 'utf8'}).trim())
    return {uid, gid}
  } catch {
    throw new Error('running as root, and there is no `postgres` user to run PostgreSQL as; create one (useradd postgres) or run as a normal user')
  }
}

function chownTree(path: string, runAs: RunAs): void {
  chownSync(path, runAs.uid, runAs.gid)
  if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) chownTree(join(path, entry), runAs)
}

// ---------- Postgres ----------

/** Creates a cluster in `dataDir` (trust auth, superuser = the lab's user) unless one is there. */
export function initPostgresCluster(dataDir: string): void {
  const plan = initdbPlan(dataDir)
  if (!plan) return
  execFileSync(plan.bin, plan.args, {stdio: ['ignore', 'pipe', 'pipe'], ...plan.options})
}

/** The same, without blocking the event loop for the second or two initdb takes. */
export async function initPostgresClusterAsync(dataDir: string): Promise<void> {
  const plan = initdbPlan(dataDir)
  if (!plan) return
  try {
    await promisify(execFile)(plan.bin, plan.args, plan.options)
  } catch (err) {
    const stderr = String((err as {stderr?: unknown}).stderr ?? '').trim()
    throw new Error(`initdb failed for ${dataDir}${stderr ? `: ${stderr.split('\n').slice(-3).join(' ')}` : ''}`, {cause: err})
  }
}

function initdbPlan(dataDir: string): {bin: string; args: string[]; options: {uid?: number; gid?: number; cwd: string}} | undefined {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return undefined
  const initdb = findBinary('initdb')
  if (!initdb) throw new Error('initdb not found')
  mkdirSync(dataDir, {recursive: true, mode: 0o700})
  const runAs = postgresRunAs()
  if (runAs) chownTree(dataDir, runAs)
  return {
    bin: initdb,
    args: ['-D', dataDir, '-U', POSTGRES_USER, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
    options: {uid: runAs?.uid, gid: runAs?.gid, cwd: '/'},
  }
}

export interface PostgresOptions extends SpawnOptions {
  dataDir: string
  port: number
  host?: string
  maxConnections?: number
}

export function spawnPostgres(opts: PostgresOptions): SpawnedProcess {
  const bin = findBinary('postgres')
  if (!bin) throw new Error('postgres not found')
  const runAs = postgresRunAs()
  if (runAs && opts.logFile && !existsSync(opts.logFile)) closeSync(openSync(opts.logFile, 'a'))
  return spawnLogged(
    bin,
    [
      '-D', opts.dataDir,
      '-p', String(opts.port),
      '-c', `listen_addresses=${opts.host ?? '127.0.0.1'}`,
      '-c', 'unix_socket_directories=',
      '-c', `max_connections=${opts.maxConnections ?? 200}`,
      '-c', 'shared_buffers=128MB',
      '-c', 'log_min_messages=warning',
    ],
    {...opts, uid: runAs?.uid, gid: runAs?.gid, cwd: '/'},
  )
}

/** Creates the lab database if it does not exist (the cluster's superuser is the lab's user). */
export async function ensureDatabase(host: string, port: number, database = POSTGRES_DB): Promise<void> {
  const client = new pg.Client({host, port, user: POSTGRES_USER, database: 'postgres', connectionTimeoutMillis: 3000})
  await client.connect()
  try {
    const {rowCount} = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])
    if (!rowCount) await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`)
  } finally {
    await client.end()
  }
}

/** `password` matters where Postgres asks for one (Docker's official image); trust auth ignores it. */
export async function pingPostgres(host: string, port: number, timeoutMs = 1000, database = 'postgres', password?: string): Promise<boolean> {
  const client = new pg.Client({host, port, user: POSTGRES_USER, password, database, connectionTimeoutMillis: timeoutMs})
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

// ---------- Redis ----------

export interface RedisOptions extends SpawnOptions {
  dir: string
  port: number
  host?: string
  /** Append-only file so sessions survive a kill and restart (everysec: at most a second lost). */
  appendOnly?: boolean
}

export function spawnRedis(opts: RedisOptions): SpawnedProcess {
  const bin = findBinary('redis-server')
  if (!bin) throw new Error('redis-server not found')
  mkdirSync(opts.dir, {recursive: true})
  return spawnLogged(
    bin,
    [
      '--port', String(opts.port),
      '--bind', opts.host ?? '127.0.0.1',
      '--protected-mode', 'no',
      '--save', '',
      '--appendonly', opts.appendOnly ? 'yes' : 'no',
      '--appendfsync', 'everysec',
      '--dir', opts.dir,
      '--daemonize', 'no',
    ],
    opts,
  )
}

/** Sends PING over RESP and expects +PONG. */
export function pingRedis(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({host, port})
    let buf = ''
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.on('error', () => done(false))
    // Docker's port proxy accepts, then closes when nothing listens behind it yet: no error, just the end.
    socket.on('close', () => done(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (d) => {
      buf += d.toString()
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'))
    })
  })
}

// ---------- ports and waiting ----------

/** True when nothing accepts connections on host:port and we can bind it. */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer()
    srv.once('error', () => resolve(false))
    srv.listen({port, host, exclusive: true}, () => srv.close(() => resolve(true)))
  })
}

/** A port the OS considers free right now. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen({port: 0, host}, () => {
      const {port} = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return true
    if (Date.now() >= deadline) return false
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}
