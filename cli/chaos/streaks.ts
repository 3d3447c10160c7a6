// Rules about consecutive once-a-second evaluations, fed the evaluation times (so tests drive them
// with made-up times): recovery is the first evaluation of a run of passing ones that lasts the
// hold time; an abort rule fires when its breach has held for its bound.

/** Evaluations are once a second; a run of n passing ones covers n seconds. */
export const EVALUATION_INTERVAL_MS = 1_000

export class RecoveryWatch {
  private sinceMs: number | null = null
  private streakStartMs: number | null = null
  private streak = 0
  private recovered: number | null = null

  constructor(private readonly holdForMs: number) {}

  /** The rollback completed at `atMs`: from now on the steady state is watched for. */
  begin(atMs: number): void {
    this.sinceMs = atMs
    this.streakStartMs = null
    this.streak = 0
    this.recovered = null
  }

  get started(): boolean {
    return this.sinceMs !== null
  }

  /** When the steady state held again (ms, the first evaluation of the run), or null. */
  get recoveredAtMs(): number | null {
    return this.recovered
  }

  /** Seconds from the rollback to the recovery, or null. */
  get afterS(): number | null {
    return this.recovered === null || this.sinceMs === null ? null : Math.round((this.recovered - this.sinceMs) / 100) / 10
  }

  /** One evaluation of every check; returns true in the evaluation that confirms the recovery. */
  observe(atMs: number, allPassing: boolean): boolean {
    if (this.sinceMs === null || this.recovered !== null || atMs < this.sinceMs) return false
    if (!allPassing) {
      this.streak = 0
      this.streakStartMs = null
      return false
    }
    this.streakStartMs ??= atMs
    this.streak++
    if (this.streak * EVALUATION_INTERVAL_MS < this.holdForMs) return false
    this.recovered = this.streakStartMs
    return true
  }
}

export class BreachWatch {
  private streak = 0
  private startMs: number | null = null

  constructor(private readonly forMs: number) {}

  /** When the current breach began (ms), or null. */
  get breachStartMs(): number | null {
    return this.startMs
  }

  /** One evaluation; true once the breach has held for the bound. */
  observe(atMs: number, breached: boolean): boolean {
    if (!breached) {
      this.streak = 0
      this.startMs = null
      return false
    }
    this.startMs ??= atMs
    this.streak++
    return this.streak * EVALUATION_INTERVAL_MS >= this.forMs
  }
}
