// The open (arrival-rate) engine: requests go out on a fixed schedule whatever the responses do,
// and latency is measured from each request's INTENDED send time, so a stalled system cannot hide
// its stall by slowing the generator down (coordinated omission).
//
// When an arrival is due and every pooled connection is busy with the pool at its bound, the
// request is not sent and counts as dropped — k6's dropped_iterations definition. We chose it over
// "queue it and send late" because a queue would turn a long stall into a burst afterwards that the
// schedule never asked for; the dropped count is reported next to the latency figures instead.
// Timer wake-ups have ~1 ms granularity: a request is never sent early, so up to ~1 ms of the
// generator's own jitter is part of every latency (reported as sendLagMs).
import {UserError} from '../errors.js'
import {arrivalSchedule, type ArrivalSchedule} from './arrival-schedule.js'
import {resolveBounds, type ResolvedBounds} from './bounds.js'
import {systemClock} from './clock.js'
import {ConnectionPool, joinPath, parseTarget, type ResponseHandler, type SentRequest} from './connection-pool.js'
import type {FailureKind} from './outcomes.js'
import {PhaseRecorder} from './phase-recorder.js'
import {startSecondTicker} from './second-ticker.js'
import type {CapturedResponse, Clock, EngineOptions, LoadEngine, OpenLoad, PhaseResult, PhaseRun, PhaseSnapshot, PhaseSpec, RequestSpec} from './types.js'


/** One request on the wire; the connection pool calls it back. */
class OpenRequest implements ResponseHandler {
  sent: SentRequest | undefined
  status = 0
  settled = false
  cancelled = false
  readonly wantsBody: boolean
  chunks: Buffer[] | undefined
  capturedBytes = 0

  constructor(
    private readonly phase: OpenPhase,
    readonly request: RequestSpec,
    readonly intendedMs: number,
  ) {
    this.wantsBody = request.captureBody === true
    if (this.wantsBody) this.chunks = []
  }

  onStatus(status: number): void {
    this.status = status
  }

  onBody(chunk: Buffer): void {
    this.phase.capture(this, chunk)
  }

  onComplete(): void {
    this.phase.settle(this, undefined)
  }

  onFailure(kind: FailureKind): void {
    this.phase.settle(this, kind)
  }
}

class OpenPhase implements PhaseRun {
  readonly model = 'open' as const
  readonly result: Promise<PhaseResult>
  private resolve!: (result: PhaseResult) => void
  private reject!: (error: unknown) => void

  private readonly clock: Clock
  private readonly bounds: ResolvedBounds
  private readonly schedule: ArrivalSchedule
  private readonly pool: ConnectionPool
  private readonly ownsPool: boolean
  private readonly recorder: PhaseRecorder
  private readonly startedAt = new Date()
  private readonly startMs: number
  private readonly inFlight = new Set<OpenRequest>()
  private next = 0
  private state: 'sending' | 'draining' | 'done' = 'sending'
  private timer: NodeJS.Timeout | undefined
  private sendingStoppedMs = 0
  private readonly stopTicker: () => void
  private readonly onAbort = () => this.stopSending(true)

