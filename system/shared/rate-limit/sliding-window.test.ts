import {describe, expect, it} from 'vitest'
import {consume, report, rollWindow, type WindowCounts} from './sliding-window.js'

const W = 60_000_000 // one minute in µs
const windowStart = 29_000_000 * W // some window boundary

function run(limit: number, times: number[], start?: WindowCounts) {
  let state = start
  const decisions = times.map((t) => {
    const r = consume(state, t, W, limit)
    state = r.state
    return r.decision
  })
  return {state, decisions}
}

describe('sliding-window counter', () => {
  it('allows exactly `limit` in a burst inside one window, however long the burst takes', () => {
    // 150 requests spread over 30 s: GCRA would refill ~50 meanwhile; this counter does not.
    const times = Array.from({length: 150}, (_, i) => windowStart + 1_000_000 + i * 200_000)
    const {decisions} = run(100, times)
    expect(decisions.filter((d) => d.allowed)).toHaveLength(100)
    expect(decisions.slice(0, 100).every((d) => d.allowed)).toBe(true)
    expect(decisions.slice(100).every((d) => !d.allowed)).toBe(true)
  })

  it('weights the previous window by its remaining overlap', () => {
    const full = run(100, Array.from({length: 100}, () => windowStart + 10)).state
    // A quarter into the next window, 75 of the previous 100 still count: 25 more fit.
    const quarter = windowStart + W + W / 4
    const {decisions} = run(100, Array.from({length: 30}, () => quarter), full)
    expect(decisions.filter((d) => d.allowed)).toHaveLength(25)
    // Two windows later nothing of it weighs in.
    expect(rollWindow(full, windowStart + 2 * W + 1, W)).toEqual({index: windowStart / W + 2, current: 0, previous: 0})
  })

  it('reports remaining and the wait until the next unit, which on a 429 is the Retry-After', () => {
    const at = windowStart + 15_000_000 // 15 s into the window
    const {decisions} = run(10, Array.from({length: 11}, () => at))
    expect(report(decisions[0])).toMatchObject({remaining: 9})
    const tenth = report(decisions[9])
    expect(tenth.remaining).toBe(0)
    const denied = decisions[10]
    expect(denied.allowed).toBe(false)
    // 10 counted now, nothing before: the next unit frees once the window turns (45 s) and one
    // tenth of the next window has passed (6 s): 51 s.
    expect(report(denied)).toEqual({remaining: 0, resetSeconds: 51})
    expect(tenth.resetSeconds).toBe(51)
  })

  it('frees quota continuously while the previous window decays', () => {
    const full = run(60, Array.from({length: 60}, () => windowStart)).state
    // Next window, 30 s in: 30 of the previous 60 still weigh; 30 fit, then one more frees every second.
    const at = windowStart + W + 30_000_000
    const {decisions} = run(60, Array.from({length: 31}, () => at), full)
    expect(decisions.filter((d) => d.allowed)).toHaveLength(30)
    expect(report(decisions[30])).toEqual({remaining: 0, resetSeconds: 1})
    const later = consume(run(60, Array.from({length: 30}, () => at), full).state, at + 1_000_000, W, 60)
    expect(later.decision.allowed).toBe(true)
  })

  it('never allows with a zero limit', () => {
    const {decisions} = run(0, [windowStart + 5])
    expect(decisions[0].allowed).toBe(false)
    expect(report(decisions[0]).remaining).toBe(0)
  })
})
