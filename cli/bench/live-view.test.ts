// The live view of a bench run across phases, driven by real PhaseRecorders (what both engines record
// into) on a fake clock, so every figure is exact: the "whole run" latency row is the run so far —
// finished phases merged with the phase under way — not the current phase alone.
import {describe, expect, it} from 'vitest'
import {mergeHistograms} from '../load/latency-histogram.js'
import {PhaseRecorder} from '../load/phase-recorder.js'
import {constantSource} from '../load/request-sources.js'
import type {PhaseResult, PhaseRun, PhaseSpec} from '../load/types.js'
import {parseScenarioText} from '../scenario/load-scenario.js'
import {resolveScenario} from '../scenario/resolve-scenario.js'
import {LiveView} from './live-view.js'

const scenario = resolveScenario(
  parseScenarioText(
    `name: two-phases
description: a slow phase then a fast one
requests: [{path: /r}]
phases:
  - {name: slow, duration: 2s, rate: 100}
  - {name: fast, duration: 3s, connections: 4}
`,
    'two-phases.yaml',
  ),
)

/** A phase recorded by hand: a real PhaseRecorder read through the PhaseRun interface, on the test's clock. */
class HandRecordedPhase implements PhaseRun {
  readonly recorder: PhaseRecorder
  readonly result: Promise<PhaseResult>
  private resolve!: (result: PhaseResult) => void

  constructor(
    readonly model: 'open' | 'closed',
    private readonly clock: {now: number},
    durationMs: number,
  ) {
    this.recorder = new PhaseRecorder({model, plannedDurationMs: durationMs, startMs: clock.now, cpuUsage: () => ({user: 0, system: 0})})
    this.result = new Promise((resolve) => (this.resolve = resolve))
  }

  snapshot() {
    return this.recorder.snapshot(this.clock.now)
  }

  /** `count` responses with `latencyMs` each, spread evenly over the next `overMs`. */
  respond(count: number, latencyMs: number, overMs: number, status = 200): void {
    for (let i = 0; i < count; i++) {
      const at = this.clock.now + ((i + 1) * overMs) / count
      this.recorder.recordSent(at - latencyMs / 10)
      this.recorder.recordResponse(at, status, latencyMs)
    }
    this.clock.now += overMs
  }

  finish(): PhaseResult {
    const spec: PhaseSpec = {target: 'http://127.0.0.1:1', durationMs: 0, load: {model: 'closed', connections: 1}, source: constantSource({method: 'GET', path: '/'})}
    const result = this.recorder.finish(this.clock.now, {spec, startedAt: new Date(0), sendingStoppedMs: this.clock.now, aborted: false})
    this.resolve(result)
    return result
  }
}

function setup() {
  const clock = {now: 0}
  const view = new LiveView(scenario, 'local', 'reports/x', [], () => clock.now)
  view.begin(0, undefined)
  return {clock, view}
}

/** What the merged histograms say, rounded as the snapshot rounds (to 0.01 ms). */
function merged(...histograms: PhaseResult['histogram'][]) {
  const all = mergeHistograms(histograms)
  const at = (p: number) => Math.round((all.getValueAtPercentile(p) / 1000) * 100) / 100
  return {p50: at(50), p95: at(95), p99: at(99)}
}

