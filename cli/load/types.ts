// The seam between the traffic engines and everything that drives or reads them (scenario layer,
// report, live dashboard, chaos runner). Latencies are milliseconds; histograms record microseconds.
import type {Histogram} from 'hdr-histogram-js'
import type {ConnectionPool} from './connection-pool.js'

/** One HTTP request the engine is to send; the path is relative to the phase's target base URL. */
export interface RequestSpec {
  method: string
  /** Path and query, starting with `/`. */
  path: string
  headers?: Record<string, string>
  body?: string | Buffer
  /** Hand this request's response (status and body) to the phase's `onResponse` hook. */
  captureBody?: boolean
  /** Opaque label passed back to `onResponse` (e.g. the template name or the id being written). */
  tag?: string
}

/** Where requests come from: both engines call `next()` once per request they send. */
export interface RequestSource {
  next(): RequestSpec
}

/** What the `onResponse` hook receives for requests flagged `captureBody`. */
export interface CapturedResponse {
  request: RequestSpec
  /** The HTTP status, or 0 when no response arrived (socket error, timeout, phase ended). */
  status: number
  /** The response body as UTF-8, cut at `bounds.maxCapturedBodyBytes`. */
  body: string
  outcome: 'response' | 'socket-error' | 'timeout' | 'other-error' | 'unfinished'
  /** Open model: from the intended send time; closed model: from the actual send. */
  latencyMs: number
}

/** Arrivals per second over the phase: constant, or a linear ramp from → to. */
export type ArrivalRate = {kind: 'constant'; perSecond: number} | {kind: 'ramp'; from: number; to: number}

/** Open model: requests arrive on a fixed schedule whatever the responses do. */
export interface OpenLoad {
  model: 'open'
  rate: ArrivalRate
}

/** Closed model: a fixed number of connections, each sending its next request when the last answers. */
export interface ClosedLoad {
  model: 'closed'
  connections: number
  /** Requests in flight per connection (HTTP/1.1 pipelining); 1 unless the test is about pipelining. */
  pipelining?: number
}

export type PhaseLoad = OpenLoad | ClosedLoad
export type LoadModel = PhaseLoad['model']

export interface PhaseBounds {
  /** Open model: most connections the pool may open (default 1024). Beyond it requests are dropped. */
  maxConnections?: number
  /** A request with no complete response after this long counts as a timeout (default 10,000 ms). */
  timeoutMs?: number
  /** Open model: a request sent more than this after its intended time counts as late (default 10 ms). */
  lateAfterMs?: number
  /** After the phase's duration, wait this long for requests still in flight (default min(timeout, 5,000 ms)). */
  gracefulStopMs?: number
  /** Captured bodies are cut at this many bytes (default 64 KiB). */
  maxCapturedBodyBytes?: number
}

/** A monotonic clock in milliseconds (performance.now() in production, a fake one in tests). */
export interface Clock {
  now(): number
}

export interface PhaseSpec {
  /** Shown in samples and the result; the scenario's phase name. */
  name?: string
  /** Base URL of the system under test, e.g. http://127.0.0.1:8080 */
  target: string
  durationMs: number
  load: PhaseLoad
  source: RequestSource
  bounds?: PhaseBounds
  /** Aborting stops sending at once, cancels what is in flight and resolves with a partial result. */
  signal?: AbortSignal
  /** Called once per elapsed second of the phase (and once for the final partial second). */
  onSecond?: (sample: SecondSample) => void
  /** Called for every request flagged `captureBody` when its outcome is known. */
  onResponse?: (response: CapturedResponse) => void
}

/** Outcome classes. A request lands in exactly one; 429 is not part of status4xx. */
export interface OutcomeCounts {
  status2xx: number
  status3xx: number
  /** 4xx except 429. */
  status4xx: number
  status429: number
  status5xx: number
  /** 1xx as a final status or anything outside 100–599. */
  statusOther: number
  /** Connection refused/reset/closed before a response. */
  socketErrors: number
  timeouts: number
  /** Anything else (e.g. the request source produced an invalid header). */
  otherErrors: number
}

/** Requests the generator could not send on time. */
export interface GeneratorBehindCounts {
  /** Open model: not sent because every pooled connection was busy at the intended time (k6's dropped_iterations). */
  dropped: number
  /** Open model: sent, but more than `lateAfterMs` after the intended time (the generator's own event loop was behind). */
  late: number
}

