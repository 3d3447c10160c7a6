// kill / stop / pause a service through the runtime (local processes or Docker alike); the rollback
// starts (or resumes) it and the runtime waits for its health check.
import {UserError} from '../../errors.js'
import {SERVICE_FAULTS} from '../vocabulary.js'
import type {FaultContext, FaultSpec, FaultUnit} from './fault.js'

type ServiceSpec = Extract<FaultSpec, {kind: 'service'}>

export class ServiceFault implements FaultUnit {
  readonly action: string
  readonly target: string

  constructor(readonly spec: ServiceSpec) {
    this.action = spec.verb
    this.target = spec.target
  }

  async preflight(ctx: FaultContext): Promise<void> {
    const targets = await ctx.runtime.faultTargets()
    if (!targets.includes(this.spec.target)) {
      throw new UserError(`The experiment wants to ${this.spec.verb} "${this.spec.target}", which this lab does not have; valid targets: ${targets.join(', ')}.`, {
        hint: 'Fix the step in the experiment file, or start the lab with more API instances (scalelab up --api N).',
      })
    }
  }

  async inject(ctx: FaultContext): Promise<string> {
    return (await ctx.runtime.fault(this.spec.verb, this.spec.target)).message
  }

  async rollback(ctx: FaultContext): Promise<string> {
    return (await ctx.runtime.fault(SERVICE_FAULTS[this.spec.verb], this.spec.target)).message
  }
}
