/** The simulated downstream said no (what a real one would do with a 5xx or a reset). */
export class DownstreamError extends Error {
  constructor(message = 'simulated downstream failure') {
    super(message)
    this.name = 'DownstreamError'
  }
}

export interface FlakyDownstreamOptions {
  failureRate: number
  latencyMs: number
  jitterMs: number
  random?: () => number
}

/**
 * An in-process stand-in for a third-party API: answers after latency ± jitter and fails a share
 * of calls. Honours the abort signal, so a breaker timeout really ends the call.
 */
export class FlakyDownstream {
  readonly #random: () => number

  constructor(private readonly options: FlakyDownstreamOptions) {
    this.#random = options.random ?? Math.random
  }

  async call(signal?: AbortSignal): Promise<{latencyMs: number; value: number}> {
    const {latencyMs, jitterMs, failureRate} = this.options
    const delay = Math.max(0, Math.round(latencyMs + (this.#random() * 2 - 1) * jitterMs))
    await sleep(delay, signal)
    if (this.#random() < failureRate) throw new DownstreamError()
    return {latencyMs: delay, value: Math.floor(this.#random() * 1_000_000)}
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, {once: true})
  })
}
