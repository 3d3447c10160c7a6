import {describe, expect, it} from 'vitest'
import {loadFixture} from '../fixtures/recorded-snapshots.js'
import {advanceSnapshot, playbackSource} from './playback-source.js'

describe('playbackSource', () => {
  const recorded = [loadFixture('baseline'), loadFixture('spike'), loadFixture('chaos')]

  it('plays each recorded snapshot for its slot with the clocks running on', () => {
    let t = 100
    const source = playbackSource(recorded, {secondsPerSnapshot: 2, now: () => t})
    expect(source.live().name).toBe('spike-10x')
    expect(source.live().elapsedS).toBe(52)
    t += 1.5
    expect(source.live().elapsedS).toBe(53.5)
    expect(source.live().phase.name).toBe('baseline')
    t += 1
    expect(source.live().phase.name).toBe('spike')
    expect(source.position()).toEqual({index: 1, ended: false})
    t += 2
    expect(source.live().name).toBe('kill-redis')
    t += 2
    expect(source.position()).toEqual({index: 2, ended: true})
    expect(source.live().elapsedS).toBe(49) // stays on the last one, at its end
  })

  it('starts again after the last snapshot when looping', () => {
    let t = 0
    const source = playbackSource(recorded, {secondsPerSnapshot: 1, loop: true, now: () => t})
    t = 3.2
    expect(source.position()).toEqual({index: 0, ended: false})
  })

  it('refuses an empty recording', () => {
    expect(() => playbackSource([], {secondsPerSnapshot: 1})).toThrow(/at least one/)
  })
})

describe('advanceSnapshot', () => {
  it('moves the clocks, grows the counts at the achieved rate and rotates the history by whole seconds', () => {
    const snapshot = loadFixture('baseline')
    const later = advanceSnapshot(snapshot, 2.5)
    expect(later.elapsedS).toBe(54.5)
    expect(later.phase.elapsedS).toBe(44.5)
    expect(later.outcomes.total).toBe(snapshot.outcomes.total + Math.round(199 * 2.5))
    expect(later.history.p99).toEqual([...snapshot.history.p99.slice(2), ...snapshot.history.p99.slice(0, 2)])
    expect(snapshot.elapsedS).toBe(52) // the recording itself is untouched
  })

  it('never runs a clock past the end of its phase or run', () => {
    const later = advanceSnapshot(loadFixture('spike'), 1000)
    expect(later.elapsedS).toBe(130)
    expect(later.phase.elapsedS).toBe(30)
  })
})
