import {describe, expect, it} from 'vitest'
import {Backend} from './backend.js'
import {OutlierDetector, type EjectionReason} from './outlier-detector.js'
import {FakeClock} from './testing/fake-clock.js'

const fleetOf = (n: number) => Array.from({length: n}, (_, i) => new Backend({name: `api-${i + 1}`, host: '127.0.0.1', port: 7500 + i, weight: 1}, true))

function setup(n: number, options: Partial<ConstructorParameters<typeof OutlierDetector>[0]> = {}) {
  const clock = new FakeClock()
  const events: string[] = []
  const durations: number[] = []
  const detector = new OutlierDetector(
    {consecutiveFailures: 3, baseEjectionMs: 10_000, maxEjectionMs: 25_000, maxEjectionPercent: 50, ...options},
    clock,
    {
      ejected: (b, reason: EjectionReason, ms) => {
        events.push(`eject ${b.name} ${reason}`)
        durations.push(ms)
      },
      returned: (b) => events.push(`return ${b.name}`),
    },
  )
  return {clock, detector, events, durations, fleet: fleetOf(n)}
}

const failTimes = (d: OutlierDetector, b: Backend, fleet: Backend[], n: number, local = true) => {
  for (let i = 0; i < n; i++) d.failure(b, local, fleet)
}

describe('outlier detector', () => {
  it('ejects after the configured consecutive failures, and a success resets the streak', () => {
    const {detector, fleet, events} = setup(3)
    const [a] = fleet
    failTimes(detector, a, fleet, 2)
    detector.success(a)
    failTimes(detector, a, fleet, 2)
    expect(a.ejected).toBe(false)
    detector.failure(a, false, fleet)
    expect(a.ejected).toBe(true)
    expect(a.ejections).toBe(1)
    expect(events).toEqual(['eject api-1 consecutive_5xx'])
  })

  it('returns an ejected backend once its time is over, not before', () => {
    const {clock, detector, fleet, events} = setup(3)
    const [a] = fleet
    failTimes(detector, a, fleet, 3)
    expect(events).toEqual(['eject api-1 consecutive_local_failure'])
    clock.advance(9_999)
    detector.sweep(fleet)
    expect(a.ejected).toBe(true)
    clock.advance(1)
    detector.sweep(fleet)
    expect(a.ejected).toBe(false)
    expect(events.at(-1)).toBe('return api-1')
  })

  it('ejects for base × times ejected, capped at the maximum', () => {
    const {clock, detector, fleet, durations} = setup(3)
    const [a] = fleet
    for (let i = 0; i < 4; i++) {
      failTimes(detector, a, fleet, 3)
      expect(a.ejectedUntil - clock.now()).toBe(durations[i])
      clock.advance(durations[i])
      detector.sweep(fleet)
      expect(a.ejected).toBe(false)
      clock.advance(1_000) // fails again soon after it is back
    }
    expect(durations).toEqual([10_000, 20_000, 25_000, 25_000])
    expect(a.ejections).toBe(4)
  })

  it('forgets past ejections while the backend behaves: one base period per step', () => {
    const {clock, detector, fleet, durations} = setup(3)
    const [a] = fleet
    failTimes(detector, a, fleet, 3)
    clock.advance(10_000)
    detector.sweep(fleet)
    failTimes(detector, a, fleet, 3) // right after returning: 2 × base
    clock.advance(20_000)
    detector.sweep(fleet)
    clock.advance(20_000) // two base periods in rotation: multiplier 2 → 0
    detector.sweep(fleet)
    failTimes(detector, a, fleet, 3)
    expect(durations).toEqual([10_000, 20_000, 10_000])
  })

  it('never ejects more than the maximum share of the fleet', () => {
    const {detector, fleet} = setup(4, {maxEjectionPercent: 50})
    for (const b of fleet) failTimes(detector, b, fleet, 3)
    expect(fleet.filter((b) => b.ejected).map((b) => b.name)).toEqual(['api-1', 'api-2'])
  })

  it('may always eject one backend, even when the share rounds to none', () => {
    const {detector, fleet} = setup(3, {maxEjectionPercent: 10})
    for (const b of fleet) failTimes(detector, b, fleet, 3)
    expect(fleet.filter((b) => b.ejected).map((b) => b.name)).toEqual(['api-1'])
  })

  it('ejects another backend once an ejected one has returned', () => {
    const {clock, detector, fleet} = setup(2, {maxEjectionPercent: 50})
    const [a, b] = fleet
    failTimes(detector, a, fleet, 3)
    failTimes(detector, b, fleet, 3)
    expect(b.ejected).toBe(false)
    clock.advance(10_000)
    detector.sweep(fleet)
    failTimes(detector, b, fleet, 3)
    expect(b.ejected).toBe(true)
  })
})
