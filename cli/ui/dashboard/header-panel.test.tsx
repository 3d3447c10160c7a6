import {vi} from 'vitest'
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1'
})
import {render} from 'ink-testing-library'
import {describe, expect, it} from 'vitest'
import {SGR, stylesAt, visibleLines} from '../../../test/support/ansi.js'
import {loadFixture} from '../fixtures/recorded-snapshots.js'
import type {LiveSnapshot} from '../live.js'
import {HeaderPanel} from './header-panel.js'

function frame(snapshot: LiveSnapshot, width = 80) {
  const {lastFrame, unmount} = render(<HeaderPanel snapshot={snapshot} width={width} />)
  const raw = lastFrame() ?? ''
  unmount()
  return {raw, lines: visibleLines(raw)}
}

describe('HeaderPanel', () => {
  it('names the run and shows its clock and time left', () => {
    const [first] = frame(loadFixture('spike')).lines
    expect(first).toMatch(/^scalelab bench spike-10x · local\s+1:24 \/ 2:10 · 0:46 left$/)
    expect(first).toHaveLength(80)
  })

  it('shows the phase with its progress bar and time left, and target against achieved rate', () => {
    const [, second] = frame(loadFixture('spike')).lines
    expect(second).toMatch(/^phase 3\/4 spike [█▏▎▍▌▋▊▉░]+ 0:16 left │ open: target 2,000\/s, achieved 1,620\/s$/)
  })

  it('draws the achieved rate as a warning when it falls short of the target', () => {
    expect(stylesAt(frame(loadFixture('spike')).raw, '1,620/s').has(SGR.yellow)).toBe(true)
    expect(stylesAt(frame(loadFixture('baseline')).raw, '199/s').has(SGR.yellow)).toBe(false)
  })

  it('shows connections for a closed-model phase', () => {
    expect(frame(loadFixture('metrics-unavailable')).lines[1]).toMatch(/phase 1\/1 steady .+ │ closed: 32 conns, achieved 2,410\/s$/)
  })

  it('cuts the name rather than the clock on a narrow terminal', () => {
    const snapshot = {...loadFixture('chaos'), name: 'kill-redis-while-postgres-is-slow-and-api-2-restarts'}
    const [first] = frame(snapshot, 60).lines
    expect(first).toMatch(/^scalelab chaos kill-redis-while.*… 0:47 \/ 1:30 · 0:43 left$/)
    expect(first.length).toBeLessThanOrEqual(60)
  })
})
