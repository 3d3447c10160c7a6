// The options of a new lab from what `up` asked for, and what a running lab cannot change; shared
// by every runtime so they read the same flags the same way.
import {randomBytes} from 'node:crypto'
import {DEFAULT_API_REPLICAS, DEFAULT_PORT_BASE, MAX_API_REPLICAS, type LabOptions, type RuntimeName} from '../../contracts/topology.js'
import {UserError} from '../errors.js'
import {validatePortBase} from './port-preflight.js'
import type {PublicLabOptions, UpRequest} from './types.js'

export function newLabOptions(request: UpRequest, runtime: RuntimeName): LabOptions {
  const options: LabOptions = {
    runtime,
    apiReplicas: request.apiReplicas ?? DEFAULT_API_REPLICAS,
    portBase: request.portBase ?? DEFAULT_PORT_BASE,
    gatewaySecret: randomBytes(24).toString('base64url'),
    faultProxy: request.faultProxy ?? true,
    logLevel: request.logLevel ?? 'info',
  }
  validateReplicas(options.apiReplicas)
  validatePortBase(options.portBase)
  return options
}

export function validateReplicas(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_API_REPLICAS) {
    throw new UserError(`--api ${n} is out of range.`, {hint: `Ask for 1 to ${MAX_API_REPLICAS} API instances.`})
  }
}

/** What a running lab cannot change on `up` (everything but --api). */
export function ignoredRequest(running: LabOptions, request: UpRequest): string[] {
  const ignored: string[] = []
  if (request.portBase !== undefined && request.portBase !== running.portBase) ignored.push(`--port-base ${request.portBase} (running on ${running.portBase})`)
  if (request.faultProxy !== undefined && request.faultProxy !== running.faultProxy) {
    ignored.push(`${request.faultProxy ? '--fault-proxy' : '--no-fault-proxy'} (running ${running.faultProxy ? 'with' : 'without'} it)`)
  }
  if (request.logLevel !== undefined && request.logLevel !== (running.logLevel ?? 'info')) ignored.push(`--log-level ${request.logLevel}`)
  return ignored
}

export function publicOptions(options: LabOptions): PublicLabOptions {
  const {gatewaySecret: _secret, ...rest} = options
  return rest
}

export function secondsSince(t0: number): number {
  return Math.round((Date.now() - t0) / 100) / 10
}
