// Pulls the run's live() at a capped rate and holds what the dashboard shows. The cap is the point:
// the run pays for one snapshot per tick whatever the request rate. Frames (what costs) follow the
// run's clock instead: one when it reaches a new second, so never more than one a second.
import type {LiveSnapshot} from '../live.js'
import type {RunEvent} from '../reporter.js'
import {EVENTS_KEPT, type TimedEvent} from './events-panel.js'

/**
 * Pulls per second. Twice, so a new second of the run is drawn at most half a second late; frames
 * come once a second at most (see LiveFeed.pull): the figures move once a second (the last second,
 * the sparklines, the system's metrics), and every frame costs the run's own process 5–20 ms of CPU
 * (Ink rebuilds and re-measures the whole frame). Measured with bench/ui-cost.ts.
 */
export const DEFAULT_REFRESH_HZ = 2
export const MAX_REFRESH_HZ = 20

export interface LiveFeedState {
  snapshot: LiveSnapshot | null
  events: readonly TimedEvent[]
  stopping: boolean
  /** Why the figures are stale (live() threw); null when the last pull worked. */
  problem: string | null
}

/** Timer functions, injectable so tests can drive the feed with a fake clock. */
export interface FeedTimers {
  setInterval(callback: () => void, ms: number): unknown
  clearInterval(handle: unknown): void
}

const realTimers: FeedTimers = {
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
}

export class LiveFeed {
  private state: LiveFeedState = {snapshot: null, events: [], stopping: false, problem: null}
  private readonly listeners = new Set<() => void>()
  private timer: unknown = null
  private pullCount = 0
  /** The newest snapshot, drawn or not yet. */
  private latest: LiveSnapshot | null = null
  private pullsSinceFrame = 0
  /** A frame is due after this many pulls even when the run's clock stands still (before the load starts). */
  private readonly pullsPerSecond: number
  private readonly timers: FeedTimers
  readonly intervalMs: number

  constructor(
    private readonly live: () => LiveSnapshot,
    options: {refreshHz?: number; timers?: FeedTimers} = {},
  ) {
    const hz = Math.min(MAX_REFRESH_HZ, Math.max(0.5, options.refreshHz ?? DEFAULT_REFRESH_HZ))
    this.intervalMs = Math.round(1000 / hz)
    this.pullsPerSecond = Math.max(1, Math.round(hz))
    this.timers = options.timers ?? realTimers
  }

  /** Pulls once now (so the first frame is not empty), then once per interval until stop(). */
  start(): void {
    if (this.timer !== null) return
    this.pull()
    this.timer = this.timers.setInterval(() => this.pull(), this.intervalMs)
  }

  stop(): void {
    if (this.timer === null) return
    this.timers.clearInterval(this.timer)
    this.timer = null
  }

  get running(): boolean {
    return this.timer !== null
  }

  /** How many times live() was called. */
  get pulls(): number {
    return this.pullCount
  }

  /**
   * Takes a snapshot; draws it when the run's clock shows a new second, when a second has passed
   * without one (the clock stands still before the load starts), or when live() starts or stops
   * failing. Pulls in between keep the newest figures for the next frame and cost no frame.
   */
  pull(): void {
    this.pullCount++
    this.pullsSinceFrame++
    let snapshot: LiveSnapshot
    try {
      snapshot = this.live()
    } catch (err) {
      // Keep the last figures on screen and say why they stopped moving; the run goes on regardless.
      const problem = `live figures unavailable: ${err instanceof Error ? err.message : String(err)}`
      if (problem !== this.state.problem || this.pullsSinceFrame >= this.pullsPerSecond) this.publish({problem})
      return
    }
    this.latest = snapshot
    const shown = this.state.snapshot
    const due = shown === null || this.state.problem !== null || Math.floor(snapshot.elapsedS) !== Math.floor(shown.elapsedS) || this.pullsSinceFrame >= this.pullsPerSecond
    if (due) this.publish({snapshot, problem: null})
  }

  /** Kept for the next frame: events never cause a frame of their own, however many come. */
  pushEvent(event: RunEvent): void {
    const atS = this.latest?.elapsedS ?? 0
    this.state = {...this.state, events: [...this.state.events, {atS, event}].slice(-EVENTS_KEPT)}
  }

  /** Drawn at once, with the newest figures. */
  markStopping(): void {
    if (!this.state.stopping) this.publish({stopping: true, ...(this.latest ? {snapshot: this.latest} : {})})
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  readonly getState = (): LiveFeedState => this.state

  private publish(change: Partial<LiveFeedState>): void {
    this.pullsSinceFrame = 0
    this.state = {...this.state, ...change}
    for (const listener of this.listeners) listener()
  }
}
