// Names an experiment file may use, in one place for the schema, the parsers and the fault units.
import type {DependencyName} from '../../contracts/http.js'
import type {FaultLink} from '../../contracts/topology.js'

/** Dependencies that have circuit breakers (scalelab_breaker_state's `dependency` label). */
export const DEPENDENCIES: readonly DependencyName[] = ['redis', 'postgres', 'external']

/** The fault proxy's links (contracts/topology.ts FaultLink names). */
export const LINKS: readonly FaultLink['name'][] = ['redis', 'postgres']

/** Toxiproxy 2.x toxic types and their attributes (units as Toxiproxy takes them). */
export const TOXIC_ATTRIBUTES = {
  latency: {required: ['latency'], optional: ['jitter'], help: 'latency and jitter in ms'},
  bandwidth: {required: ['rate'], optional: [], help: 'rate in KB/s'},
  slow_close: {required: ['delay'], optional: [], help: 'delay in ms'},
  timeout: {required: ['timeout'], optional: [], help: 'timeout in ms (0: hold data until the toxic is removed)'},
  reset_peer: {required: [], optional: ['timeout'], help: 'timeout in ms before the reset'},
  slicer: {required: ['average_size'], optional: ['size_variation', 'delay'], help: 'average_size and size_variation in bytes, delay in µs'},
  limit_data: {required: ['bytes'], optional: [], help: 'bytes before the connection is closed'},
} as const satisfies Record<string, {required: readonly string[]; optional: readonly string[]; help: string}>

export type ToxicType = keyof typeof TOXIC_ATTRIBUTES
export const TOXIC_TYPES = Object.keys(TOXIC_ATTRIBUTES) as ToxicType[]

/** Service verbs a step may use to break a service, and the verb that undoes each. */
export const SERVICE_FAULTS = {kill: 'start', stop: 'start', pause: 'resume'} as const
export type ServiceFaultVerb = keyof typeof SERVICE_FAULTS

/** Every name a chaos run gives a toxic starts with this, so a repair finds leftovers without a journal. */
export const TOXIC_NAME_PREFIX = 'scalelab-chaos-'
