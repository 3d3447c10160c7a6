// `scalelab doctor`: can the lab run on this machine? Every check is one line with what to do when
// it fails; the local runtime can run when every required check passes.
import {existsSync} from 'node:fs'
import {DEFAULT_API_REPLICAS, DEFAULT_PORT_BASE, resolveTopology, type LabOptions, type Topology} from '../../contracts/topology.js'
import Docker from 'dockerode'
import {probeDockerEngine} from './docker/docker-engine.js'
import {labImagesPresent} from './docker/lab-images.js'
import {LabFiles} from './local/lab-state.js'
import {localRequirementChecks, type RequirementCheck} from './local/requirements.js'
import {portClaims, takenPorts, validatePortBase} from './port-preflight.js'
import {openLabRuntime} from './select-runtime.js'
import type {RuntimeContext} from './types.js'

export type DoctorCheck = RequirementCheck

export interface DoctorReport {
  /** The local runtime can run here (every required check passed). */
  ok: boolean
  checks: DoctorCheck[]
}

export interface DoctorOptions {
  portBase?: number
  apiReplicas?: number
  faultProxy?: boolean
  dockerTimeoutMs?: number
  /** Node version to judge (defaults to this process's). */
  nodeVersion?: string
}

export const MIN_NODE_VERSION = '20.18.0'

export async function runDoctor(context: RuntimeContext, options: DoctorOptions = {}): Promise<DoctorReport> {
  const files = new LabFiles(context.stateDir)
  const labOptions: LabOptions = {
    runtime: 'local',
    apiReplicas: options.apiReplicas ?? DEFAULT_API_REPLICAS,
    portBase: options.portBase ?? DEFAULT_PORT_BASE,
    gatewaySecret: 'doctor',
    faultProxy: options.faultProxy ?? true,
  }
  const topology = resolveTopology(labOptions)
  const [docker, ports] = await Promise.all([dockerCheck(options.dockerTimeoutMs), portsCheck(context, topology, labOptions.portBase)])
  const checks: DoctorCheck[] = [
    nodeCheck(options.nodeVersion ?? process.versions.node),
    docker,
    ...localRequirementChecks(topology, context.packageRoot, files.dataDir),
    ports,
  ]
  return {ok: checks.every((c) => c.ok || !c.required), checks}
}

export function nodeCheck(version: string): DoctorCheck {
  const ok = compareVersions(version, MIN_NODE_VERSION) >= 0
  return ok
    ? {name: 'Node.js', ok, required: true, detail: `Node.js ${version} (needs >= ${MIN_NODE_VERSION})`}
    : {name: 'Node.js', ok, required: true, detail: `Node.js ${version} is too old (needs >= ${MIN_NODE_VERSION})`, fix: 'Install Node.js 20.18 or newer (e.g. nvm install 20).'}
}

export function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split('.').map(Number)
  const pb = b.replace(/^v/, '').split('.').map(Number)
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0)
  return 0
}

async function dockerCheck(timeoutMs?: number): Promise<DoctorCheck> {
  const engine = await probeDockerEngine(timeoutMs)
  if (!engine.reachable) {
    return {
      name: 'Docker engine',
      ok: false,
      required: false,
      detail: `${engine.detail} — optional: the local runtime needs no Docker`,
      fix: 'Nothing to do for the local runtime; for Docker, start its engine (or set DOCKER_HOST).',
    }
  }
  const official = await labImagesPresent(new Docker(), 'official').catch((err: Error) => ({present: false, missing: [err.message]}))
  const images = official.present
    ? 'the official images are here, so `scalelab up` runs the lab in Docker'
    : `the lab's images are not pulled yet (missing ${official.missing.join(', ')}), so \`scalelab up\` runs local processes; \`scalelab images\` pulls them, \`scalelab up --offline\` uses stand-ins built from this machine`
  return {name: 'Docker engine', ok: true, required: false, detail: `${engine.detail} answers; ${images}`}
}

/** Ports are fine when free, or when the running lab in this state dir holds them. */
async function portsCheck(context: RuntimeContext, topology: Topology, portBase: number): Promise<DoctorCheck> {
  try {
    validatePortBase(portBase)
  } catch (err) {
    return {name: 'ports', ok: false, required: true, detail: (err as Error).message, fix: 'Pick another base with --port-base.'}
  }
  const running = existsSync(new LabFiles(context.stateDir).stateFile) ? await openLabRuntime(context).topology().catch(() => undefined) : undefined
  const ours = new Set(running ? portClaims(running).map((c) => c.port) : [])
  const claims = portClaims(topology)
  const taken = await takenPorts(claims.filter((c) => !ours.has(c.port)))
  const range = `${claims[0].port}-${claims[claims.length - 1].port}`
  if (!taken.length) {
    const usedByLab = claims.filter((c) => ours.has(c.port)).length
    return {
      name: 'ports',
      ok: true,
      required: true,
      detail: usedByLab ? `ports ${range}: ${usedByLab} used by the running lab, the rest free` : `ports ${range} are free (${claims.length} ports)`,
    }
  }
  return {
    name: 'ports',
    ok: false,
    required: true,
    detail: `in use by another program: ${taken.map((c) => `${c.port} (${c.owner})`).join(', ')}`,
    fix: `Free them, or use another range: --port-base ${portBase + 1000} (or SCALELAB_PORT_BASE).`,
  }
}
