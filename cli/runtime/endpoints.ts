// The addresses a user (or a bench/chaos run) reaches the lab at, derived from the topology:
// the gateway first, then every other service, the datastores and the fault proxy's links.
import {POSTGRES_DB, POSTGRES_PASSWORD, POSTGRES_USER, type Topology} from '../../contracts/topology.js'
import type {Endpoint} from './types.js'

const postgresUrl = (port: number) => `postgres://${POSTGRES_USER}:${POSTGRES_PASSWORD}@127.0.0.1:${port}/${POSTGRES_DB}`

export function labEndpoints(topology: Topology): Endpoint[] {
  const endpoints: Endpoint[] = []
  const order = ['gateway', 'balancer', 'api', 'faultproxy', 'redis', 'postgres'] as const
  for (const service of order) {
    for (const inst of topology.instances.filter((i) => i.service === service)) {
      if (inst.service === 'redis') endpoints.push({name: inst.name, kind: 'redis', url: `redis://127.0.0.1:${inst.hostPort}`})
      else if (inst.service === 'postgres') endpoints.push({name: inst.name, kind: 'postgres', url: postgresUrl(inst.hostPort)})
      else if (inst.url) endpoints.push({name: inst.name, kind: 'http', url: inst.url, note: inst.service === 'faultproxy' ? 'Toxiproxy API' : undefined})
    }
  }
  for (const link of topology.links) {
    const url = link.name === 'redis' ? `redis://127.0.0.1:${link.hostPort}` : postgresUrl(link.hostPort)
    endpoints.push({name: `${link.name} via fault proxy`, kind: 'fault-link', url, note: `proxy "${link.name}" → ${link.upstream}`})
  }
  return endpoints
}
