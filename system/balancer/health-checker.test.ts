import {describe, expect, it} from 'vitest'
import {Backend} from './backend.js'
import {HealthChecker, type Probe} from './health-checker.js'
import {FakeClock} from './testing/fake-clock.js'

/** Scripted probe verdicts per backend (the real HTTP probe is tested in upstream.test.ts). */
function scriptedProbe() {
  const verdicts = new Map<string, boolean | 'throw'>()
  const calls: string[] = []
  const probe: Probe = async (b) => {
    calls.push(b.name)
    const v = verdicts.get(b.name) ?? true
    if (v === 'throw') throw new Error('probe exploded')
    return {ok: v, latencyMs: 1, error: v ? undefined : 'status 503'}
  }
  return {probe, verdicts, calls}
}

function setup() {
  const clock = new FakeClock()
  const script = scriptedProbe()
  const changes: string[] = []
  const checker = new HealthChecker({intervalMs: 1000, timeoutMs: 500, healthyThreshold: 3, unhealthyThreshold: 2}, clock, script.probe, (b, healthy) =>
    changes.push(`${b.name} ${healthy ? 'healthy' : 'unhealthy'}`),
  )
  const fleet = [new Backend({name: 'a', host: '127.0.0.1', port: 1, weight: 1}, false), new Backend({name: 'b', host: '127.0.0.1', port: 2, weight: 1}, false)]
  /** Moves to the next interval and runs the checks that are due. */
  const round = async () => {
    clock.advance(1000)
    await checker.runDue(fleet)
  }
  return {clock, checker, fleet, changes, round, ...script}
}

describe('active health checks', () => {
  it('admits a never-checked backend on its first passing check', async () => {
    const {checker, fleet, changes, verdicts} = setup()
    verdicts.set('b', false)
    await checker.runDue(fleet)
    expect(fleet.map((b) => b.healthy)).toEqual([true, false])
    expect(changes).toEqual(['a healthy'])
  })

  it('takes the unhealthy threshold of failures in a row to go out', async () => {
    const {checker, fleet, changes, verdicts, round} = setup()
    await checker.runDue(fleet)
    verdicts.set('a', false)
    await round()
    expect(fleet[0].healthy).toBe(true)
    verdicts.set('a', true) // a pass in between restarts the count
    await round()
    verdicts.set('a', false)
    await round()
    expect(fleet[0].healthy).toBe(true)
    await round()
    expect(fleet[0].healthy).toBe(false)
    expect(changes).toEqual(['a healthy', 'b healthy', 'a unhealthy'])
  })

  it('takes the healthy threshold of passes in a row to come back', async () => {
    const {checker, fleet, verdicts, round} = setup()
    await checker.runDue(fleet)
    verdicts.set('a', false)
    await round()
    await round()
    expect(fleet[0].healthy).toBe(false)
    verdicts.set('a', true)
    await round()
    await round()
    expect(fleet[0].healthy).toBe(false)
    await round()
    expect(fleet[0].healthy).toBe(true)
  })

  it('checks each backend once per interval', async () => {
    const {checker, fleet, clock, calls} = setup()
    await checker.runDue(fleet)
    clock.advance(999)
    await checker.runDue(fleet)
    expect(calls).toEqual(['a', 'b'])
    clock.advance(1)
    await checker.runDue(fleet)
    expect(calls).toEqual(['a', 'b', 'a', 'b'])
  })

  it('counts a probe that throws as a failed check', async () => {
    const {checker, fleet, verdicts, round} = setup()
    await checker.runDue(fleet)
    verdicts.set('b', 'throw')
    await round()
    await round()
    expect(fleet[1].healthy).toBe(false)
    expect(fleet[1].lastCheckError).toBe('probe exploded')
  })
})
