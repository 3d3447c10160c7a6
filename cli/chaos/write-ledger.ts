// Nothing lost: every write the system acknowledged during the run (a 2xx to POST /api/v1/resources,
// with the created resource in its body) is recorded; after recovery each one is read back through
// the API (the gateway, as the writer) and looked up in Postgres directly (the lab's own postgres,
// not through the fault proxy). An acknowledged write missing from either, or stored with another
// name than the one acknowledged, is lost.
import pg from 'pg'
import type {CapturedResponse} from '../load/types.js'

export interface AcknowledgedWrite {
  id: number
  name: string
}

export interface WriteCheck {
  acknowledged: number
  /** Acknowledged writes looked up in Postgres (and read through the API). */
  checked: number
  lost: number
  lostIds: string[]
  /** Writes answered with something else than 2xx: the system said no, so they may be missing. */
  refused: number
  /** What could not be checked, and why. */
  notes: string[]
}

export interface VerifyOptions {
  /** The gateway's base URL. */
  apiUrl: string
  /** Headers of the writer's identity, so the read-back is allowed and counted like its traffic. */
  headers: Record<string, string>
  /** The lab's Postgres on this machine (not through the fault proxy). */
  postgres: pg.ClientConfig
  concurrency?: number
  /** Attempts per id through the API before it counts as unread (5xx, timeouts). */
  attempts?: number
  timeoutMs?: number
}

export class WriteLedger {
  private readonly writes = new Map<number, AcknowledgedWrite>()
  private refused = 0
  private unreadable = 0

  constructor(private readonly writeTemplates: ReadonlySet<string>) {}

  get acknowledged(): number {
    return this.writes.size + this.unreadable
  }

  /** The engine's onResponse hook: only write templates count. */
  observe(response: CapturedResponse): void {
    if (!response.request.tag || !this.writeTemplates.has(response.request.tag) || response.outcome === 'unfinished') return
    if (response.outcome !== 'response' || response.status < 200 || response.status >= 300) {
      this.refused++
      return
    }
    try {
      const data = (JSON.parse(response.body) as {data?: {id?: unknown; name?: unknown}}).data
      if (typeof data?.id === 'number' && typeof data.name === 'string') {
        this.writes.set(data.id, {id: data.id, name: data.name})
        return
      }
    } catch {
      // counted below
    }
    this.unreadable++
  }

  async verify(options: VerifyOptions): Promise<WriteCheck> {
    const writes = [...this.writes.values()]
    const notes: string[] = []
    if (this.unreadable) notes.push(`${this.unreadable} acknowledged writes carried no readable id in their response and could not be checked`)
    const lost = new Set<number>()
    let checked = 0
    if (writes.length > 0) {
      const stored = await storedNames(options.postgres, writes.map((w) => w.id)).catch((error: Error) => {
        notes.push(`Postgres could not be read directly (${error.message}): the writes are unchecked`)
        return undefined
      })
      if (stored) {
        checked = writes.length
        for (const write of writes) if (stored.get(write.id) !== write.name) lost.add(write.id)
        const api = await readBack(writes, options)
        for (const id of api.missing) lost.add(id)
        if (api.unread.length) notes.push(`${api.unread.length} writes could not be read back through the API (it kept failing), e.g. ${api.unread.slice(0, 5).join(', ')}`)
      }
    }
    const lostIds = [...lost].sort((a, b) => a - b).map(String)
    return {acknowledged: this.acknowledged, checked, lost: lostIds.length, lostIds, refused: this.refused, notes}
  }
}

async function storedNames(config: pg.ClientConfig, ids: number[]): Promise<Map<number, string>> {
  const client = new pg.Client({...config, connectionTimeoutMillis: 5_000, statement_timeout: 30_000})
  await client.connect()
  try {
    const names = new Map<number, string>()
    for (let i = 0; i < ids.length; i += 5_000) {
      const {rows} = await client.query<{id: string; name: string}>('SELECT id, name FROM resources WHERE id = ANY($1::bigint[])', [ids.slice(i, i + 5_000)])
      for (const row of rows) names.set(Number(row.id), row.name)
    }
    return names
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** GET /api/v1/resources/:id for every write, a few at a time; 404 or another name is missing, repeated failures unread. */
async function readBack(writes: AcknowledgedWrite[], options: VerifyOptions): Promise<{missing: number[]; unread: number[]}> {
  const missing: number[] = []
  const unread: number[] = []
  const queue = [...writes]
  const attempts = options.attempts ?? 3
  const worker = async () => {
    for (let write = queue.shift(); write; write = queue.shift()) {
      const verdict = await readOne(write, options, attempts)
      if (verdict === 'missing') missing.push(write.id)
      else if (verdict === 'unread') unread.push(write.id)
    }
  }
  await Promise.all(Array.from({length: options.concurrency ?? 8}, worker))
  return {missing, unread}
}

async function readOne(write: AcknowledgedWrite, options: VerifyOptions, attempts: number): Promise<'ok' | 'missing' | 'unread'> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const response = await fetch(`${options.apiUrl}/api/v1/resources/${write.id}`, {headers: {accept: 'application/json', ...options.headers}, signal: AbortSignal.timeout(options.timeoutMs ?? 5_000)})
      const text = await response.text()
      if (response.status === 404) return 'missing'
      if (response.status === 200) {
        const name = (JSON.parse(text) as {data?: {name?: unknown}}).data?.name
        return name === write.name ? 'ok' : 'missing'
      }
    } catch {
      // a timeout or a reset: try again
    }
    if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, 250 * attempt))
  }
  return 'unread'
}
