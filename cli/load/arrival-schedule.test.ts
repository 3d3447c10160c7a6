import {describe, expect, it} from 'vitest'
import {arrivalSchedule} from './arrival-schedule.js'

describe('arrivalSchedule', () => {
  it('spaces a constant rate evenly: 100/s for 2 s is 200 arrivals 10 ms apart', () => {
    const schedule = arrivalSchedule({kind: 'constant', perSecond: 100}, 2000)
    expect(schedule.total).toBe(200)
    expect(schedule.offsetOf(0)).toBe(0)
    expect(schedule.offsetOf(1)).toBeCloseTo(10, 9)
    expect(schedule.offsetOf(199)).toBeCloseTo(1990, 6)
    expect(schedule.countBefore(1000)).toBe(100)
    expect(schedule.countBefore(1005)).toBe(101)
    expect(schedule.rateAt(1500)).toBe(100)
  })

  it('rounds a fractional total up: 3/s for 1.5 s has arrivals at 0, 333, 667, 1000, 1333 ms', () => {
    const schedule = arrivalSchedule({kind: 'constant', perSecond: 3}, 1500)
    expect(schedule.total).toBe(5)
    expect(schedule.offsetOf(4)).toBeCloseTo(1333.33, 1)
  })

  it('ramps linearly: 0 → 200/s over 4 s is 400 arrivals, a quarter of them in the first half', () => {
    const schedule = arrivalSchedule({kind: 'ramp', from: 0, to: 200}, 4000)
    expect(schedule.total).toBe(400)
    // N(t) = 25·t²: 100 by 2 s, 225 by 3 s.
    expect(schedule.countBefore(2000)).toBe(100)
    expect(schedule.countBefore(3000)).toBe(225)
    expect(schedule.offsetOf(100)).toBeCloseTo(2000, 6)
    expect(schedule.rateAt(1000)).toBeCloseTo(50, 9)
    expect(schedule.rateAt(3000)).toBeCloseTo(150, 9)
  })

  it('ramps down to zero without running out of arrivals early', () => {
    const schedule = arrivalSchedule({kind: 'ramp', from: 100, to: 0}, 2000)
    expect(schedule.total).toBe(100)
    // N(t) = 100t − 25t²: 75 by 1 s.
    expect(schedule.countBefore(1000)).toBe(75)
    const last = schedule.offsetOf(schedule.total - 1)
    expect(last).toBeLessThan(2000)
    expect(last).toBeGreaterThan(1700)
  })

  it('keeps offsets increasing and consistent with countBefore across a steep ramp', () => {
    const schedule = arrivalSchedule({kind: 'ramp', from: 10, to: 5000}, 3000)
    let previous = -1
    for (let i = 0; i < schedule.total; i++) {
      const offset = schedule.offsetOf(i)
      expect(offset).toBeGreaterThan(previous)
      expect(offset).toBeLessThan(3000)
      previous = offset
    }
    for (const t of [1, 250, 1000, 2222, 2999]) {
      const n = schedule.countBefore(t)
      expect(schedule.offsetOf(n - 1)).toBeLessThan(t)
      if (n < schedule.total) expect(schedule.offsetOf(n)).toBeGreaterThanOrEqual(t - 1e-6)
    }
  })

  it('has no arrivals at rate zero and rejects nonsense', () => {
    expect(arrivalSchedule({kind: 'constant', perSecond: 0}, 1000).total).toBe(0)
    expect(() => arrivalSchedule({kind: 'constant', perSecond: -1}, 1000)).toThrow(/≥ 0/)
    expect(() => arrivalSchedule({kind: 'constant', perSecond: 10}, 0)).toThrow(/positive duration/)
  })
})
