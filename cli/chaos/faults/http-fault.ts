// HTTP faults inside one API instance: a share of its /api/v1 requests answered with an error
// status and/or delayed, set with PUT /api/v1/admin/faults on that instance (the gateway secret and
// the admin role headers, as the gateway would send them) and cleared with DELETE. The fault also
// carries `until`, so the instance lifts it by itself even if nobody rolls it back.
import {GATEWAY_HEADERS} from '../../../contracts/identity.js'
import {SEED_USERS} from '../../../contracts/seed.js'
import {findInstance, type Topology} from '../../../contracts/topology.js'
import {UserError} from '../../errors.js'
import type {FaultContext, FaultSpec, FaultUnit} from './fault.js'
import {CONTROL_TIMEOUT_MS} from './fault.js'

type HttpSpec = Extract<FaultSpec, {kind: 'http'}>

export const HTTP_FAULTS_PATH = '/api/v1/admin/faults'

export class HttpFault implements FaultUnit {
  readonly action: string
  readonly target: string

  constructor(readonly spec: HttpSpec) {
    const parts = [
      spec.errorRate > 0 ? `HTTP ${spec.status} for ${Math.round(spec.errorRate * 1000) / 10}%` : '',
      spec.delayMs > 0 ? `${spec.delayMs} ms delay${spec.delayRate < 1 ? ` for ${Math.round(spec.delayRate * 1000) / 10}%` : ''}` : '',
    ].filter(Boolean)
    this.action = `http ${parts.join(' + ')}${spec.routes ? ` on ${spec.routes}` : ''}`
    this.target = spec.instance
  }

  async preflight(ctx: FaultContext): Promise<void> {
    instanceUrl(ctx.topology, this.spec.instance)
  }

  async inject(ctx: FaultContext): Promise<string> {
    const {errorRate, status, delayMs, delayRate, routes, expiresAfterMs} = this.spec
    const body = {errorRate, errorStatus: status, delayMs, delayRate, ...(routes ? {routes} : {}), until: new Date(Date.now() + expiresAfterMs).toISOString()}
    const response = await this.call(ctx.topology, 'PUT', body)
    if (response.status !== 200) throw new Error(`${this.spec.instance} refused the HTTP fault: HTTP ${response.status} ${response.text.slice(0, 300)}`)
    return `Set an HTTP fault on ${this.spec.instance}: ${this.action.replace(/^http /, '')}.`
  }

  async rollback(ctx: FaultContext): Promise<string> {
    let response: {status: number; text: string}
    try {
      response = await this.call(ctx.topology, 'DELETE')
    } catch (error) {
      // An instance that is not running has no faults: a restart starts clean.
      if (isConnectionRefused(error)) return `${this.spec.instance} is not running; its HTTP fault went with it.`
      throw error
    }
    if (response.status !== 200) throw new Error(`${this.spec.instance} did not clear its HTTP fault: HTTP ${response.status} ${response.text.slice(0, 300)}`)
    return `Cleared the HTTP fault on ${this.spec.instance}.`
  }

  private async call(topology: Topology, method: 'PUT' | 'DELETE', body?: unknown): Promise<{status: number; text: string}> {
    const response = await fetch(`${instanceUrl(topology, this.spec.instance)}${HTTP_FAULTS_PATH}`, {
      method,
      headers: {...adminHeaders(topology.options.gatewaySecret), ...(body ? {'content-type': 'application/json'} : {})},
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS),
    })
    return {status: response.status, text: await response.text()}
  }
}

/** The headers the gateway sends for an admin, which is what the fault endpoint requires. */
export function adminHeaders(gatewaySecret: string): Record<string, string> {
  const admin = SEED_USERS.find((u) => u.role === 'admin')!
  return {
    [GATEWAY_HEADERS.secret]: gatewaySecret,
    // The seeded admin is the first user; the endpoint checks the role, not the id.
    [GATEWAY_HEADERS.userId]: '1',
    [GATEWAY_HEADERS.email]: admin.email,
    [GATEWAY_HEADERS.role]: 'admin',
    [GATEWAY_HEADERS.tier]: 'enterprise',
  }
}

function instanceUrl(topology: Topology, name: string): string {
  const instance = findInstance(topology, name)
  if (!instance || instance.service !== 'api' || !instance.url) {
    const fleet = topology.instances.filter((i) => i.service === 'api').map((i) => i.name)
    throw new UserError(`The experiment wants an HTTP fault on "${name}", which this lab does not have; its API instances are ${fleet.join(', ')}.`, {
      hint: 'Fix the step in the experiment file, or start the lab with more API instances (scalelab up --api N).',
    })
  }
  return instance.url
}

function isConnectionRefused(error: unknown): boolean {
  const cause = (error as {cause?: {code?: string}}).cause
  return cause?.code === 'ECONNREFUSED'
}
