// What each service says about itself, once a second: GET /ready of the gateway, the balancer and
// every API instance, in parallel, each bounded by a short timeout. A service that does not answer
// in time counts as `down`. Feeds the readiness checks and the "degraded" detection signals.
import type {ReadyBody} from '../../contracts/http.js'

export type ReadinessState = ReadyBody['status'] | 'down'

export interface ReadinessReading {
  /** Monotonic ms (performance.now) when the round of probes was taken. */
  atMs: number
  states: Record<string, ReadinessState>
}

export interface ReadinessTarget {
  name: string
  /** Base URL of the service. */
  url: string
}

export interface ReadinessProberOptions {
  targets: ReadinessTarget[]
  intervalMs?: number
  timeoutMs?: number
  now?: () => number
  onReading?: (reading: ReadinessReading) => void
}

export class ReadinessProber {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private stopped = false
  private last: ReadinessReading | undefined

  constructor(private readonly options: ReadinessProberOptions) {}

  latest(): ReadinessReading | undefined {
    return this.last
  }

  async start(): Promise<void> {
    await this.probe()
    this.schedule()
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.running
  }

  private schedule(): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.running = this.probe().finally(() => {
        this.running = undefined
        this.schedule()
      })
    }, this.options.intervalMs ?? 1000)
  }

  private async probe(): Promise<void> {
    const timeoutMs = this.options.timeoutMs ?? 800
    const results = await Promise.all(this.options.targets.map((t) => readinessOf(t.url, timeoutMs)))
    const now = this.options.now ?? (() => performance.now())
    const reading: ReadinessReading = {atMs: now(), states: Object.fromEntries(this.options.targets.map((t, i) => [t.name, results[i]]))}
    this.last = reading
    this.options.onReading?.(reading)
  }
}

export async function readinessOf(baseUrl: string, timeoutMs: number): Promise<ReadinessState> {
  try {
    const response = await fetch(`${baseUrl}/ready`, {signal: AbortSignal.timeout(timeoutMs), headers: {accept: 'application/json'}})
    const body = (await response.json().catch(() => ({}))) as Partial<ReadyBody>
    if (body.status === 'ready' || body.status === 'degraded' || body.status === 'unavailable') return body.status
    return response.ok ? 'ready' : 'unavailable'
  } catch {
    return 'down'
  }
}
