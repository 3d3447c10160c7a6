import {describe, expect, it} from 'vitest'
import {bodyLines, planLayout, type PanelDemands} from './layout.js'

const demands: PanelDemands = {
  latency: {min: 3, want: 3},
  traffic: {min: 2, want: 3},
  cache: {min: 1, want: 1},
  breakers: {min: 2, want: 4},
  fleet: {min: 2, want: 4},
}

const heights = (layout: ReturnType<typeof planLayout>) => layout.columns.map((c) => c.map((p) => `${p.id}:${p.height}`))

describe('planLayout', () => {
  it('keeps the frame one line short of the terminal so Ink never redraws the whole screen', () => {
    expect(bodyLines(24)).toBe(20)
    expect(bodyLines(3)).toBe(0)
  })

  it('gives every panel all it wants on 80x24 when it fits, in reading order', () => {
    const layout = planLayout(80, 24, demands)
    expect(layout.mode).toBe('single')
    expect(layout.columnWidths).toEqual([80])
    expect(heights(layout)).toEqual([['latency:3', 'traffic:3', 'cache:1', 'breakers:4', 'fleet:4']])
    expect(layout.hidden).toEqual([])
  })

  it('puts a blank line between panels only when there is room for all of them', () => {
    expect(planLayout(80, 24, demands).gap).toBe(true) // 15 of 20 lines used, 4 gaps
    expect(planLayout(80, 19, demands).gap).toBe(false)
  })

  it('shrinks the long lists before dropping panels: the room left goes by importance', () => {
    // 12 body lines: every minimum (10), then one more line each for traffic and breakers.
    const tight = planLayout(80, 16, {...demands, fleet: {min: 2, want: 12}})
    expect(heights(tight)).toEqual([['latency:3', 'traffic:3', 'cache:1', 'breakers:3', 'fleet:2']])
    expect(tight.hidden).toEqual([])
  })

  it('drops the least important panels first when even the minimums do not fit', () => {
    const tiny = planLayout(80, 10, demands) // 6 body lines
    expect(heights(tiny)).toEqual([['latency:3', 'traffic:2', 'cache:1']])
    expect(tiny.hidden).toEqual(['breakers', 'fleet'])
  })

  it('keeps the chaos panel before breakers and fleet on a small terminal', () => {
    const layout = planLayout(80, 12, {...demands, chaos: {min: 2, want: 4}}) // 8 body lines
    expect(layout.columns[0].map((p) => p.id)).toEqual(['latency', 'traffic', 'chaos', 'cache'])
    expect(layout.hidden).toEqual(['breakers', 'fleet'])
  })

  it('uses two columns from 120 columns on: load figures left, the system and faults right', () => {
    const layout = planLayout(140, 40, {...demands, chaos: {min: 2, want: 4}, events: {min: 2, want: 5}})
    expect(layout.mode).toBe('two-column')
    expect(layout.columnWidths).toEqual([69, 69])
    expect(layout.columns.map((c) => c.map((p) => p.id))).toEqual([
      ['latency', 'traffic', 'cache'],
      ['chaos', 'breakers', 'fleet', 'events'],
    ])
    expect(planLayout(119, 40, demands).mode).toBe('single')
  })

  it('omits a panel without demand (no chaos panel in a bench run)', () => {
    expect(planLayout(80, 24, demands).columns[0].some((p) => p.id === 'chaos')).toBe(false)
  })
})
