import {describe, expect, it} from 'vitest'
import {emptyOutcomes} from '../load/outcomes.js'
import type {SecondSample} from '../load/types.js'
import {parseThreshold} from '../report/thresholds.js'
import {KneeWatch} from './knee-watch.js'

function second(i: number, p99: number, options: {errors?: number; completed?: number; sent?: number; durationMs?: number} = {}): SecondSample {
  const completed = options.completed ?? 100
  const outcomes = {...emptyOutcomes(), status2xx: completed - (options.errors ?? 0), status5xx: options.errors ?? 0}
  return {
    second: i,
    durationMs: options.durationMs ?? 1000,
    targetRate: 100 + i * 10,
    sent: options.sent ?? completed,
    completed,
    rate: completed,
    outcomes,
    generatorBehind: {dropped: 0, late: 0},
    latencyMs: completed > 0 ? {p50: p99 / 4, p95: p99 / 2, p99, max: p99 * 1.2} : null,
    inFlight: 3,
    cpu: 0.1,
  }
}

const rule = (forMs = 2000) => ({when: [parseThreshold('p99 > 250ms'), parseThreshold('error_rate > 1%')], forMs, stop: true})

describe('KneeWatch', () => {
  it('confirms the knee once a condition held for the whole window, at the first second of the streak', () => {
    const watch = new KneeWatch(rule(3000))
    const p99s = [20, 30, 300, 40, 280, 290, 310, 500]
    const found = p99s.map((p99, i) => watch.observe(second(i, p99)))
    // 300 at second 2 is a blip (second 3 is fine); the streak from second 4 holds for 3 s at second 6.
    expect(found.slice(0, 6).every((f) => f === undefined)).toBe(true)
    expect(found[6]).toEqual({second: 4, targetRate: 140, achievedRate: 100, condition: 'p99 > 250ms', lastGood: {second: 3, targetRate: 130, achievedRate: 100}})
    expect(found[7]).toBeUndefined()
    expect(watch.found?.second).toBe(4)
  })

  it('any condition counts: errors over the line', () => {
    const watch = new KneeWatch(rule())
    expect(watch.observe(second(0, 10))).toBeUndefined()
    expect(watch.observe(second(1, 10, {errors: 5}))).toBeUndefined()
    expect(watch.observe(second(2, 10, {errors: 2}))).toMatchObject({second: 1, condition: 'error_rate > 1%'})
  })

  it('a second with requests out and no answer is a stall; partial seconds are not judged', () => {
    const watch = new KneeWatch(rule())
    expect(watch.observe(second(0, 10))).toBeUndefined()
    expect(watch.observe(second(1, 0, {completed: 0, sent: 150}))).toBeUndefined()
    expect(watch.observe(second(2, 999, {durationMs: 200}))).toBeUndefined()
    expect(watch.observe(second(3, 0, {completed: 0, sent: 170}))).toMatchObject({second: 1, condition: 'p99 > 250ms'})
  })
})
