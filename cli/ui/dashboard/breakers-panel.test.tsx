import {vi} from 'vitest'
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1'
})
import {render} from 'ink-testing-library'
import {describe, expect, it} from 'vitest'
import {SGR, stylesAt, visibleLines} from '../../../test/support/ansi.js'
import {loadFixture} from '../fixtures/recorded-snapshots.js'
import type {LiveSnapshot} from '../live.js'
import {BreakersPanel} from './breakers-panel.js'

function frame(snapshot: LiveSnapshot, height = 10, width = 80) {
  const {lastFrame, unmount} = render(<BreakersPanel snapshot={snapshot} width={width} height={height} />)
  const raw = lastFrame() ?? ''
  unmount()
  return {raw, lines: visibleLines(raw)}
}

describe('BreakersPanel', () => {
  it('shows each dependency state per instance, with trips so far', () => {
    const {lines} = frame(loadFixture('spike'))
    expect(lines).toEqual([
      'Breakers    redis             postgres          trips 3 · 1 open',
      '  api-1     closed            closed',
      '  api-2     closed            OPEN (2)',
      '  api-3     closed            half-open (1)',
    ])
  })

  it('highlights an open breaker (red, inverted, bold) and a half-open one as a warning', () => {
    const {raw} = frame(loadFixture('spike'))
    expect(stylesAt(raw, 'OPEN (2)')).toEqual(new Set([SGR.bold, SGR.inverse, SGR.red]))
    expect(stylesAt(raw, 'half-open (1)')).toEqual(new Set([SGR.bold, SGR.yellow]))
    expect(stylesAt(raw, '1 open').has(SGR.red)).toBe(true)
    expect(stylesAt(raw, 'closed').has(SGR.inverse)).toBe(false)
  })

  it('is all closed and quiet in the baseline', () => {
    const {raw, lines} = frame(loadFixture('baseline'))
    expect(lines[0]).toBe('Breakers    redis             postgres          trips 0')
    expect(lines.slice(1).every((l) => /^ {2}api-\d\s+closed\s+closed$/.test(l))).toBe(true)
    expect(raw).not.toContain('\u001B[7m')
  })

  it('keeps the instances with a breaker not closed when not all rows fit', () => {
    const {lines} = frame(loadFixture('spike'), 3)
    expect(lines).toEqual([
      'Breakers    redis             postgres          trips 3 · 1 open',
      '  api-2     closed            OPEN (2)',
      '  +2 more instances',
    ])
  })

  it('says the breakers are unknown when the system metrics are unavailable', () => {
    expect(frame(loadFixture('metrics-unavailable')).lines).toEqual(['Breakers    – system metrics unavailable'])
  })
})
