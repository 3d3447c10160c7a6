// The closed engine: autocannon's fixed set of connections, each sending its next request as soon
// as the last one answers. Every request comes from the phase's source (autocannon's `requests`
// with a `setupRequest`), and every response lands in the same recorder as the open engine's.
// autocannon's overallRate/connectionRate is a per-connection cap that sends in bursts, not an
// arrival rate, so it is never used here: open phases belong to the open engine.
import autocannon from 'autocannon'
import {UserError} from '../errors.js'
import {resolveBounds, type ResolvedBounds} from './bounds.js'
import {systemClock} from './clock.js'
import {joinPath, parseTarget} from './connection-pool.js'
import {classifyError} from './outcomes.js'
import {PhaseRecorder} from './phase-recorder.js'
import {startSecondTicker} from './second-ticker.js'
import type {ClosedLoad, Clock, EngineOptions, LoadEngine, PhaseResult, PhaseRun, PhaseSnapshot, PhaseSpec, RequestSpec} from './types.js'

interface AutocannonRequest {
  method?: string
  path?: string
  headers?: Record<string, string>
  body?: string | Buffer
  [key: string]: unknown
}

/** autocannon hands setupRequest a fresh context per request when the request list has one entry. */
interface RequestContext {
  spec?: RequestSpec
}

// autocannon wants seconds and stops at its own sampling tick: we run its clock long and stop it
// ourselves at the phase's end, ticking every 100 ms so stop() (and Ctrl-C) take effect promptly.
const AUTOCANNON_SAMPLE_MS = 100

class ClosedPhase implements PhaseRun {
  readonly model = 'closed' as const
  readonly result: Promise<PhaseResult>
  private resolve!: (result: PhaseResult) => void
  private reject!: (error: unknown) => void

  private readonly clock: Clock
  private readonly bounds: ResolvedBounds
  private readonly recorder: PhaseRecorder
  private readonly startedAt = new Date()
  private readonly startMs: number
  private readonly basePath: string
  private readonly connections: number
  private readonly pipelining: number
  private instance: autocannon.Instance | undefined
  private readonly deadline: NodeJS.Timeout
  private readonly lostCheck: NodeJS.Timeout
  private readonly stopTicker: () => void
  private lastRequest: AutocannonRequest | undefined
  private pendingCapture: {request: RequestSpec; status: number; body: string} | undefined
  private stopped = false
  private finished: PhaseResult | undefined
  private readonly onAbort = () => this.stop(true)

