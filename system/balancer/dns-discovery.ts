import {lookup} from 'node:dns/promises'
import type {BackendSpec} from './backend.js'

export type Resolve = (host: string) => Promise<string[]>

export const resolveAll: Resolve = async (host) => (await lookup(host, {all: true})).map((a) => a.address)

/**
 * Backends behind one DNS name (Docker's `api` service with several replicas): one backend per
 * address, named `host:port`. Sorted so an unchanged answer yields an unchanged membership.
 */
export async function discoverBackends(target: {host: string; port: number; weight: number}, resolve: Resolve = resolveAll): Promise<BackendSpec[]> {
  const addresses = [...new Set(await resolve(target.host))].sort()
  return addresses.map((address) => ({
    name: `${address.includes(':') ? `[${address}]` : address}:${target.port}`,
    host: address,
    port: target.port,
    weight: target.weight,
  }))
}
