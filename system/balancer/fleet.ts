import {Backend, type BackendSpec} from './backend.js'

/** Where a part of the membership came from: BACKENDS or PUT /lb/backends, or BACKENDS_DNS. */
export type MembershipSource = 'static' | 'dns'

export interface FleetHooks {
  /** A backend joined (attach its connection pool here). */
  added(backend: Backend): void
  /** A backend left (drain and close its pool here). */
  removed(backend: Backend): void
  /** Membership or rotation changed (the picker restarts its schedule). */
  changed(candidates: readonly Backend[]): void
}

/**
 * The balancer's backends: the union of the static list and what DNS resolved, by name. A
 * replacement keeps the state (in-flight, health, ejections, pool) of every backend that stays
 * at the same address. `rotation` holds the backends in rotation; when none is, `candidates`
 * is the whole fleet (Envoy's panic mode: better to try than to refuse everything).
 */
export class Fleet {
  all: Backend[] = []
  rotation: Backend[] = []
  candidates: Backend[] = []
  private readonly sources = new Map<MembershipSource, BackendSpec[]>()

  constructor(
    private readonly hooks: FleetHooks,
    /** Whether a newly joined backend takes traffic before its first health check. */
    private readonly initiallyHealthy: boolean,
  ) {}

  get(name: string): Backend | undefined {
    return this.all.find((b) => b.name === name)
  }

  replace(source: MembershipSource, specs: readonly BackendSpec[]): {added: string[]; removed: string[]} {
    this.sources.set(source, [...specs])
    const wanted = new Map<string, BackendSpec>()
    for (const list of this.sources.values()) for (const s of list) if (!wanted.has(s.name)) wanted.set(s.name, s)

    const added: string[] = []
    const removed: string[] = []
    const next: Backend[] = []
    const current = new Map(this.all.map((b) => [b.name, b]))
    for (const spec of wanted.values()) {
      const existing = current.get(spec.name)
      if (existing && existing.host === spec.host && existing.port === spec.port) {
        existing.weight = spec.weight
        next.push(existing)
        current.delete(spec.name)
      } else {
        const b = new Backend(spec, this.initiallyHealthy)
        this.hooks.added(b)
        added.push(b.name)
        next.push(b)
      }
    }
    for (const gone of current.values()) {
      removed.push(gone.name)
      this.hooks.removed(gone)
    }
    this.all = next
    this.refresh()
    return {added, removed}
  }

  /** Recomputes the rotation; call after any health or ejection change. */
  refresh(): void {
    this.rotation = this.all.filter((b) => b.available)
    this.candidates = this.rotation.length > 0 ? this.rotation : this.all
    this.hooks.changed(this.candidates)
  }
}