  constructor(private readonly spec: PhaseSpec & {load: ClosedLoad}, options: EngineOptions) {
    this.result = new Promise((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
    this.clock = options.clock ?? systemClock
    this.bounds = resolveBounds(spec.bounds)
    this.connections = spec.load.connections
    this.pipelining = spec.load.pipelining ?? 1
    if (!Number.isInteger(this.connections) || this.connections < 1) throw new UserError(`A closed phase needs a whole number of connections ≥ 1 (got ${this.connections}).`)
    if (!Number.isInteger(this.pipelining) || this.pipelining < 1) throw new UserError(`Pipelining must be a whole number ≥ 1 (got ${this.pipelining}).`)
    if (!(spec.durationMs > 0)) throw new UserError(`A phase needs a positive duration (got ${spec.durationMs} ms).`)
    if (this.bounds.timeoutMs < 1000) throw new UserError(`The closed model (autocannon) times requests out in whole seconds: set timeoutMs ≥ 1000 (got ${this.bounds.timeoutMs}).`)
    // With several requests in flight on one connection autocannon cannot tell us which one answered.
    if (this.pipelining > 1 && spec.onResponse) throw new UserError('Capturing responses needs pipelining 1 in a closed phase; drop pipelining or the capture.')
    const url = parseTarget(spec.target)
    this.basePath = url.pathname.replace(/\/+$/, '')

    this.startMs = this.clock.now()
    this.recorder = new PhaseRecorder({
      name: spec.name,
      model: 'closed',
      plannedDurationMs: spec.durationMs,
      startMs: this.startMs,
      cpuUsage: options.cpuUsage,
      onSecond: spec.onSecond,
    })
    this.stopTicker = startSecondTicker(this.recorder, this.clock)
    this.lostCheck = setInterval(() => this.countLostRequests(), 250)
    this.deadline = setTimeout(() => this.stop(false), spec.durationMs)

    // A bad option makes autocannon call back synchronously, before it returns.
    this.instance = autocannon(
      {
        url: url.origin,
        connections: this.connections,
        pipelining: this.pipelining,
        duration: spec.durationMs / 1000 + 3600,
        timeout: this.bounds.timeoutMs / 1000,
        sampleInt: AUTOCANNON_SAMPLE_MS,
        requests: [{setupRequest: this.setupRequest as never, onResponse: this.onResponse as never}],
      },
      (error) => this.onAutocannonDone(error),
    )
    this.instance.on('response', (_client: unknown, status: number, _bytes: number, responseTimeMs: number) => {
      const now = this.clock.now()
      this.recorder.recordResponse(now, status, responseTimeMs)
      const captured = this.pendingCapture
      if (captured) {
        this.pendingCapture = undefined
        this.spec.onResponse?.({...captured, outcome: 'response', latencyMs: responseTimeMs})
      }
    })
    this.instance.on('reqError', (error: unknown) => this.recorder.recordFailure(this.clock.now(), classifyError(error)))
    if (spec.signal?.aborted) queueMicrotask(() => this.stop(true))
    else spec.signal?.addEventListener('abort', this.onAbort, {once: true})
  }

  snapshot(): PhaseSnapshot {
    return this.recorder.snapshot(this.clock.now())
  }

  private readonly setupRequest = (request: AutocannonRequest, context: RequestContext): AutocannonRequest => {
    // After the phase ended autocannon may still build a request before it closes its sockets:
    // repeat the last one rather than take (and waste) one from the source.
    if (this.stopped && this.lastRequest) return this.lastRequest
    const spec = this.spec.source.next()
    context.spec = spec
    this.recorder.recordSent(this.clock.now())
    this.lastRequest = {
      ...request,
      method: spec.method,
      path: joinPath(this.basePath, spec.path),
      headers: {...request.headers, ...spec.headers},
      body: spec.body ?? Buffer.alloc(0),
    }
    return this.lastRequest
  }

  private readonly onResponse = (status: number, body: string, context: RequestContext): void => {
    // autocannon calls this just before its 'response' event, which carries the latency.
    const request = context.spec
    if (!request?.captureBody || !this.spec.onResponse || this.stopped) return
    const max = this.bounds.maxCapturedBodyBytes
    const cut = Buffer.byteLength(body) > max ? Buffer.from(body).subarray(0, max).toString('utf8') : body
    this.pendingCapture = {request, status, body: cut}
  }

  /**
   * autocannon reconnects silently when the server closes a connection (FIN) with a request
   * outstanding, and never reports that request. In a closed model each connection holds exactly
   * `pipelining` requests, so anything in flight beyond connections × pipelining was lost that way.
   * Checked from a timer, never inside autocannon's own callbacks, where a reconnect's new request
   * can briefly precede the timeout report of the old one.
   */
  private countLostRequests(): void {
    const now = this.clock.now()
    let lost = this.recorder.inFlight - this.connections * this.pipelining
    while (lost-- > 0) this.recorder.recordFailure(now, 'socket-error')
  }

  private stop(aborted: boolean): void {
    if (this.stopped) return
    this.stopped = true
    clearTimeout(this.deadline)
    clearInterval(this.lostCheck)
    this.stopTicker()
    this.spec.signal?.removeEventListener('abort', this.onAbort)
    this.countLostRequests()
    const now = this.clock.now()
    this.finished = this.recorder.finish(now, {
      spec: this.spec,
      startedAt: this.startedAt,
      sendingStoppedMs: aborted ? now : this.startMs + this.spec.durationMs,
      aborted,
      connections: this.connections,
    })
    this.instance?.stop()
  }

  private onAutocannonDone(error: unknown): void {
    if (!this.stopped) {
      // autocannon ended on its own: a setup error (bad option) or its clock ran out.
      this.stop(false)
    }
    if (error) this.reject(error)
    else if (this.finished) this.resolve(this.finished)
  }
}

export function startClosedPhase(spec: PhaseSpec, options: EngineOptions = {}): PhaseRun {
  if (spec.load.model !== 'closed') throw new Error(`the closed engine runs closed-model phases, not ${spec.load.model}`)
  return new ClosedPhase(spec as PhaseSpec & {load: ClosedLoad}, options)
}

export const closedEngine: LoadEngine = {model: 'closed', start: startClosedPhase}
