// Cuts a fault-proxy link (Toxiproxy's `enabled: false`: the listener closes and every connection
// through it drops); the rollback enables it again.
import type {FaultContext, FaultSpec, FaultUnit} from './fault.js'
import {withTimeout} from './fault.js'
import {requireLink} from './links.js'

type CutSpec = Extract<FaultSpec, {kind: 'cut'}>

export class LinkCutFault implements FaultUnit {
  readonly action = 'cut'
  readonly target: string

  constructor(readonly spec: CutSpec) {
    this.target = `${spec.link} link`
  }

  async preflight(ctx: FaultContext): Promise<void> {
    await requireLink(ctx, this.spec.link, 'cut it')
  }

  inject(ctx: FaultContext): Promise<string> {
    return this.setEnabled(ctx, false)
  }

  rollback(ctx: FaultContext): Promise<string> {
    return this.setEnabled(ctx, true)
  }

  private async setEnabled(ctx: FaultContext, enabled: boolean): Promise<string> {
    const proxy = await withTimeout(ctx.toxiproxy().get(this.spec.link), `the fault proxy (proxy ${this.spec.link})`)
    if (proxy.enabled === enabled) return `The ${this.spec.link} link is already ${enabled ? 'enabled' : 'cut'}.`
    await withTimeout(proxy.update({enabled, listen: proxy.listen, upstream: proxy.upstream}), `${enabled ? 'enabling' : 'cutting'} the ${this.spec.link} link`)
    return enabled ? `Enabled the ${this.spec.link} link again.` : `Cut the ${this.spec.link} link (enabled: false).`
  }
}
