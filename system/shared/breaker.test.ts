import {describe, expect, it} from 'vitest'
import {BrokenCircuitError, TaskCancelledError, createBreaker, withTimeout} from './breaker.js'
import {createServiceMetrics} from './metrics.js'

describe('withTimeout', () => {
  it('rejects with TaskCancelledError at the deadline and aborts the signal it handed out', async () => {
    let seen: AbortSignal | undefined
    const began = performance.now()
    const never = withTimeout((signal) => {
      seen = signal
      return new Promise(() => undefined)
    }, 30)
    await expect(never).rejects.toBeInstanceOf(TaskCancelledError)
    expect(performance.now() - began).toBeLessThan(500)
    expect(seen?.aborted).toBe(true)
  })

  it('passes results and errors through and leaves the signal alone', async () => {
    let seen: AbortSignal | undefined
    await expect(withTimeout(async (signal) => ((seen = signal), 7), 1_000)).resolves.toBe(7)
    expect(seen?.aborted).toBe(false)
    await expect(withTimeout(async () => Promise.reject(new Error('boom')), 1_000)).rejects.toThrow('boom')
    await expect(
      withTimeout(() => {
        throw new Error('sync')
      }, 1_000),
    ).rejects.toThrow('sync')
  })
})

describe('createBreaker', () => {
  it('opens after consecutive failures (timeouts count), then refuses at once, and exports it', async () => {
    const metrics = createServiceMetrics('test', 'breaker')
    const breaker = createBreaker({dependency: 'redis', consecutiveFailures: 2, timeoutMs: 20, halfOpenAfterMs: 60_000, metrics})
    // A second breaker on the same registry shares the metric instead of throwing.
    createBreaker({dependency: 'postgres', metrics})
    await expect(breaker.execute(() => new Promise(() => undefined))).rejects.toBeInstanceOf(TaskCancelledError)
    expect(breaker.state).toBe('closed')
    await expect(breaker.execute(async () => Promise.reject(new Error('down')))).rejects.toThrow('down')
    expect(breaker.state).toBe('open')
    expect(breaker.trips).toBe(1)
    let called = false
    await expect(breaker.execute(async () => ((called = true), 1))).rejects.toBeInstanceOf(BrokenCircuitError)
    expect(called).toBe(false)
    const text = (await metrics.text()).body
    expect(text).toMatch(/scalelab_breaker_state\{dependency="redis",service="test",instance="breaker"\} 2/)
    expect(text).toMatch(/scalelab_breaker_state\{dependency="postgres",service="test",instance="breaker"\} 0/)
    expect(text).toMatch(/scalelab_breaker_transitions_total\{dependency="redis",to="open",service="test",instance="breaker"\} 1/)
  })
})
