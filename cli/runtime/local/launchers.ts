// How each kind of instance is started as a detached local process from its topology spec, what
// its command line must contain to be recognised later, how it is asked to stop, and what must
// happen once it is healthy (create the database, create the fault proxy's links).
import {appendFileSync, mkdirSync} from 'node:fs'
import {resolve} from 'node:path'
import {Toxiproxy} from 'toxiproxy-node-client'
import type {FaultLink, InstanceSpec} from '../../../contracts/topology.js'
import {ensureDatabase, initPostgresClusterAsync, spawnLogged, spawnPostgres, spawnRedis, type SpawnedProcess} from './datastores.js'
import type {LabFiles} from './lab-state.js'

export interface Launched extends SpawnedProcess {
  markers: string[]
}

export interface LaunchContext {
  files: LabFiles
  packageRoot: string
}

export async function launchInstance(spec: InstanceSpec, ctx: LaunchContext): Promise<Launched> {
  const logFile = ctx.files.logFile(spec.name)
  mkdirSync(ctx.files.logsDir, {recursive: true})
  // A marker line, so a log that spans restarts shows where each run begins.
  appendFileSync(logFile, `--- scalelab: starting ${spec.name} at ${new Date().toISOString()} ---\n`)
  switch (spec.service) {
    case 'redis': {
      const p = spawnRedis({dir: ctx.files.redisDir, port: spec.port, host: spec.host, detached: true, logFile, appendOnly: true})
      // Redis rewrites its title to "redis-server 127.0.0.1:<port>"; both forms hold these.
      return {...p, markers: ['redis-server', String(spec.port)]}
    }
    case 'postgres': {
      const dataDir = ctx.files.postgresDataDir
      await initPostgresClusterAsync(dataDir)
      const p = spawnPostgres({dataDir, port: spec.port, host: spec.host, detached: true, logFile})
      return {...p, markers: [dataDir]}
    }
    default: {
      if (!spec.entry) throw new Error(`topology: ${spec.name} has no entry point`)
      const entry = resolve(ctx.packageRoot, spec.entry)
      const p = spawnLogged(process.execPath, [entry, ...(spec.args ?? [])], {
        detached: true,
        logFile,
        // The topology's env is the service's whole configuration; the rest passes through (PATH, tuning knobs).
        env: {...process.env, ...spec.env},
        cwd: ctx.packageRoot,
      })
      return {...p, markers: [entry]}
    }
  }
}

/** Postgres's SIGTERM waits for every client to leave (pools never do); SIGINT is its fast shutdown. */
export function gracefulStopSignal(spec: InstanceSpec): NodeJS.Signals {
  return spec.service === 'postgres' ? 'SIGINT' : 'SIGTERM'
}

/** Work that follows a healthy start, every time the instance starts (idempotent). */
export async function afterHealthy(spec: InstanceSpec, links: readonly FaultLink[]): Promise<void> {
  if (spec.service === 'postgres') await ensureDatabase('127.0.0.1', spec.hostPort)
  if (spec.service === 'faultproxy' && spec.url && links.length) await populateLinks(spec.url, links)
}

/** Creates (or updates) the topology's proxies through Toxiproxy's API. */
export async function populateLinks(faultProxyUrl: string, links: readonly FaultLink[]): Promise<void> {
  await new Toxiproxy(faultProxyUrl).populate(links.map((l) => ({name: l.name, listen: l.listen, upstream: l.upstream, enabled: true})))
}
