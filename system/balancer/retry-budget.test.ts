import {describe, expect, it} from 'vitest'
import {RetryBudget} from './retry-budget.js'

describe('retry budget', () => {
  it('always allows the minimum concurrency of retries', () => {
    const budget = new RetryBudget(20, 3)
    budget.active = 1
    expect([budget.tryAcquire(), budget.tryAcquire(), budget.tryAcquire(), budget.tryAcquire()]).toEqual([true, true, true, false])
  })

  it('allows retries up to a percentage of active requests above the minimum', () => {
    const budget = new RetryBudget(20, 3)
    budget.active = 50 // 20% → 10 concurrent retries
    let granted = 0
    while (budget.tryAcquire()) granted++
    expect(granted).toBe(10)
    budget.release()
    expect(budget.tryAcquire()).toBe(true)
    expect(budget.tryAcquire()).toBe(false)
  })

  it('refuses every retry when both the share and the minimum are zero', () => {
    const budget = new RetryBudget(0, 0)
    budget.active = 100
    expect(budget.tryAcquire()).toBe(false)
  })
})
