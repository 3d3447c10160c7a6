// A lab for runtime tests: the real topology with real redis-server and postgres, and every node
// service replaced by test/fixtures/fixture-service.mjs (the real services live in other branches).
import {chmodSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {MAX_API_REPLICAS, PORT_OFFSETS, resolveTopology, type LabOptions, type Topology} from '../../contracts/topology.js'
import {LocalRuntime, type LocalTimeouts} from '../../cli/runtime/local/local-runtime.js'
import {portClaims, takenPorts} from '../../cli/runtime/port-preflight.js'

export const FIXTURE_ENTRY = 'test/fixtures/fixture-service.mjs'

/** Extra env per instance name or service kind (e.g. {gateway: {FIXTURE_READY_AFTER_MS: '60000'}}). */
export type FixtureEnv = Record<string, Record<string, string>>

export function fixtureTopology(extraEnv: FixtureEnv = {}): (options: LabOptions) => Topology {
  return (options) => {
    const topology = resolveTopology(options)
    for (const inst of topology.instances) {
      if (!inst.entry) continue
      inst.entry = FIXTURE_ENTRY
      inst.env = {...inst.env, FIXTURE_ROLE: inst.service, ...extraEnv[inst.service], ...extraEnv[inst.name]}
    }
    return topology
  }
}

/** Each test lab gets a slot wider than a lab's ports (base … base + 100 + 50 API instances), so two never overlap. */
const PORT_SLOT = PORT_OFFSETS.api + MAX_API_REPLICAS + 50
const FIRST_PORT = 20_000
/** Below Linux's ephemeral range (32768–60999), where clients' and port-0 listeners' ports come from. */
const SLOTS = Math.floor((32_768 - FIRST_PORT) / PORT_SLOT) - 1
/** Test files run two at a time; each worker takes every other slot, so two files never pick the same range at once. */
const LANES = 2

/** A port base whose whole range (with room for `apiReplicas` instances) is free right now. */
export async function freePortBase(apiReplicas = 6): Promise<number> {
  const lane = Number(process.env.VITEST_POOL_ID ?? 0) % LANES
  for (let attempt = 0; attempt < 50; attempt++) {
    const slot = lane + LANES * Math.floor((Math.random() * SLOTS) / LANES)
    const base = FIRST_PORT + slot * PORT_SLOT
    const topology = resolveTopology({runtime: 'local', apiReplicas, portBase: base, gatewaySecret: 'x', faultProxy: true})
    if ((await takenPorts(portClaims(topology))).length === 0) return base
  }
  throw new Error('no free port range found')
}

/** A temp state dir PostgreSQL (run as `postgres` under root) can reach. */
export function tempStateDir(): {dir: string; remove(): void} {
  const dir = mkdtempSync(join(tmpdir(), 'scalelab-runtime-test-'))
  chmodSync(dir, 0o755)
  return {dir, remove: () => rmSync(dir, {recursive: true, force: true})}
}

// Generous probes: the machine running the tests may be busy (a probe timing out reads as unhealthy).
export const FAST_TIMEOUTS: Partial<LocalTimeouts> = {healthMs: 30_000, jobMs: 30_000, stopMs: 3_000, probeMs: 4_000}

export function fixtureRuntime(stateDir: string, extraEnv: FixtureEnv = {}, timeouts: Partial<LocalTimeouts> = FAST_TIMEOUTS): LocalRuntime {
  return new LocalRuntime({stateDir, resolveTopology: fixtureTopology(extraEnv), timeouts})
}