  constructor(private readonly spec: PhaseSpec & {load: OpenLoad}, options: EngineOptions) {
    this.result = new Promise((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
    this.clock = options.clock ?? systemClock
    this.bounds = resolveBounds(spec.bounds)
    this.schedule = arrivalSchedule(spec.load.rate, spec.durationMs)
    if (options.pool && options.pool.origin !== parseTarget(spec.target).origin) {
      throw new UserError(`The connection pool is for ${options.pool.origin}, but the phase targets ${spec.target}.`)
    }
    this.ownsPool = !options.pool
    this.pool = options.pool ?? new ConnectionPool(spec.target, {maxConnections: this.bounds.maxConnections})
    this.startMs = this.clock.now()
    this.recorder = new PhaseRecorder({
      name: spec.name,
      model: 'open',
      plannedDurationMs: spec.durationMs,
      startMs: this.startMs,
      cpuUsage: options.cpuUsage,
      lateAfterMs: this.bounds.lateAfterMs,
      targetRateBetween: (from, to) => (to > from ? ((this.schedule.countBefore(to) - this.schedule.countBefore(from)) * 1000) / (to - from) : 0),
      onSecond: spec.onSecond,
    })
    this.stopTicker = startSecondTicker(this.recorder, this.clock)
    if (spec.signal?.aborted) {
      queueMicrotask(() => this.stopSending(true))
    } else {
      spec.signal?.addEventListener('abort', this.onAbort, {once: true})
      this.wake()
    }
  }

  snapshot(): PhaseSnapshot {
    return this.recorder.snapshot(this.clock.now())
  }

  private readonly wake = (): void => {
    this.timer = undefined
    if (this.state !== 'sending') return
    try {
      const now = this.clock.now()
      const offset = now - this.startMs
      const total = this.schedule.total
      while (this.next < total) {
        const intendedOffset = this.schedule.offsetOf(this.next)
        if (intendedOffset > offset) break
        this.next++
        this.sendOne(this.startMs + intendedOffset, now)
      }
      if (offset >= this.spec.durationMs) return this.stopSending(false)
      // Sleep until the next arrival, or until the phase's end once every arrival went out.
      const wakeAtOffset = this.next < total ? this.schedule.offsetOf(this.next) : this.spec.durationMs
      this.timer = setTimeout(this.wake, Math.max(this.startMs + wakeAtOffset - this.clock.now(), 0))
    } catch (error) {
      this.fail(error)
    }
  }

  private sendOne(intendedMs: number, now: number): void {
    if (!this.pool.hasFreeConnection) {
      this.recorder.recordDropped(now)
      return
    }
    const request = this.spec.source.next()
    const handler = new OpenRequest(this, request, intendedMs)
    this.inFlight.add(handler)
    this.recorder.recordSent(now, now - intendedMs)
    try {
      handler.sent = this.pool.send(
        {method: request.method, path: joinPath(this.pool.basePath, request.path), headers: request.headers, body: request.body},
        handler,
        this.bounds.timeoutMs,
      )
    } catch {
      // The request itself was unsendable (e.g. a header with a line break): the source's fault.
      this.settle(handler, 'other-error')
    }
  }

  capture(handler: OpenRequest, chunk: Buffer): void {
    const room = this.bounds.maxCapturedBodyBytes - handler.capturedBytes
    if (room <= 0 || !handler.chunks) return
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk
    handler.chunks.push(kept)
    handler.capturedBytes += kept.length
  }

  settle(handler: OpenRequest, failure: FailureKind | undefined): void {
    if (handler.settled) return
    handler.settled = true
    this.inFlight.delete(handler)
    if (handler.cancelled || this.state === 'done') return
    const now = this.clock.now()
    const latencyMs = now - handler.intendedMs
    if (failure) {
      const kind = failure
      this.recorder.recordFailure(now, kind)
      if (handler.chunks) this.report(handler, 0, kind, latencyMs)
    } else {
      this.recorder.recordResponse(now, handler.status, latencyMs)
      if (handler.chunks) this.report(handler, handler.status, 'response', latencyMs)
    }
    if (this.state === 'draining' && this.inFlight.size === 0) this.finish(false)
  }

  private report(handler: OpenRequest, status: number, outcome: FailureKind | 'response' | 'unfinished', latencyMs: number): void {
    const onResponse = this.spec.onResponse
    if (!onResponse) return
    const captured: CapturedResponse = {
      request: handler.request,
      status,
      body: handler.chunks && handler.chunks.length ? Buffer.concat(handler.chunks).toString('utf8') : '',
      outcome,
      latencyMs,
    }
    onResponse(captured)
  }

  private stopSending(aborted: boolean): void {
    if (this.state !== 'sending') {
      if (aborted && this.state === 'draining') this.finish(true)
      return
    }
    clearTimeout(this.timer)
    this.timer = undefined
    this.sendingStoppedMs = aborted ? this.clock.now() : this.startMs + this.spec.durationMs
    if (aborted) return this.finish(true)
    this.state = 'draining'
    if (this.inFlight.size === 0) return this.finish(false)
    this.timer = setTimeout(() => this.finish(false), this.bounds.gracefulStopMs)
  }

  private finish(aborted: boolean): void {
    if (this.state === 'done') return
    this.state = 'done'
    clearTimeout(this.timer)
    this.stopTicker()
    this.spec.signal?.removeEventListener('abort', this.onAbort)
    const now = this.clock.now()
    const activeMs = this.sendingStoppedMs - this.startMs
    const result = this.recorder.finish(now, {
      spec: this.spec,
      startedAt: this.startedAt,
      sendingStoppedMs: this.sendingStoppedMs,
      aborted,
      scheduled: this.next,
      targetRate: activeMs > 0 ? (this.schedule.countBefore(activeMs) * 1000) / activeMs : 0,
    })
    this.cancelInFlight(now)
    void this.release().then(() => this.resolve(result), this.reject)
  }

  /** The request source threw: a bug in the scenario layer, so the phase fails loudly. */
  private fail(error: unknown): void {
    this.state = 'done'
    clearTimeout(this.timer)
    this.stopTicker()
    this.spec.signal?.removeEventListener('abort', this.onAbort)
    this.cancelInFlight(this.clock.now())
    void this.release().finally(() => this.reject(error))
  }

  private cancelInFlight(now: number): void {
    for (const handler of [...this.inFlight]) {
      handler.cancelled = true
      if (handler.chunks) this.report(handler, 0, 'unfinished', now - handler.intendedMs)
      handler.sent?.cancel(handler)
    }
  }

  private async release(): Promise<void> {
    if (this.ownsPool) await this.pool.destroy()
  }
}

export function startOpenPhase(spec: PhaseSpec, options: EngineOptions = {}): PhaseRun {
  if (spec.load.model !== 'open') throw new Error(`the open engine runs open-model phases, not ${spec.load.model}`)
  return new OpenPhase(spec as PhaseSpec & {load: OpenLoad}, options)
}

export const openEngine: LoadEngine = {model: 'open', start: startOpenPhase}
