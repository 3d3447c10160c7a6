import {describe, expect, it} from 'vitest'
import {constantSource} from './request-sources.js'
import {PhaseRecorder} from './phase-recorder.js'
import type {CpuTimes, PhaseSpec, SecondSample} from './types.js'

/** A fake process CPU meter: the test says how many cores were busy until a given time. */
function fakeCpu() {
  let micros = 0
  return {
    usage: (): CpuTimes => ({user: micros, system: 0}),
    /** `cores` busy for `ms`. */
    burn(cores: number, ms: number) {
      micros += cores * ms * 1000
    },
  }
}

const spec: PhaseSpec = {target: 'http://127.0.0.1:1', durationMs: 3000, load: {model: 'open', rate: {kind: 'constant', perSecond: 10}}, source: constantSource({method: 'GET', path: '/'})}

describe('PhaseRecorder', () => {
  it('cuts events into seconds by when they happened, emitting empty seconds for a stall', () => {
    const cpu = fakeCpu()
    const samples: SecondSample[] = []
    const recorder = new PhaseRecorder({model: 'open', plannedDurationMs: 3000, startMs: 1000, cpuUsage: cpu.usage, lateAfterMs: 10, onSecond: (s) => samples.push(s)})
    recorder.recordSent(1100, 0.5)
    recorder.recordResponse(1150, 200, 50)
    recorder.recordSent(1900, 0.5)
    recorder.recordResponse(1999, 503, 99)
    cpu.burn(0.5, 1000)
    // Nothing happens in the second second; the third has a late send and a 429.
    cpu.burn(0.1, 1000)
    recorder.recordSent(3100, 25)
    expect(samples.map((s) => s.second)).toEqual([0, 1])
    recorder.recordResponse(3500, 429, 400)

    expect(samples[0]).toMatchObject({second: 0, durationMs: 1000, sent: 2, completed: 2, rate: 2, inFlight: 0})
    expect(samples[0].outcomes).toMatchObject({status2xx: 1, status5xx: 1})
    expect(samples[0].latencyMs?.max).toBeCloseTo(99, 1)
    expect(samples[0].latencyMs?.p50).toBeCloseTo(50, 1)
    // Both closed seconds were rolled at once (at 3100): each gets the average CPU of the span.
    expect(samples[0].cpu).toBeCloseTo(600 / 2100, 5)
    expect(samples[1].cpu).toBeCloseTo(600 / 2100, 5)
    expect(samples[1]).toMatchObject({second: 1, sent: 0, completed: 0, rate: 0, latencyMs: null})

    const result = recorder.finish(3600, {spec, startedAt: new Date(0), sendingStoppedMs: 4000, aborted: false, scheduled: 3})
    expect(samples).toHaveLength(3)
    expect(samples[2]).toMatchObject({second: 2, durationMs: 600, sent: 1, completed: 1})
    expect(samples[2].generatorBehind).toEqual({dropped: 0, late: 1})
    expect(result.outcomes).toMatchObject({status2xx: 1, status5xx: 1, status429: 1, status4xx: 0})
    expect(result.totals).toEqual({scheduled: 3, sent: 3, unfinished: 0})
    expect(result.latencyMs?.count).toBe(3)
    expect(result.latencyMs?.max).toBeCloseTo(400, 0)
    expect(result.achievedRate).toBeCloseTo(1, 9)
    expect(result.generatorBehind.sendLagMs?.max).toBeCloseTo(25, 1)
  })

  it('ignores events after finish and reports what was in flight as unfinished', () => {
    const recorder = new PhaseRecorder({model: 'closed', plannedDurationMs: 1000, startMs: 0, cpuUsage: fakeCpu().usage})
    recorder.recordSent(10)
    recorder.recordSent(20)
    recorder.recordFailure(30, 'timeout')
    const result = recorder.finish(500, {spec, startedAt: new Date(0), sendingStoppedMs: 500, aborted: true})
    recorder.recordResponse(600, 200, 1)
    expect(result.totals.unfinished).toBe(1)
    expect(result.outcomes.timeouts).toBe(1)
    expect(result.latencyMs).toBeNull()
    expect(result.aborted).toBe(true)
    expect(result.seconds).toHaveLength(1)
  })

  it('calls the generator saturated when it ran hot for a fifth of the seconds, not for one blip', () => {
    const run = (hotSeconds: number) => {
      const cpu = fakeCpu()
      const recorder = new PhaseRecorder({model: 'closed', plannedDurationMs: 10_000, startMs: 0, cpuUsage: cpu.usage})
      for (let s = 1; s <= 10; s++) {
        cpu.burn(s <= hotSeconds ? 0.97 : 0.4, 1000)
        recorder.advance(s * 1000)
      }
      return recorder.finish(10_000, {spec, startedAt: new Date(0), sendingStoppedMs: 10_000, aborted: false}).generator
    }
    expect(run(1)).toMatchObject({saturated: false, hotSecondsShare: 0.1})
    const hot = run(3)
    expect(hot.saturated).toBe(true)
    expect(hot.reason).toMatch(/30% of seconds/)
    expect(hot.cpuMax).toBeCloseTo(0.97, 5)
  })

  it('calls the generator saturated when more than 1% of sends were late', () => {
    const recorder = new PhaseRecorder({model: 'open', plannedDurationMs: 1000, startMs: 0, cpuUsage: fakeCpu().usage, lateAfterMs: 10})
    for (let i = 0; i < 100; i++) recorder.recordSent(i, i < 2 ? 11 : 1)
    const health = recorder.finish(1000, {spec, startedAt: new Date(0), sendingStoppedMs: 1000, aborted: false}).generator
    expect(health.saturated).toBe(true)
    expect(health.reason).toMatch(/2\.0% of requests were sent more than 10 ms/)
  })

  it('gives a snapshot of the unfinished second and the phase so far without closing anything', () => {
    const recorder = new PhaseRecorder({model: 'open', plannedDurationMs: 5000, startMs: 0, cpuUsage: fakeCpu().usage, lateAfterMs: 10})
    recorder.recordSent(100, 0)
    recorder.recordResponse(200, 200, 100)
    recorder.recordDropped(1200)
    recorder.recordSent(1300, 0)
    const snap = recorder.snapshot(1500)
    expect(snap.elapsedMs).toBe(1500)
    expect(snap.current).toMatchObject({second: 1, durationMs: 500, sent: 1, completed: 0, inFlight: 1})
    expect(snap.current.generatorBehind.dropped).toBe(1)
    expect(snap.lastSecond?.second).toBe(0)
    expect(snap.sofar).toMatchObject({sent: 2, completed: 1, inFlight: 1})
    expect(snap.sofar.latencyMs?.p99).toBeCloseTo(100, 0)
  })

  it("exposes the phase's live histogram in the snapshot: the recorder's own, not a copy, that the result hands on", () => {
    const recorder = new PhaseRecorder({model: 'closed', plannedDurationMs: 5000, startMs: 0, cpuUsage: fakeCpu().usage})
    recorder.recordSent(10)
    recorder.recordResponse(20, 200, 10)
    const snap = recorder.snapshot(100)
    expect(snap.sofar.histogram).toBe(recorder.histogram)
    expect(snap.sofar.histogram.totalCount).toBe(1)
    // It keeps recording after the snapshot (so a reader takes figures from it at once, never later).
    recorder.recordSent(200)
    recorder.recordResponse(300, 200, 30)
    expect(snap.sofar.histogram.totalCount).toBe(2)
    expect(recorder.finish(400, {spec, startedAt: new Date(0), sendingStoppedMs: 400, aborted: false}).histogram).toBe(snap.sofar.histogram)
  })

  it('keeps memory flat over a 10-minute soak: fixed histograms, one small entry per second', () => {
    const cpu = fakeCpu()
    const recorder = new PhaseRecorder({model: 'open', plannedDurationMs: 600_000, startMs: 0, cpuUsage: cpu.usage, lateAfterMs: 10})
    let footprintAfterFirstSecond = 0
    // 300 req/s for 600 s with latencies spread over 0.2–2000 ms.
    for (let ms = 0; ms < 600_000; ms += 1000) {
      for (let i = 0; i < 300; i++) {
        const t = ms + (i * 1000) / 300
        recorder.recordSent(t, 0.5)
        recorder.recordResponse(t + 1, i % 50 === 0 ? 503 : 200, 0.2 + ((i * 7919) % 2000))
      }
      cpu.burn(0.2, 1000)
      if (ms === 1000) footprintAfterFirstSecond = recorder.histogram.estimatedFootprintInBytes
    }
    const result = recorder.finish(600_000, {spec, startedAt: new Date(0), sendingStoppedMs: 600_000, aborted: false})
    expect(result.histogram.estimatedFootprintInBytes).toBe(footprintAfterFirstSecond)
    expect(result.latencyMs?.count).toBe(180_000)
    expect(result.seconds).toHaveLength(600)
    expect(JSON.stringify(result.seconds).length / 600).toBeLessThan(700)
  })
})
