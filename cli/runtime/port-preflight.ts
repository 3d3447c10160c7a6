// Every host port a topology needs, and the check that runs before anything starts: a taken port is
// one clear error naming the port, who needs it, and the flag that moves the lab elsewhere.
import {MAX_API_REPLICAS, PORT_OFFSETS, type Topology} from '../../contracts/topology.js'
import {UserError} from '../errors.js'
import {isPortFree} from './local/datastores.js'

export interface PortClaim {
  port: number
  /** Who needs it, in words: `gateway`, `api-2`, `the fault proxy's redis link`. */
  owner: string
}

export function portClaims(topology: Topology): PortClaim[] {
  const claims: PortClaim[] = topology.instances.filter((i) => i.hostPort > 0).map((i) => ({port: i.hostPort, owner: i.name}))
  for (const link of topology.links) claims.push({port: link.hostPort, owner: `the fault proxy's ${link.name} link`})
  return claims.sort((a, b) => a.port - b.port)
}

export async function takenPorts(claims: readonly PortClaim[]): Promise<PortClaim[]> {
  const free = await Promise.all(claims.map((c) => isPortFree(c.port)))
  return claims.filter((_, i) => !free[i])
}

/** The highest port a lab with this base needs (api-N sits at base + 100 + N). */
export function highestPort(portBase: number, apiReplicas = MAX_API_REPLICAS): number {
  return portBase + PORT_OFFSETS.api + apiReplicas
}

export function validatePortBase(portBase: number): void {
  if (!Number.isInteger(portBase) || portBase < 1024 || highestPort(portBase) > 65535) {
    throw new UserError(`Port base ${portBase} is out of range: the lab needs ports from the base up to base + ${PORT_OFFSETS.api + MAX_API_REPLICAS}.`, {
      hint: `Pick a base between 1024 and ${65535 - PORT_OFFSETS.api - MAX_API_REPLICAS} with --port-base (or SCALELAB_PORT_BASE).`,
    })
  }
}

export function portsInUseError(taken: readonly PortClaim[], portBase: number): UserError {
  const list = taken.map((c) => `${c.port} (${c.owner})`).join(', ')
  const message =
    taken.length === 1
      ? `Port ${taken[0].port} is already in use, and ${taken[0].owner} needs it.`
      : `Ports ${list} are already in use, and the lab needs them.`
  const suggestion = portBase + 1000 <= 65535 - PORT_OFFSETS.api - MAX_API_REPLICAS ? portBase + 1000 : 20000
  return new UserError(message, {
    hint: `Free ${taken.length === 1 ? 'it' : 'them'}, or move the whole lab with --port-base (e.g. --port-base ${suggestion}) or SCALELAB_PORT_BASE; \`scalelab doctor\` checks every port.`,
  })
}

/** Throws the port error when any claimed port is taken. */
export async function assertPortsFree(claims: readonly PortClaim[], portBase: number): Promise<void> {
  const taken = await takenPorts(claims)
  if (taken.length) throw portsInUseError(taken, portBase)
}
