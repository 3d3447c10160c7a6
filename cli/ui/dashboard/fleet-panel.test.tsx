import {vi} from 'vitest'
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1'
})
import {render} from 'ink-testing-library'
import {describe, expect, it} from 'vitest'
import {SGR, stylesAt, visibleLines} from '../../../test/support/ansi.js'
import {loadFixture} from '../fixtures/recorded-snapshots.js'
import type {LiveSnapshot} from '../live.js'
import {FleetPanel} from './fleet-panel.js'

function frame(snapshot: LiveSnapshot, height = 10) {
  const {lastFrame, unmount} = render(<FleetPanel snapshot={snapshot} width={80} height={height} />)
  const raw = lastFrame() ?? ''
  unmount()
  return {raw, lines: visibleLines(raw)}
}

describe('FleetPanel', () => {
  it('shows one row per API instance: health, share of requests, in flight, ejected', () => {
    const {lines} = frame(loadFixture('spike'))
    expect(lines[0]).toMatch(/^Fleet\s+health\s+share\s+in-flight {2}2\/3 serving$/)
    expect(lines[1]).toMatch(/^ {2}api-1\s+healthy\s+47% █{4}[▏▎▍▌▋▊▉]?\s+38$/)
    expect(lines[2]).toMatch(/^ {2}api-2\s+FAILING\s+6% [▏▎▍▌▋▊▉]\s+2 {2}EJECTED$/)
    expect(lines[3]).toMatch(/^ {2}api-3\s+healthy\s+47% .+\s+41$/)
  })

  it('draws failing and ejected instances red', () => {
    const {raw} = frame(loadFixture('spike'))
    expect(stylesAt(raw, 'FAILING')).toEqual(new Set([SGR.bold, SGR.red]))
    expect(stylesAt(raw, 'EJECTED').has(SGR.red)).toBe(true)
    expect(stylesAt(raw, 'healthy').has(SGR.green)).toBe(true)
  })

  it('keeps the instances in trouble when not all rows fit', () => {
    const {lines} = frame(loadFixture('spike'), 2)
    expect(lines).toHaveLength(2)
    expect(lines[1]).toMatch(/api-2\s+FAILING/)
  })

  it('shows a dash for figures the metrics did not give', () => {
    const snapshot = loadFixture('baseline')
    snapshot.fleet[0] = {...snapshot.fleet[0], share: null, inFlight: null}
    expect(frame(snapshot).lines[1]).toMatch(/^ {2}api-1\s+healthy\s+–\s+–$/)
  })

  it('says the fleet is unknown when the system metrics are unavailable', () => {
    expect(frame(loadFixture('metrics-unavailable')).lines).toEqual(['Fleet       – system metrics unavailable'])
  })
})
