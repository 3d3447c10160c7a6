import {vi} from 'vitest'
// Colours are part of what is asserted: force them on before Ink (and chalk) load.
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1'
})
import {render} from 'ink-testing-library'
import {describe, expect, it} from 'vitest'
import {SGR, stylesAt, visibleLines} from '../../../test/support/ansi.js'
import {loadFixture} from '../fixtures/recorded-snapshots.js'
import {LatencyPanel} from './latency-panel.js'

function frame(snapshot = loadFixture('baseline'), width = 80) {
  const {lastFrame, unmount} = render(<LatencyPanel snapshot={snapshot} width={width} />)
  const raw = lastFrame() ?? ''
  unmount()
  return {raw, lines: visibleLines(raw)}
}

describe('LatencyPanel', () => {
  it('shows p50/p95/p99 of the last second and of the whole run in columns', () => {
    const {lines} = frame()
    expect(lines[0]).toMatch(/^Latency ms\s+p50\s+p95\s+p99\s+p99 last 42s \(max 13\.0\)/)
    expect(lines[1]).toMatch(/^ {2}last 1s\s+2\.1\s+6\.8\s+11\.4\s+[▁▂▃▄▅▆▇█]{42}$/)
    expect(lines[2]).toMatch(/^ {2}whole run\s+2\.0\s+6\.1\s+10\.9\s+limits p95 < 50 · p99 < 100$/)
  })

  it('leaves values under their limits unmarked and uncoloured', () => {
    const {raw, lines} = frame()
    expect(lines.join('\n')).not.toContain('!')
    expect(stylesAt(raw, '11.4').has(SGR.red)).toBe(false)
  })

  it('marks and colours red a percentile over its limit, and only those', () => {
    const {raw, lines} = frame(loadFixture('spike'))
    expect(lines[1]).toMatch(/last 1s\s+18\.2\s+88\.4!\s+242!/)
    expect(lines[2]).toMatch(/whole run\s+3\.4\s+31\.2\s+119!/)
    expect(stylesAt(raw, '88.4!')).toEqual(new Set([SGR.bold, SGR.red]))
    expect(stylesAt(raw, '242!').has(SGR.red)).toBe(true)
    expect(stylesAt(raw, '31.2').has(SGR.red)).toBe(false)
    expect(stylesAt(raw, '18.2').has(SGR.red)).toBe(false)
  })

  it('draws the p99 sparkline red while the last second is over the p99 limit', () => {
    const {raw} = frame(loadFixture('spike'))
    expect(stylesAt(raw, '▁▁▁').has(SGR.red)).toBe(true)
  })

  it('shows dashes for percentiles not measured yet', () => {
    const snapshot = loadFixture('baseline')
    snapshot.latency.lastSecond = {p50: null, p95: null, p99: null}
    expect(frame(snapshot).lines[1]).toMatch(/last 1s\s+–\s+–\s+–/)
  })

  it('drops the sparkline before the figures on a narrow panel', () => {
    const {lines} = frame(loadFixture('spike'), 38)
    expect(lines[1]).toMatch(/last 1s\s+18\.2\s+88\.4!\s+242!$/)
    expect(lines.every((l) => l.length <= 38)).toBe(true)
  })
})
