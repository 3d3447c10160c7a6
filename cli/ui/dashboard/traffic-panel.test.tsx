import {vi} from 'vitest'
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1'
})
import {render} from 'ink-testing-library'
import {describe, expect, it} from 'vitest'
import {SGR, stylesAt, visibleLines} from '../../../test/support/ansi.js'
import {loadFixture} from '../fixtures/recorded-snapshots.js'
import type {LiveSnapshot} from '../live.js'
import {errorRate, TrafficPanel} from './traffic-panel.js'

function frame(snapshot: LiveSnapshot, width = 80, height?: number) {
  const {lastFrame, unmount} = render(<TrafficPanel snapshot={snapshot} width={width} height={height} />)
  const raw = lastFrame() ?? ''
  unmount()
  return {raw, lines: visibleLines(raw)}
}

describe('TrafficPanel', () => {
  it('shows the achieved rate with its sparkline, the total and the error rate', () => {
    const {lines} = frame(loadFixture('baseline'))
    expect(lines[0]).toMatch(/^Throughput\s+199\/s [▁▂▃▄▅▆▇█ ]+ {2}total 9,231 · errors 0\.0%$/)
  })

  it('counts 2xx, 429, 5xx, socket errors and timeouts even at zero, other 4xx and behind only when non-zero', () => {
    const baseline = frame(loadFixture('baseline')).lines
    expect(baseline[1]).toBe('  2xx 9,231  429 0  5xx 0  socket 0  timeout 0')
    const spike = frame(loadFixture('spike')).lines
    expect(spike[1]).toBe('  2xx 27,980  429 2,310  5xx 1,421  socket 12  timeout 150  4xx 4  behind 1,840')
  })

  it('colours 429s as a warning and 5xx, socket errors and timeouts as failures', () => {
    const {raw} = frame(loadFixture('spike'))
    expect(stylesAt(raw, '2,310').has(SGR.yellow)).toBe(true)
    expect(stylesAt(raw, '1,421')).toEqual(new Set([SGR.bold, SGR.red]))
    expect(stylesAt(raw, '150').has(SGR.red)).toBe(true)
    expect(stylesAt(raw, '1,840').has(SGR.yellow)).toBe(true)
  })

  it('marks the error rate red when it crosses the limit', () => {
    const {raw, lines} = frame(loadFixture('spike'))
    expect(errorRate(loadFixture('spike').outcomes)).toBeCloseTo((1421 + 12 + 150) / 31_877)
    expect(lines[0]).toMatch(/errors 5\.0%!$/)
    expect(stylesAt(raw, '5.0%!').has(SGR.red)).toBe(true)
  })

  it('warns when the load generator is saturated, unless there is no line for it', () => {
    expect(frame(loadFixture('spike')).lines[2]).toBe('  ⚠ load generator saturated: the lab, not the system, may be the bottleneck')
    expect(frame(loadFixture('spike'), 80, 2).lines).toHaveLength(2)
    expect(frame(loadFixture('baseline')).lines).toHaveLength(2)
  })

  it('drops the zero counts first when the counts do not fit the width', () => {
    const snapshot = loadFixture('chaos')
    expect(frame(snapshot, 80).lines[1]).toBe('  2xx 12,801  429 0  5xx 571  socket 0  timeout 38')
    expect(frame(snapshot, 40).lines[1]).toBe('  2xx 12,801  5xx 571  timeout 38')
  })
})
