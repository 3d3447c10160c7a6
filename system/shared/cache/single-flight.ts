/**
 * Coalesces concurrent work per key: while a call for a key is running, later callers get the same
 * promise. `forget` detaches a running call (a write made its result outdated): later callers
 * start afresh and the running call can ask `isCurrent()` before caching what it loaded.
 * Written here because the few libraries for this have no notion of invalidating a running call.
 */
export class SingleFlight<T> {
  readonly #flights = new Map<string, {promise: Promise<T>; current: boolean}>()

  run(key: string, fn: (isCurrent: () => boolean) => Promise<T>): Promise<T> {
    const running = this.#flights.get(key)
    if (running) return running.promise
    const flight = {promise: undefined as unknown as Promise<T>, current: true}
    // fn starts on the next microtask, after the flight is registered, so even a synchronous throw is cleaned up.
    flight.promise = Promise.resolve()
      .then(() => fn(() => flight.current))
      .finally(() => {
        if (this.#flights.get(key) === flight) this.#flights.delete(key)
      })
    this.#flights.set(key, flight)
    return flight.promise
  }

  forget(key: string): void {
    const flight = this.#flights.get(key)
    if (!flight) return
    flight.current = false
    this.#flights.delete(key)
  }

  forgetAll(): void {
    for (const key of [...this.#flights.keys()]) this.forget(key)
  }

  get size(): number {
    return this.#flights.size
  }
}
