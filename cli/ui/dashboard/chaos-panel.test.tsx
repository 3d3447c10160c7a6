import {vi} from 'vitest'
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1'
})
import {render} from 'ink-testing-library'
import {describe, expect, it} from 'vitest'
import {SGR, stylesAt, visibleLines} from '../../../test/support/ansi.js'
import {loadFixture} from '../fixtures/recorded-snapshots.js'
import type {LiveSnapshot} from '../live.js'
import {ChaosPanel, hasChaos} from './chaos-panel.js'

function frame(snapshot: LiveSnapshot, height = 10) {
  const {lastFrame, unmount} = render(<ChaosPanel snapshot={snapshot} width={80} height={height} />)
  const raw = lastFrame() ?? ''
  unmount()
  return {raw, lines: visibleLines(raw)}
}

describe('ChaosPanel', () => {
  it('shows the active fault, since when, and every steady-state check with its verdict', () => {
    expect(frame(loadFixture('chaos')).lines).toEqual([
      'Faults      ● ACTIVE kill-redis → redis since 0:30 (0:17)',
      'Checks      ✗ FAIL error rate < 1%: 4.5% over the last 10 s',
      '            ✓ pass p99 < 250 ms: 212.5 ms',
      '            · wait no acknowledged write lost: checked after recovery',
    ])
  })

  it('draws the active fault and a failing check red, a passing check green', () => {
    const {raw} = frame(loadFixture('chaos'))
    expect(stylesAt(raw, '● ACTIVE')).toEqual(new Set([SGR.bold, SGR.red]))
    expect(stylesAt(raw, '✗ FAIL')).toEqual(new Set([SGR.bold, SGR.red]))
    expect(stylesAt(raw, '✓ pass')).toEqual(new Set([SGR.green]))
  })

  it('keeps the failing check when only two lines are free', () => {
    const snapshot = loadFixture('chaos')
    snapshot.checks = [snapshot.checks![1], snapshot.checks![2], snapshot.checks![0]]
    expect(frame(snapshot, 2).lines).toEqual(['Faults      ● ACTIVE kill-redis → redis since 0:30 (0:17)', 'Checks      ✗ FAIL error rate < 1%: 4.5% over the last 10 s'])
  })

  it('shows a rolled-back fault without its age', () => {
    const snapshot = loadFixture('chaos')
    snapshot.faults = [{...snapshot.faults![0], active: false}]
    expect(frame(snapshot).lines[0]).toBe('Faults      ✓ rolled back kill-redis → redis since 0:30')
  })

  it('says when nothing has been injected yet, and is not shown for a bench run', () => {
    const snapshot = loadFixture('chaos')
    snapshot.faults = []
    expect(frame(snapshot).lines[0]).toBe('Faults      none injected yet')
    expect(hasChaos(loadFixture('spike'))).toBe(false)
    expect(hasChaos(loadFixture('chaos'))).toBe(true)
  })
})
