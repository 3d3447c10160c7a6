import {render} from 'ink-testing-library'
import {describe, expect, it} from 'vitest'
import {visibleLines} from '../../../test/support/ansi.js'
import {loadFixture} from '../fixtures/recorded-snapshots.js'
import type {LiveSnapshot} from '../live.js'
import {CachePanel, cacheTrend} from './cache-panel.js'

function line(snapshot: LiveSnapshot, width = 80) {
  const {lastFrame, unmount} = render(<CachePanel snapshot={snapshot} width={width} />)
  const lines = visibleLines(lastFrame() ?? '')
  unmount()
  expect(lines).toHaveLength(1)
  return lines[0]
}

describe('CachePanel', () => {
  it('shows the overall hit rate, its trend over the last minute and each layer', () => {
    expect(line(loadFixture('baseline'))).toMatch(/^Cache\s+hit 93\.1% → [▁▂▃▄▅▆▇█ ]+ {2}L1 71\.2% {2}L2 76\.0%$/)
  })

  it('points down when the hit rate falls, and shows a gap where a second had no figure', () => {
    expect(line(loadFixture('spike'))).toMatch(/hit 88\.4% ↓/)
    const chaos = line(loadFixture('chaos'))
    expect(chaos).toMatch(/hit 64\.1% ↓ [▁▂▃▄▅▆▇█]+ [▁▂▃▄▅▆▇█]+ {2}L1 64\.1% {2}L2 –$/)
  })

  it('says so when the system metrics are unavailable', () => {
    expect(line(loadFixture('metrics-unavailable'))).toBe('Cache       – system metrics unavailable')
  })
})

describe('cacheTrend', () => {
  const flat = Array.from({length: 20}, () => 0.9)
  it('compares the last ten seconds with the ten before, a point or more counting', () => {
    expect(cacheTrend(flat)).toBe('→')
    expect(cacheTrend([...flat.slice(0, 10), ...flat.slice(10).map((v) => v + 0.02)])).toBe('↑')
    expect(cacheTrend([...flat.slice(0, 10), ...flat.slice(10).map((v) => v - 0.02)])).toBe('↓')
    expect(cacheTrend([...flat.slice(0, 10), ...flat.slice(10).map((v) => v - 0.005)])).toBe('→')
  })

  it('shows no arrow before there are twenty seconds to compare', () => {
    expect(cacheTrend([0.9, 0.95])).toBe(' ')
    expect(cacheTrend(Array.from({length: 20}, () => null))).toBe(' ')
  })
})
