// The runtime contract (DESIGN contract 3): one interface to bring the lab up and down, report on
// it, read its logs and break it on purpose. Commands, chaos and bench all drive a lab through it;
// each runtime (local processes now, Docker later) implements all of it.
import type {LabOptions, RuntimeName, ServiceKind, Topology} from '../../contracts/topology.js'

export type FaultVerb = 'kill' | 'stop' | 'start' | 'pause' | 'resume'
export const FAULT_VERBS: readonly FaultVerb[] = ['kill', 'stop', 'start', 'pause', 'resume']

/** What `up` is asked for; anything left out takes the default (or, on a running lab, stays). */
export interface UpRequest {
  apiReplicas?: number
  portBase?: number
  faultProxy?: boolean
  logLevel?: string
  /** Docker: run stand-in images built from this machine's binaries (a host with no registry). */
  offline?: boolean
}

export type ProgressEvent =
  | {type: 'cleaned'; detail: string}
  | {type: 'starting'; name: string}
  | {type: 'ready'; name: string; address: string; seconds: number; health: Health}
  | {type: 'failed'; name: string; message: string}
  | {type: 'links'; links: Array<{name: string; listen: string; upstream: string}>}
  | {type: 'membership'; backends: string[]}
  | {type: 'stopping'; name: string}
  | {type: 'stopped'; name: string; pid: number; forced: boolean}
  /** Docker: an image being pulled or built, one line at a time. */
  | {type: 'image'; message: string}

export interface UpHooks {
  onProgress?: (event: ProgressEvent) => void
  /** Aborting (Ctrl-C) stops what this `up` started and leaves no state behind. */
  signal?: AbortSignal
}

export interface Endpoint {
  name: string
  kind: 'http' | 'redis' | 'postgres' | 'fault-link'
  url: string
  note?: string
}

export interface UpResult {
  action: 'started' | 'already-up' | 'scaled'
  runtime: RuntimeName
  stateDir: string
  /** Options of the lab now running (without the gateway secret). */
  options: PublicLabOptions
  /** Gateway first, then every other service. */
  endpoints: Endpoint[]
  seconds: number
  scaled?: {added: string[]; removed: string[]}
  /** Requested options a running lab could not change (say so instead of silently ignoring). */
  ignored?: string[]
}

export type PublicLabOptions = Omit<LabOptions, 'gatewaySecret'>

export type Health = 'healthy' | 'degraded' | 'unhealthy'

/** What the process table and a live probe say about one instance. */
export type InstanceState =
  | 'starting'
  | 'running'
  | 'paused'
  | 'stopped'
  /** Meant to run but its process is gone (crashed or killed outside the lab). */
  | 'exited'
  | 'completed'
  | 'failed'

export interface ServiceStatus {
  name: string
  service: ServiceKind
  kind: 'service' | 'job'
  url: string | null
  /** host:port on this machine (null for jobs). */
  address: string | null
  port: number | null
  pid: number | null
  state: InstanceState
  health: Health
  /** Counts as up: the health check as declared passes (jobs: finished with exit code 0). */
  healthy: boolean
  uptimeSeconds: number | null
  detail?: string
  /** Docker: the container behind the instance (ip: its address on the lab network, as the balancer names DNS backends). */
  container?: {id: string; name: string; image: string; ip: string | null}
}

export interface LabStatus {
  running: boolean
  runtime: RuntimeName
  stateDir: string
  phase?: 'starting' | 'up'
  options?: PublicLabOptions
  startedAt?: string
  uptimeSeconds?: number
  /** Every service and fleet instance healthy. */
  healthy: boolean
  services: ServiceStatus[]
  /** Docker: the image each service runs (service → image@id), for a report's environment.images. */
  images?: Record<string, string>
  /** Why it is not running, or what was cleaned up on the way. */
  note?: string
}

export interface DownOptions {
  purge?: boolean
  onProgress?: (event: ProgressEvent) => void
}

export interface DownResult {
  wasRunning: boolean
  stopped: Array<{name: string; pid: number; forced: boolean}>
  /** Directories removed by --purge. */
  purged: string[]
  note?: string
}

export interface FaultResult {
  verb: FaultVerb
  target: string
  /** False when the target already was in the requested state. */
  changed: boolean
  state: InstanceState
  pid: number | null
  previousPid: number | null
  message: string
}

export interface RepairResult {
  actions: FaultResult[]
}

export interface LogOptions {
  /** Keep printing new lines until the signal aborts. */
  follow?: boolean
  /** How many existing lines to print first (default 100). */
  lines?: number
  signal?: AbortSignal
}

export interface LabRuntime {
  readonly name: RuntimeName
  readonly stateDir: string
  up(request?: UpRequest, hooks?: UpHooks): Promise<UpResult>
  down(options?: DownOptions): Promise<DownResult>
  status(): Promise<LabStatus>
  /** Names `logs` accepts (every instance of the lab, incl. one-shot jobs). */
  logTargets(): Promise<string[]>
  logs(target: string, options?: LogOptions): AsyncIterable<string>
  /** Names the fault verbs accept (every long-running instance). */
  faultTargets(): Promise<string[]>
  kill(target: string): Promise<FaultResult>
  stop(target: string): Promise<FaultResult>
  start(target: string): Promise<FaultResult>
  pause(target: string): Promise<FaultResult>
  resume(target: string): Promise<FaultResult>
  fault(verb: FaultVerb, target: string): Promise<FaultResult>
  /** After a crashed chaos run: resume whatever is paused, start whatever is not running. */
  repair(): Promise<RepairResult>
  /** The running lab's topology (URLs, ports, links, gateway secret), undefined when not running. */
  topology(): Promise<Topology | undefined>
}

/** A way of finding and driving a runtime (testcontainers-node style): can it run here, and make one. */
export interface RuntimeStrategy {
  readonly name: RuntimeName
  isAvailable(): Promise<{available: boolean; reason: string}>
  create(context: RuntimeContext): LabRuntime
}

export interface RuntimeContext {
  stateDir: string
  /** The package root (where dist/ lives). */
  packageRoot: string
}
