// What the link faults share: the lab must route through the fault proxy, and the proxy must have the link.
import type {Proxy} from 'toxiproxy-node-client'
import {UserError} from '../../errors.js'
import type {FaultContext} from './fault.js'
import {withTimeout} from './fault.js'

export async function requireLink(ctx: FaultContext, link: string, purpose: string): Promise<void> {
  if (!ctx.topology.links.some((l) => l.name === link)) {
    throw new UserError(`The experiment wants to ${purpose} on the ${link} link, but this lab runs without the fault proxy.`, {
      hint: 'Restart the lab with it: scalelab down && scalelab up (the fault proxy is on by default).',
    })
  }
  const proxies = await withTimeout(ctx.toxiproxy().getAll(), 'the fault proxy')
  if (!proxies[link]) {
    throw new UserError(`The fault proxy has no "${link}" proxy (it has ${Object.keys(proxies).join(', ') || 'none'}).`, {hint: 'Restart the fault proxy (scalelab down && scalelab up) so it gets its links again.'})
  }
}

/** The toxics on a proxy. The client's Proxy keeps no toxic list, so this asks its API (GET /proxies/{name}/toxics). */
export async function listToxics(proxy: Proxy): Promise<ToxicListing[]> {
  const {data} = await withTimeout(proxy.api.get<ToxicListing[]>(`${proxy.getPath()}/toxics`), `listing the toxics of ${proxy.name}`)
  return Array.isArray(data) ? data : []
}

export interface ToxicListing {
  name: string
  type: string
  stream: string
  toxicity: number
  attributes: Record<string, number>
}
