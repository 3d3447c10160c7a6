import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'
import {loadFixture} from '../fixtures/recorded-snapshots.js'
import type {LiveSnapshot} from '../live.js'
import {LiveFeed} from './live-feed.js'

describe('LiveFeed', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('pulls once at start and then at the refresh rate, whatever the run does in between', () => {
    const live = vi.fn(() => loadFixture('baseline'))
    const feed = new LiveFeed(live, {refreshHz: 4})
    feed.start()
    expect(live).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(2000)
    expect(live).toHaveBeenCalledTimes(9)
    feed.stop()
    vi.advanceTimersByTime(2000)
    expect(live).toHaveBeenCalledTimes(9)
  })

  it('caps the rate however high it is asked to go', () => {
    const feed = new LiveFeed(() => loadFixture('baseline'), {refreshHz: 1000})
    expect(feed.intervalMs).toBe(50)
  })

  it('pulls twice a second by default: the figures move once a second', () => {
    const live = vi.fn(() => loadFixture('baseline'))
    const feed = new LiveFeed(live)
    expect(feed.intervalMs).toBe(500)
    feed.start()
    vi.advanceTimersByTime(2000)
    expect(live).toHaveBeenCalledTimes(5)
    feed.stop()
  })

  it('draws (notifies subscribers with a new state) when the run clock reaches a new second, not on every pull', () => {
    const base = loadFixture('baseline')
    let elapsedS = 10.2
    // The clock moves 0.3 s per pull: 10.2, 10.5, 10.8, 11.1, 11.4, 11.7, 12.0, …
    const feed = new LiveFeed(() => ({...base, elapsedS: (elapsedS = Math.round((elapsedS + 0.3) * 10) / 10)}), {refreshHz: 4})
    const drawn: number[] = []
    const unsubscribe = feed.subscribe(() => drawn.push(feed.getState().snapshot!.elapsedS))
    feed.start() // 10.5: the first snapshot
    vi.advanceTimersByTime(1500) // six more pulls: 10.8, 11.1, 11.4, 11.7, 12.0, 12.3
    expect(drawn).toEqual([10.5, 11.1, 12])
    expect(feed.pulls).toBe(7)
    unsubscribe()
    vi.advanceTimersByTime(1000)
    expect(drawn).toHaveLength(3)
    feed.stop()
  })

  it('draws once a second while the run clock stands still (login, setup), and the stop request at once', () => {
    const feed = new LiveFeed(() => ({...loadFixture('baseline'), elapsedS: 0}), {refreshHz: 4})
    const states: unknown[] = []
    feed.subscribe(() => states.push(feed.getState()))
    feed.start()
    vi.advanceTimersByTime(2000) // 8 more pulls, no new second: a frame after every fourth
    expect(states).toHaveLength(3)
    expect(new Set(states).size).toBe(3)
    feed.markStopping()
    expect(states).toHaveLength(4)
    expect(feed.getState().stopping).toBe(true)
    feed.stop()
  })

  it('keeps the last figures and says why when live() throws, and recovers on the next pull', () => {
    let fail = false
    const snapshot = loadFixture('baseline')
    const feed = new LiveFeed(
      () => {
        if (fail) throw new Error('metrics scrape timed out')
        return snapshot
      },
      {refreshHz: 4},
    )
    feed.start()
    fail = true
    vi.advanceTimersByTime(250)
    expect(feed.getState().snapshot).toBe(snapshot)
    expect(feed.getState().problem).toBe('live figures unavailable: metrics scrape timed out')
    fail = false
    vi.advanceTimersByTime(250)
    expect(feed.getState().problem).toBeNull()
    feed.stop()
  })

  it('stamps events with the run time of the latest snapshot, keeps the latest twenty, and draws them with the next tick', () => {
    const snapshot: LiveSnapshot = {...loadFixture('chaos'), elapsedS: 31}
    const feed = new LiveFeed(() => snapshot)
    const notified = vi.fn()
    feed.subscribe(notified)
    feed.pushEvent({type: 'message', level: 'info', text: 'before any snapshot'})
    expect(notified).not.toHaveBeenCalled() // drawn with the next tick, not on its own
    feed.pull()
    feed.pushEvent({type: 'fault', name: 'kill-redis', target: 'redis', action: 'injected'})
    expect(feed.getState().events.map((e) => e.atS)).toEqual([0, 31])
    for (let i = 0; i < 25; i++) feed.pushEvent({type: 'message', level: 'info', text: `m${i}`})
    expect(feed.getState().events).toHaveLength(20)
    expect(feed.getState().events.at(-1)!.event).toEqual({type: 'message', level: 'info', text: 'm24'})
  })
})
