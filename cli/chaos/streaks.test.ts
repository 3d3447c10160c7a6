import {describe, expect, it} from 'vitest'
import {BreachWatch, RecoveryWatch} from './streaks.js'

describe('RecoveryWatch: the first of hold-time consecutive passing evaluations after the rollback', () => {
  it('is timed from the rollback to the first evaluation of the run', () => {
    const watch = new RecoveryWatch(3000)
    expect(watch.observe(1_000, true)).toBe(false) // not started: before any rollback
    watch.begin(10_200)
    expect(watch.observe(11_050, false)).toBe(false)
    expect(watch.observe(12_050, true)).toBe(false)
    expect(watch.observe(13_050, true)).toBe(false)
    expect(watch.observe(14_050, false)).toBe(false) // broken: starts over
    expect(watch.observe(15_050, true)).toBe(false)
    expect(watch.observe(16_050, true)).toBe(false)
    expect(watch.recoveredAtMs).toBeNull()
    expect(watch.observe(17_050, true)).toBe(true)
    expect(watch.recoveredAtMs).toBe(15_050)
    expect(watch.afterS).toBe(4.9)
    expect(watch.observe(18_050, false)).toBe(false) // once recovered, it stays recovered
    expect(watch.afterS).toBe(4.9)
  })

  it('never recovers without enough passing evaluations', () => {
    const watch = new RecoveryWatch(5000)
    watch.begin(0)
    for (let t = 1000; t <= 4000; t += 1000) watch.observe(t, true)
    expect(watch.afterS).toBeNull()
  })
})

describe('BreachWatch: an abort rule holding for its bound', () => {
  it('fires on the evaluation that completes the bound, and forgets a broken streak', () => {
    const watch = new BreachWatch(3000)
    expect(watch.observe(1000, true)).toBe(false)
    expect(watch.observe(2000, true)).toBe(false)
    expect(watch.observe(3000, false)).toBe(false)
    expect(watch.breachStartMs).toBeNull()
    expect(watch.observe(4000, true)).toBe(false)
    expect(watch.observe(5000, true)).toBe(false)
    expect(watch.observe(6000, true)).toBe(true)
    expect(watch.breachStartMs).toBe(4000)
  })
})
