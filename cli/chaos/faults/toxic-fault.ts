// Any Toxiproxy toxic on one of the fault proxy's links (latency, bandwidth, reset_peer, timeout,
// slicer, limit_data, slow_close), added and removed through toxiproxy-node-client exactly as with a
// real Toxiproxy. The toxic carries a name of ours, so the rollback removes exactly it.
import type {FaultContext, FaultSpec, FaultUnit} from './fault.js'
import {withTimeout} from './fault.js'
import {listToxics, requireLink} from './links.js'

type ToxicSpec = Extract<FaultSpec, {kind: 'toxic'}>

export class ToxicFault implements FaultUnit {
  readonly action: string
  readonly target: string

  constructor(readonly spec: ToxicSpec) {
    const attributes = Object.entries(spec.attributes).map(([k, v]) => `${k} ${v}`).join(', ')
    this.action = `toxic ${spec.type} (${spec.stream}${spec.toxicity < 1 ? `, toxicity ${spec.toxicity}` : ''}${attributes ? `, ${attributes}` : ''})`
    this.target = `${spec.link} link`
  }

  async preflight(ctx: FaultContext): Promise<void> {
    await requireLink(ctx, this.spec.link, `add a ${this.spec.type} toxic`)
  }

  async inject(ctx: FaultContext): Promise<string> {
    const {link, name, type, stream, toxicity, attributes} = this.spec
    const proxy = await withTimeout(ctx.toxiproxy().get(link), `the fault proxy (proxy ${link})`)
    await withTimeout(proxy.addToxic({name, type, stream, toxicity, attributes}), `adding toxic ${name}`)
    return `Added toxic ${name} (${type}, ${stream}, toxicity ${toxicity}) on the ${link} link.`
  }

  async rollback(ctx: FaultContext): Promise<string> {
    const {link, name} = this.spec
    const proxy = await withTimeout(ctx.toxiproxy().get(link), `the fault proxy (proxy ${link})`)
    if (!(await listToxics(proxy)).some((t) => t.name === name)) return `Toxic ${name} is not on the ${link} link (already removed).`
    const toxic = await withTimeout(proxy.getToxic(name), `reading toxic ${name}`)
    await withTimeout(toxic.remove(), `removing toxic ${name}`)
    return `Removed toxic ${name} from the ${link} link.`
  }
}
