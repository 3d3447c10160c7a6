import type {Logger} from '../../shared/logger.js'
import type {Database} from '../dependencies/database.js'

export interface RequestLogEntry {
  requestId: string
  method: string
  path: string
  status: number
  durationMs: number
  userId: number | null
}

export interface RequestLogWriterOptions {
  db: Database
  instanceId: string
  /** Share of requests recorded, 0..1 (0: the writer does nothing). */
  sampleRate: number
  batchSize: number
  flushMs: number
  /** Entries held at most while Postgres is slow or down; beyond it new entries are dropped. */
  maxBuffer: number
  random?: () => number
  log?: Logger
}

/**
 * Samples finished requests into the request_logs table in batches, off the hot path: `record`
 * only pushes to a bounded buffer; a timer (or a full batch) writes one multi-row INSERT.
 * When Postgres is unavailable the batch is dropped and counted, never retried into a backlog.
 */
export class RequestLogWriter {
  readonly #o: RequestLogWriterOptions
  readonly #random: () => number
  #buffer: RequestLogEntry[] = []
  #timer: NodeJS.Timeout | undefined
  #flushing: Promise<void> | undefined
  dropped = 0
  written = 0

  constructor(options: RequestLogWriterOptions) {
    this.#o = options
    this.#random = options.random ?? Math.random
    if (options.sampleRate > 0) {
      this.#timer = setInterval(() => void this.flush(), options.flushMs)
      this.#timer.unref()
    }
  }

  record(entry: RequestLogEntry): void {
    if (this.#o.sampleRate <= 0 || this.#random() >= this.#o.sampleRate) return
    if (this.#buffer.length >= this.#o.maxBuffer) {
      this.dropped++
      return
    }
    this.#buffer.push(entry)
    if (this.#buffer.length >= this.#o.batchSize) void this.flush()
  }

  /** Writes what is buffered (one batch at a time). */
  flush(): Promise<void> {
    if (this.#flushing || this.#buffer.length === 0) return this.#flushing ?? Promise.resolve()
    const batch = this.#buffer.splice(0, this.#o.batchSize)
    this.#flushing = this.#insert(batch).finally(() => {
      this.#flushing = undefined
    })
    return this.#flushing
  }

  async close(): Promise<void> {
    clearInterval(this.#timer)
    await this.#flushing
    while (this.#buffer.length > 0) await this.flush()
  }

  async #insert(batch: RequestLogEntry[]): Promise<void> {
    try {
      await this.#o.db.query(
        'request_log_insert',
        `INSERT INTO request_logs (request_id, instance_id, method, path, status, duration_ms, user_id)
         SELECT r, $2, m, p, s, d, u FROM unnest($1::text[], $3::text[], $4::text[], $5::int[], $6::real[], $7::bigint[]) AS t(r, m, p, s, d, u)`,
        [
          batch.map((e) => e.requestId),
          this.#o.instanceId,
          batch.map((e) => e.method),
          batch.map((e) => e.path.slice(0, 500)),
          batch.map((e) => e.status),
          batch.map((e) => e.durationMs),
          batch.map((e) => e.userId),
        ],
      )
      this.written += batch.length
    } catch (err) {
      this.dropped += batch.length
      this.#o.log?.debug({err: (err as Error).message, dropped: batch.length}, 'request log batch dropped')
    }
  }
}
