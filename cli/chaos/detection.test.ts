import {describe, expect, it} from 'vitest'
import {DetectionTracker, type SystemObservation} from './detection.js'
import {parseSignal} from './expressions.js'

const quiet: SystemObservation = {
  breakerStates: {'api-1': {redis: 'closed', postgres: 'closed'}, gateway: {redis: 'closed'}},
  tripsByDependency: {redis: 2},
  failOpen: 0,
  staleServes: 0,
  fleet: [
    {name: 'api-1', healthy: true, share: 0.5, inFlight: 0, ejected: false},
    {name: 'api-2', healthy: true, share: 0.5, inFlight: 0, ejected: false},
  ],
}
const signals = (...texts: string[]) => texts.map(parseSignal)

describe('DetectionTracker: from the injection to the first observation of each signal', () => {
  it('times each signal from its fault, from the observation that first shows it', () => {
    const tracker = new DetectionTracker()
    tracker.watch('kill redis', signals('breaker redis open', 'gateway degraded', 'rate limiter fail-open'), 10_000, {redis: 2})
    tracker.observeSystem(9_500, {...quiet, failOpen: 3}) // before the fault: does not count
    tracker.observeSystem(10_900, quiet)
    tracker.observeReadiness(11_200, {gateway: 'degraded', 'api-1': 'ready'})
    // A trip between two scrapes counts even if the breaker is half-open again when read.
    tracker.observeSystem(11_900, {...quiet, breakerStates: {'api-1': {redis: 'half-open'}}, tripsByDependency: {redis: 3}, failOpen: 12})
    expect(tracker.results()).toEqual([
      {fault: 'kill redis', signal: 'breaker redis open', afterS: 1.9},
      {fault: 'kill redis', signal: 'gateway degraded', afterS: 1.2},
      {fault: 'kill redis', signal: 'rate limiter fail-open', afterS: 1.9},
    ])
    expect(tracker.drainNew().map((d) => d.signal)).toEqual(['breaker redis open', 'gateway degraded', 'rate limiter fail-open'])
    expect(tracker.drainNew()).toEqual([])
  })

  it('an instance out of rotation: unhealthy or ejected at the balancer', () => {
    const tracker = new DetectionTracker()
    tracker.watch('kill api-2', signals('api-2 out of rotation'), 5_000, {})
    tracker.watch('errors', signals('any api ejected'), 5_000, {})
    tracker.observeSystem(6_000, {...quiet, fleet: [quiet.fleet[0], {...quiet.fleet[1], ejected: true}]})
    expect(tracker.detectedAt('kill api-2', 'api-2 out of rotation')).toBe(6_000)
    expect(tracker.detectedAt('errors', 'any api out of rotation')).toBe(6_000)
  })

  it('client errors are timed at the first error response, a deviation at the evaluation', () => {
    const tracker = new DetectionTracker()
    tracker.watch('api errors', signals('client errors', 'steady state deviates', 'breaker postgres open'), 20_000, {})
    tracker.observeLoad(21_050, {firstErrorSince: (since) => (since === 20_000 ? 20_340 : null), deviating: false})
    tracker.observeLoad(22_050, {firstErrorSince: () => null, deviating: true})
    expect(tracker.results()).toEqual([
      {fault: 'api errors', signal: 'client errors', afterS: 0.3},
      {fault: 'api errors', signal: 'steady state deviates', afterS: 2.1},
      {fault: 'api errors', signal: 'breaker postgres open', afterS: null},
    ])
  })
})
