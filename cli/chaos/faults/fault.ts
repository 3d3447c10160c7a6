// One fault, Toxiproxy style: a small unit that knows how to inject itself and how to undo it. A
// unit is built from a FaultSpec, which is plain data: the runner journals the spec before the
// injection, so `scalelab chaos --rollback` can rebuild the unit after a crash and roll it back.
import type {Toxiproxy} from 'toxiproxy-node-client'
import type {Topology} from '../../../contracts/topology.js'
import type {LabRuntime} from '../../runtime/types.js'
import type {ServiceFaultVerb, ToxicType} from '../vocabulary.js'

export type FaultSpec =
  | {kind: 'service'; verb: ServiceFaultVerb; target: string}
  | {
      kind: 'toxic'
      link: 'redis' | 'postgres'
      /** The toxic's name on the proxy (TOXIC_NAME_PREFIX…), so the rollback removes exactly it. */
      name: string
      type: ToxicType
      stream: 'upstream' | 'downstream'
      toxicity: number
      attributes: Record<string, number>
    }
  | {kind: 'cut'; link: 'redis' | 'postgres'}
  | {
      kind: 'http'
      instance: string
      errorRate: number
      status: number
      delayMs: number
      delayRate: number
      routes?: string
      /** The instance lifts the fault by itself after this long (a crashed run cannot leave it on forever). */
      expiresAfterMs: number
    }

/** What a fault unit needs from the lab; everything goes through the runtime, the topology and Toxiproxy's API. */
export interface FaultContext {
  runtime: LabRuntime
  topology: Topology
  /** The fault proxy's API (toxiproxy-node-client); throws a UserError when the lab has no fault proxy. */
  toxiproxy(): Toxiproxy
}

export interface FaultUnit {
  readonly spec: FaultSpec
  /** For the report and the dashboard: e.g. action "kill", target "redis". */
  readonly action: string
  readonly target: string
  /** Throws a UserError when the fault cannot be injected into this lab (unknown target, no fault proxy). */
  preflight(ctx: FaultContext): Promise<void>
  /** Injects the fault; returns one line saying what was done. */
  inject(ctx: FaultContext): Promise<string>
  /** Undoes it; idempotent (rolling back twice, or what was never injected, is fine). */
  rollback(ctx: FaultContext): Promise<string>
}

/** Calls to the lab's control APIs get this long; a paused or cut service must not hang a rollback. */
export const CONTROL_TIMEOUT_MS = 10_000

export async function withTimeout<T>(work: Promise<T>, what: string, timeoutMs = CONTROL_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs / 1000}s`)), timeoutMs)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}