export interface LatencySummary {
  count: number
  min: number
  mean: number
  p50: number
  p90: number
  p95: number
  p99: number
  p999: number
  max: number
}

export interface SecondLatency {
  p50: number
  p95: number
  p99: number
  max: number
}

/** One second of a phase: a few numbers, so a long soak stays small. */
export interface SecondSample {
  phase?: string
  /** 0-based index of the second since the phase started. */
  second: number
  /** Length actually covered (the last one may be partial), ms. */
  durationMs: number
  /** Open model: arrivals scheduled in this second per second; closed model: undefined. */
  targetRate?: number
  /** Requests handed to the connection (per second = sent / durationMs). */
  sent: number
  /** Requests with a final outcome in this second (responses and errors). */
  completed: number
  /** Responses (any status) per second. */
  rate: number
  outcomes: OutcomeCounts
  generatorBehind: GeneratorBehindCounts
  /** Percentiles of the responses that completed in this second; null when none did. */
  latencyMs: SecondLatency | null
  inFlight: number
  /** Cores the generator process used in this second (process.cpuUsage; 1 = one full core). */
  cpu: number
}

export interface GeneratorHealth {
  cpuMean: number
  cpuMax: number
  /** Share of whole seconds the generator spent at or above SATURATED_CPU. */
  hotSecondsShare: number
  /** True when the generator, not the system, limited this phase; `reason` says why. */
  saturated: boolean
  reason?: string
}

export interface PhaseResult {
  name?: string
  model: LoadModel
  load: PhaseLoad
  target: string
  startedAt: string
  plannedDurationMs: number
  /** From start until sending stopped (short of planned when aborted). */
  durationMs: number
  aborted: boolean
  /** Open model: arrivals per second the schedule asked for over the time that ran; closed: undefined. */
  targetRate?: number
  /** Closed model: the connection count (the closed model's "target"); open: undefined. */
  connections?: number
  /** Requests sent per second. */
  achievedRate: number
  /** Responses (any status) per second. */
  throughput: number
  totals: {
    /** Open model: arrivals the schedule produced in the time that ran; closed: equal to sent. */
    scheduled: number
    sent: number
    /** Sent but with no outcome when the phase ended (cut off by abort or the graceful-stop bound). */
    unfinished: number
  }
  outcomes: OutcomeCounts
  generatorBehind: GeneratorBehindCounts & {
    lateAfterMs?: number
    /** Open model: how long after the intended time requests were actually sent. */
    sendLagMs?: {p50: number; p99: number; max: number}
  }
  /** Of every response (any status); null when there was none. */
  latencyMs: LatencySummary | null
  /** Whole-phase latency in microseconds; `mergeHistograms` combines phases for whole-run figures. */
  histogram: Histogram
  seconds: SecondSample[]
  generator: GeneratorHealth
}

/** Cheap view for the live dashboard: the current (unfinished) second and the phase so far. */
export interface PhaseSnapshot {
  phase?: string
  model: LoadModel
  elapsedMs: number
  plannedDurationMs: number
  current: SecondSample
  lastSecond?: SecondSample
  sofar: {
    sent: number
    completed: number
    outcomes: OutcomeCounts
    generatorBehind: GeneratorBehindCounts
    latencyMs: SecondLatency | null
    inFlight: number
    /**
     * The phase's own latency histogram (µs), live — not a copy, so a snapshot costs nothing extra.
     * Read it before yielding (it keeps recording) and never change it; `percentilesAcross` combines
     * it with finished phases' histograms for run-so-far figures.
     */
    histogram: Histogram
  }
}

/** A phase under way. */
export interface PhaseRun {
  readonly model: LoadModel
  snapshot(): PhaseSnapshot
  /** Resolves when the phase ends, including when it was aborted (then `aborted` is true). */
  readonly result: Promise<PhaseResult>
}

/** Process CPU time in microseconds, as process.cpuUsage() returns it. */
export interface CpuTimes {
  user: number
  system: number
}

/** How an engine runs, as opposed to what the phase asks for. */
export interface EngineOptions {
  clock?: Clock
  /** Open model: keep connections across phases to the same target (see ConnectionPool); without it a phase opens and closes its own. */
  pool?: ConnectionPool
  /** Where the generator's CPU time is read from (process.cpuUsage by default; a fake in tests). */
  cpuUsage?: () => CpuTimes
}

/** A traffic engine runs one phase of its model. */
export interface LoadEngine {
  readonly model: LoadModel
  start(spec: PhaseSpec, options?: EngineOptions): PhaseRun
}
