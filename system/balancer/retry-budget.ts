/**
 * Envoy's retry budget: retries in flight may be at most `budgetPercent` of the requests in
 * flight, but at least `minRetryConcurrency`, so a sick fleet is not sent every request twice.
 */
export class RetryBudget {
  /** Requests in flight to backends, retries included (maintained by the proxy). */
  active = 0
  activeRetries = 0

  constructor(
    private readonly budgetPercent: number,
    private readonly minRetryConcurrency: number,
  ) {}

  /** Takes a retry slot if the budget allows; pair every `true` with `release()`. */
  tryAcquire(): boolean {
    const allowed = Math.max(this.minRetryConcurrency, Math.floor((this.budgetPercent * this.active) / 100))
    if (this.activeRetries >= allowed) return false
    this.activeRetries++
    return true
  }

  release(): void {
    this.activeRetries--
  }
}
