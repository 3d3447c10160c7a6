// What the local runtime needs from this machine: host binaries, the postgres user when root, a
// state dir PostgreSQL can reach, built service entry points. `up` stops at the first missing one;
// `doctor` lists them all.
import {existsSync, statSync} from 'node:fs'
import {dirname, resolve} from 'node:path'
import type {Topology} from '../../../contracts/topology.js'
import {UserError} from '../../errors.js'
import {findBinary, postgresRunAs, type RunAs} from './datastores.js'

export interface RequirementCheck {
  name: string
  ok: boolean
  /** False for what is nice to have (e.g. a Docker engine). */
  required: boolean
  detail: string
  /** What to do when not ok. */
  fix?: string
}

const BINARY_FIX = {
  'redis-server': 'Install Redis (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis), or set SCALELAB_REDIS_SERVER to its path.',
  postgres: 'Install PostgreSQL (Debian/Ubuntu: apt-get install -y postgresql; macOS: brew install postgresql), or set SCALELAB_POSTGRES to its path.',
  initdb: 'Install PostgreSQL (it ships initdb), or set SCALELAB_INITDB to its path.',
} as const

export function binaryChecks(): RequirementCheck[] {
  return (['redis-server', 'postgres', 'initdb'] as const).map((name) => {
    const path = findBinary(name)
    return path
      ? {name, ok: true, required: true, detail: `${name} found: ${path}`}
      : {name, ok: false, required: true, detail: `${name} not found on PATH or in /usr/lib/postgresql/*/bin`, fix: BINARY_FIX[name]}
  })
}

export function postgresUserCheck(): RequirementCheck | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined
  try {
    const runAs = postgresRunAs()
    return {name: 'postgres user', ok: true, required: true, detail: `running as root: PostgreSQL will run as the postgres user (uid ${runAs?.uid})`}
  } catch {
    return {
      name: 'postgres user',
      ok: false,
      required: true,
      detail: 'running as root, and there is no postgres user to run PostgreSQL as (it refuses to run as root)',
      fix: 'Create one (useradd --system --user-group postgres) or run scalelab as a normal user.',
    }
  }
}

/** As root, PostgreSQL runs as `postgres` and must be able to walk down to its data dir. */
export function dataDirReachableCheck(dataDir: string): RequirementCheck | undefined {
  let runAs: RunAs | undefined
  try {
    runAs = postgresRunAs()
  } catch {
    return undefined // postgresUserCheck reports it
  }
  if (!runAs) return undefined
  const blocked = firstUntraversable(dataDir, runAs)
  return blocked
    ? {
        name: 'state dir',
        ok: false,
        required: true,
        detail: `the postgres user cannot reach ${dataDir}: ${blocked} is closed to it`,
        fix: 'Point SCALELAB_HOME at a directory it can reach (e.g. SCALELAB_HOME=/tmp/scalelab), or open that directory (chmod o+x).',
      }
    : {name: 'state dir', ok: true, required: true, detail: `the postgres user can reach ${dataDir}`}
}

function firstUntraversable(path: string, runAs: RunAs): string | undefined {
  const chain: string[] = []
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    chain.unshift(dir)
    if (dirname(dir) === dir) break
  }
  for (const dir of chain) {
    if (!existsSync(dir)) return undefined // we create the rest ourselves (0755)
    const st = statSync(dir)
    const bit = st.uid === runAs.uid ? 0o100 : st.gid === runAs.gid ? 0o010 : 0o001
    if (!(st.mode & bit)) return dir
  }
  return undefined
}

export function entryPointChecks(topology: Topology, packageRoot: string): RequirementCheck[] {
  const entries = new Map<string, string[]>()
  for (const inst of topology.instances) {
    if (!inst.entry) continue
    entries.set(inst.entry, [...(entries.get(inst.entry) ?? []), inst.service])
  }
  return [...entries].map(([entry, services]) => {
    const service = [...new Set(services)].join(', ')
    return existsSync(resolve(packageRoot, entry))
      ? {name: `${service} build`, ok: true, required: true, detail: `${entry} is built`}
      : {
          name: `${service} build`,
          ok: false,
          required: true,
          detail: `${entry} (${service}) is missing`,
          fix: `Build the project: npm run build (in ${packageRoot}).`,
        }
  })
}

export function localRequirementChecks(topology: Topology, packageRoot: string, dataDir: string): RequirementCheck[] {
  const checks = [...binaryChecks(), postgresUserCheck(), dataDirReachableCheck(dataDir), ...entryPointChecks(topology, packageRoot)]
  return checks.filter((c): c is RequirementCheck => c !== undefined)
}

/** Throws the first missing requirement as a UserError (one sentence + what to do). */
export function assertLocalRequirements(topology: Topology, packageRoot: string, dataDir: string): void {
  const failed = localRequirementChecks(topology, packageRoot, dataDir).find((c) => c.required && !c.ok)
  if (failed) throw new UserError(`The local runtime cannot start: ${failed.detail}.`, {hint: failed.fix})
}