describe('LiveView', () => {
  it('"whole run" is the run so far: the finished phases merged with the phase under way', () => {
    const {clock, view} = setup()
    const slow = new HandRecordedPhase('open', clock, 2000)
    view.phaseStarted(0, scenario.phases[0], slow)
    slow.respond(100, 100, 2000)
    // Within the first phase, the run so far is that phase so far.
    expect(view.snapshot().latency.run).toEqual(merged(slow.recorder.histogram))
    view.phaseFinished(slow.finish())

    const fast = new HandRecordedPhase('closed', clock, 3000)
    view.phaseStarted(1, scenario.phases[1], fast)
    fast.respond(300, 10, 1500)
    const mid = view.snapshot()
    // 100 slow + 300 fast responses: the run's p50 is fast, its p95 and p99 are the slow phase's.
    expect(mid.latency.run).toEqual(merged(slow.recorder.histogram, fast.recorder.histogram))
    expect(mid.latency.run.p50).toBeCloseTo(10, 1)
    expect(mid.latency.run.p95).toBeCloseTo(100, 0)
    expect(mid.latency.run.p99).toBeCloseTo(100, 0)
    // The phase alone (what the row used to show) would have said 10 ms at p95.
    expect(fast.snapshot().sofar.latencyMs!.p95).toBeCloseTo(10, 1)
    expect(mid.latency.lastSecond.p95).toBeCloseTo(10, 1)
    expect(mid.outcomes.total).toBe(400)

    // The snapshot reads the live histogram, so the next one sees what was recorded since.
    fast.respond(2000, 10, 1000)
    const later = view.snapshot()
    expect(later.latency.run).toEqual(merged(slow.recorder.histogram, fast.recorder.histogram))
    // 100 of 2,400 responses are slow now: under 5 % (p95 is fast), over 1 % (p99 is slow).
    expect(later.latency.run.p95).toBeCloseTo(10, 1)
    expect(later.latency.run.p99).toBeCloseTo(100, 0)
    expect(later.outcomes.total).toBe(2400)
  })

  it('after the last phase ends it counts that phase once, and its last whole second stays the "last 1s"', () => {
    const {clock, view} = setup()
    const slow = new HandRecordedPhase('open', clock, 2000)
    view.phaseStarted(0, scenario.phases[0], slow)
    slow.respond(200, 50, 2000)
    view.phaseFinished(slow.finish())
    const fast = new HandRecordedPhase('closed', clock, 3000)
    view.phaseStarted(1, scenario.phases[1], fast)
    fast.respond(300, 5, 3000)
    fast.respond(3, 5, 100) // a 0.1 s tail second after the phase's three whole ones
    const result = fast.finish()
    view.phaseFinished(result)

    // The report is being written now; the dashboard keeps drawing.
    clock.now += 2000
    const end = view.snapshot()
    expect(end.outcomes.total).toBe(503) // not 806: the finished phase is not read from its run again
    expect(end.outcomes.ok).toBe(503)
    expect(end.latency.run).toEqual(merged(slow.recorder.histogram, result.histogram))
    expect(end.phase).toMatchObject({name: 'fast', index: 1, elapsedS: 3})
    // The tail second (3 responses in 0.1 s) is not what "last 1s" shows: the last whole second is.
    expect(end.achievedRate).toBe(100)
  })

  it('at the start of a phase, before its first whole second, "last 1s" shows the previous phase’s last second instead of nothing', () => {
    const {clock, view} = setup()
    const slow = new HandRecordedPhase('open', clock, 2000)
    view.phaseStarted(0, scenario.phases[0], slow)
    slow.respond(200, 40, 2000)
    view.phaseFinished(slow.finish())
    const fast = new HandRecordedPhase('closed', clock, 3000)
    view.phaseStarted(1, scenario.phases[1], fast)
    fast.respond(20, 5, 400)
    const start = view.snapshot()
    expect(start.phase).toMatchObject({name: 'fast', elapsedS: 0.4})
    expect(start.achievedRate).toBe(100)
    expect(start.latency.lastSecond.p50).toBeCloseTo(40, 0)
    expect(start.outcomes.total).toBe(220)
    // Once the new phase has a whole second of its own, that one shows.
    fast.respond(300, 5, 1000)
    expect(view.snapshot().latency.lastSecond.p50).toBeCloseTo(5, 1)
  })

  it('shows no latency before any response', () => {
    const {clock, view} = setup()
    expect(view.snapshot().latency).toEqual({lastSecond: {p50: null, p95: null, p99: null}, run: {p50: null, p95: null, p99: null}})
    view.phaseStarted(0, scenario.phases[0], new HandRecordedPhase('open', clock, 2000))
    expect(view.snapshot().latency.run).toEqual({p50: null, p95: null, p99: null})
  })
})
