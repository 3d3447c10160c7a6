import type {RequestHandler} from 'express'
import {z} from 'zod'
import {METRICS} from '../../../contracts/metrics.js'
import {HttpError, sendError} from '../../shared/http/envelope.js'
import type {Clock} from '../../shared/cache/two-level-cache.js'
import type {Logger} from '../../shared/logger.js'
import type {ServiceMetrics} from '../../shared/metrics.js'

export const faultSpecSchema = z
  .strictObject({
    /** Share of matching requests answered with `errorStatus` instead of being served. */
    errorRate: z.number().min(0).max(1).default(0),
    errorStatus: z.number().int().min(400).max(599).default(500),
    /** Delay added before a matching request is served (or failed). */
    delayMs: z.number().int().min(0).max(60_000).default(0),
    /** Share of matching requests that get the delay. */
    delayRate: z.number().min(0).max(1).default(1),
    /** Only paths starting with this prefix (default: every /api/v1 route except admin and status). */
    routes: z
      .string()
      .max(200)
      .regex(/^\/api\/v1(\/[A-Za-z0-9_\-/:.]*)?$/, 'must be a path prefix under /api/v1, e.g. /api/v1/resources')
      .optional(),
    /** When the fault lifts by itself (ISO 8601); without it the fault stays until DELETE. */
    until: z.iso.datetime({offset: true, message: 'must be an ISO 8601 date-time, e.g. 2030-01-01T00:00:00Z'}).optional(),
  })
  .refine((f) => f.errorRate > 0 || (f.delayMs > 0 && f.delayRate > 0), {
    message: 'injects nothing: set errorRate > 0 or delayMs > 0 (DELETE clears faults)',
    path: ['errorRate'],
  })

export type FaultSpec = z.infer<typeof faultSpecSchema>

export interface ActiveFault extends FaultSpec {
  setAt: string
}

// Never faulted: the admin API that controls faults, and the status the lab reads to observe them.
const EXEMPT_PREFIXES = ['/api/v1/admin', '/api/v1/status']

/**
 * HTTP fault injection for chaos experiments: a share of this instance's /api/v1 requests is
 * delayed and/or answered with an error status. Expires by itself at `until` (injected clock).
 */
export class HttpFaults {
  #active: ActiveFault | null = null
  readonly #injected
  readonly #counts = {errors: 0, delays: 0}

  constructor(
    private readonly clock: Clock,
    private readonly random: () => number,
    metrics?: ServiceMetrics,
    private readonly log?: Logger,
  ) {
    this.#injected = metrics?.counter(METRICS.httpFaultsInjected)
  }

  set(spec: FaultSpec): ActiveFault {
    if (spec.until && Date.parse(spec.until) <= this.clock.now()) {
      throw new HttpError(400, 'validation_failed', 'until: must be in the future', {field: 'until'})
    }
    this.#active = {...spec, setAt: new Date(this.clock.now()).toISOString()}
    this.log?.warn({fault: this.#active}, 'http fault injection on')
    return this.#active
  }

  clear(): ActiveFault | null {
    const was = this.active()
    this.#active = null
    if (was) this.log?.warn('http fault injection off')
    return was
  }

  active(): ActiveFault | null {
    if (this.#active?.until && Date.parse(this.#active.until) <= this.clock.now()) {
      this.log?.warn('http fault injection expired')
      this.#active = null
    }
    return this.#active
  }

  get injected(): {errors: number; delays: number} {
    return {...this.#counts}
  }

  /** What to do to a request for this path now: a delay (ms, 0 for none) and an error status or null. */
  decide(path: string): {delayMs: number; errorStatus: number | null} {
    const fault = this.active()
    if (!fault || EXEMPT_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`))) return {delayMs: 0, errorStatus: null}
    if (fault.routes && !path.startsWith(fault.routes)) return {delayMs: 0, errorStatus: null}
    const delayMs = fault.delayMs > 0 && this.random() < fault.delayRate ? fault.delayMs : 0
    const errorStatus = fault.errorRate > 0 && this.random() < fault.errorRate ? fault.errorStatus : null
    if (delayMs) {
      this.#counts.delays++
      this.#injected?.inc({kind: 'delay'})
    }
    if (errorStatus !== null) {
      this.#counts.errors++
      this.#injected?.inc({kind: 'error'})
    }
    return {delayMs, errorStatus}
  }

  /** Route middleware (after the route is known, so metrics keep their route label). */
  gate(): RequestHandler {
    return (req, res, next) => {
      const {delayMs, errorStatus} = this.decide(`${req.baseUrl}${req.path}`)
      const proceed = () => {
        if (errorStatus === null) return next()
        sendError(res, new HttpError(errorStatus, 'fault_injected', `Injected fault: this instance was told to fail ${req.method} requests here (PUT /api/v1/admin/faults).`))
      }
      if (delayMs > 0) setTimeout(proceed, delayMs)
      else proceed()
    }
  }
}
