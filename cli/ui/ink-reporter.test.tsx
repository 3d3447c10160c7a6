import '../../test/support/outside-ci.js'
import {afterEach, describe, expect, it, vi} from 'vitest'
import {visibleLines} from '../../test/support/ansi.js'
import {CTRL_C, FakeTtyStdin, FakeTtyStdout} from '../../test/support/fake-terminal.js'
import {loadFixture} from './fixtures/recorded-snapshots.js'
import {InkReporter} from './ink-reporter.js'
import type {LiveSnapshot} from './live.js'
import {playbackReport} from './playback/playback-report.js'
import type {RunInfo, RunOutcome} from './reporter.js'
import {ENTER_ALTERNATE_SCREEN, LEAVE_ALTERNATE_SCREEN, SHOW_CURSOR} from './terminal-modes.js'

const HIDE_CURSOR = '\u001B[?25l'

const info: RunInfo = {
  kind: 'bench',
  name: 'spike-10x',
  description: 'ten times the baseline rate',
  runtime: 'local',
  target: 'http://127.0.0.1:7400',
  phases: [{name: 'baseline', durationS: 60}],
  totalS: 130,
  reportDir: 'reports/2025-06-01T10-00-00Z-spike-10x',
}

const reporters: InkReporter[] = []
afterEach(async () => {
  for (const reporter of reporters.splice(0)) await reporter.close()
})

function setup(options: {refreshHz?: number; alternateScreen?: boolean; onForceQuit?: () => void} = {}) {
  const stdout = new FakeTtyStdout(100, 30)
  const stdin = new FakeTtyStdin()
  const reporter = new InkReporter({stdout: stdout.asStream(), stdin: stdin.asStream(), stderr: stdout.asStream(), patchConsole: false, ...options})
  reporters.push(reporter)
  return {stdout, stdin, reporter}
}

/** A live() whose figures move on every call, counting the calls. */
function movingSource(fixture: LiveSnapshot = loadFixture('baseline')) {
  const source = {
    calls: 0,
    live: (): LiveSnapshot => {
      source.calls++
      return {...fixture, elapsedS: fixture.elapsedS + source.calls, outcomes: {...fixture.outcomes, total: fixture.outcomes.total + source.calls}}
    },
  }
  return source
}

const framesOf = (stdout: FakeTtyStdout) => stdout.output.split('scalelab bench spike-10x').length - 1
const WAIT = {timeout: 5000, interval: 20}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function outcome(interrupted: boolean): RunOutcome {
  const snapshot = loadFixture('baseline')
  return {
    report: playbackReport(snapshot, {interrupted, startedAt: new Date(0), finishedAt: new Date(52_000)}),
    dir: snapshot.reportDir,
    files: [`${snapshot.reportDir}/report.json`, `${snapshot.reportDir}/report.md`],
  }
}

describe('InkReporter', () => {
  it('pulls live() and draws frames at the capped rate, not faster', async () => {
    const {stdout, reporter} = setup({refreshHz: 4})
    const source = movingSource()
    reporter.start(info, source.live)
    await sleep(2000)
    // 4 Hz for 2 s: 1 + 8 pulls. Never more; fewer only when a busy machine delays the timer.
    const figures = {pulls: source.calls, frames: framesOf(stdout)}
    expect(figures.pulls, JSON.stringify(figures)).toBeLessThanOrEqual(10)
    expect(figures.pulls, JSON.stringify(figures)).toBeGreaterThanOrEqual(3)
    expect(figures.frames, JSON.stringify(figures)).toBeLessThanOrEqual(figures.pulls + 1)
    expect(figures.frames, JSON.stringify(figures)).toBeGreaterThanOrEqual(2)
    expect(visibleLines(stdout.lastFrame()).some((l) => l.startsWith('Latency ms'))).toBe(true)
  })

  it('draws events with the next tick, so a flood of them costs no extra frames', async () => {
    const {stdout, reporter} = setup({refreshHz: 4})
    const source = movingSource()
    reporter.start(info, source.live)
    const until = Date.now() + 2000
    let sent = 0
    while (Date.now() < until) {
      for (let i = 0; i < 50; i++) reporter.event({type: 'message', level: 'info', text: `event ${sent++}`})
      await sleep(5)
    }
    expect(sent).toBeGreaterThanOrEqual(500)
    expect(framesOf(stdout)).toBeLessThanOrEqual(source.calls + 1)
    await vi.waitFor(() => expect(stdout.lastFrame()).toContain(`event ${sent - 1}`), WAIT)
  })

  it('asks the run to stop on q, once, and shows that it is stopping', async () => {
    const {stdout, stdin, reporter} = setup()
    const stop = vi.fn()
    reporter.onStopRequest(stop)
    reporter.start(info, movingSource().live)
    await vi.waitFor(() => expect(stdin.isRaw).toBe(true), WAIT)
    stdin.press('q')
    await vi.waitFor(() => expect(stop).toHaveBeenCalledTimes(1), WAIT)
    await vi.waitFor(() => expect(visibleLines(stdout.lastFrame()).some((l) => /stopping… Ctrl-C again to force$/.test(l))).toBe(true), WAIT)
    stdin.press('q')
    await sleep(100)
    expect(stop).toHaveBeenCalledTimes(1)
  })

  it('asks the run to stop on Ctrl-C, and forces the quit on a second Ctrl-C after restoring the terminal', async () => {
    const forceQuit = vi.fn()
    const {stdin, reporter} = setup({onForceQuit: forceQuit})
    const stop = vi.fn()
    reporter.onStopRequest(stop)
    reporter.start(info, movingSource().live)
    await vi.waitFor(() => expect(stdin.isRaw).toBe(true), WAIT)
    stdin.press(CTRL_C)
    await vi.waitFor(() => expect(stop).toHaveBeenCalledTimes(1), WAIT)
    expect(forceQuit).not.toHaveBeenCalled()
    stdin.press(CTRL_C)
    await vi.waitFor(() => expect(forceQuit).toHaveBeenCalledTimes(1), WAIT)
    expect(stdin.isRaw).toBe(false)
  })

  it('treats SIGINT (Ctrl-C while stdin is not in raw mode) like the key: stop first, then force', async () => {
    const forceQuit = vi.fn()
    const {reporter} = setup({onForceQuit: forceQuit})
    const stop = vi.fn()
    reporter.onStopRequest(stop)
    const before = new Set(process.listeners('SIGINT'))
    reporter.start(info, movingSource().live)
    const added = process.listeners('SIGINT').filter((l) => !before.has(l))
    expect(added).toHaveLength(1)
    // Called directly: emitting a real SIGINT would reach the test runner's own handlers too.
    const interrupt = added[0] as () => void
    interrupt()
    expect(stop).toHaveBeenCalledTimes(1)
    interrupt()
    await vi.waitFor(() => expect(forceQuit).toHaveBeenCalledTimes(1))
    expect(process.listeners('SIGINT')).not.toContain(interrupt)
  })

  it('close() leaves the alternate screen, shows the cursor and turns raw mode off, and can be called again', async () => {
    const {stdout, stdin, reporter} = setup()
    const exitListeners = process.listenerCount('exit')
    reporter.start(info, movingSource().live)
    await vi.waitFor(() => expect(stdin.isRaw).toBe(true), WAIT)
    expect(stdout.output.startsWith(ENTER_ALTERNATE_SCREEN)).toBe(true)
    expect(stdout.output).toContain(HIDE_CURSOR)
    await reporter.close()
    await reporter.close()
    expect(stdin.isRaw).toBe(false)
    expect(stdin.rawModeCalls.at(-1)).toBe(false)
    expect(stdout.output.lastIndexOf(LEAVE_ALTERNATE_SCREEN)).toBeGreaterThan(stdout.output.lastIndexOf(ENTER_ALTERNATE_SCREEN))
    expect(stdout.output.lastIndexOf(SHOW_CURSOR)).toBeGreaterThan(stdout.output.lastIndexOf(HIDE_CURSOR))
    expect(process.listenerCount('exit')).toBeLessThanOrEqual(exitListeners)
  })

  it('after finish leaves a short summary with the report path on the normal screen', async () => {
    const {stdout, reporter} = setup()
    reporter.start(info, movingSource().live)
    await vi.waitFor(() => expect(stdout.output).toContain('Latency ms'), WAIT)
    await reporter.finish(outcome(true))
    const afterDashboard = stdout.output.slice(stdout.output.lastIndexOf(LEAVE_ALTERNATE_SCREEN))
    const lines = visibleLines(afterDashboard).map((l) => l.trimEnd())
    expect(lines[0]).toMatch(/^■ STOPPED early: partial report {2}scalelab bench spike-10x/)
    expect(lines.some((l) => l.includes('report    reports/2025-06-01T10-00-00Z-spike-10x (report.json, report.md)'))).toBe(true)
    expect(afterDashboard).not.toContain('Latency ms')
    await reporter.close()
    expect(stdout.output.indexOf(LEAVE_ALTERNATE_SCREEN)).toBe(stdout.output.lastIndexOf(LEAVE_ALTERNATE_SCREEN))
  })

  it('without the alternate screen, the summary replaces the dashboard in place', async () => {
    const {stdout, reporter} = setup({alternateScreen: false})
    reporter.start(info, movingSource().live)
    await vi.waitFor(() => expect(stdout.output).toContain('Latency ms'), WAIT)
    await reporter.finish(outcome(false))
    await reporter.close()
    expect(stdout.output).not.toContain(ENTER_ALTERNATE_SCREEN)
    const last = visibleLines(stdout.lastFrame()).map((l) => l.trimEnd())
    expect(last[0]).toMatch(/^✓ PASSED/)
    expect(last.join('\n')).not.toContain('Latency ms')
  })

  it('survives a live() that throws and a snapshot the dashboard cannot draw, and still restores', async () => {
    const {stdout, stdin, reporter} = setup()
    let calls = 0
    reporter.start(info, () => {
      calls++
      if (calls === 1) throw new Error('metrics not ready')
      return {} as LiveSnapshot
    })
    await vi.waitFor(() => expect(stdout.output).toContain('live figures unavailable: metrics not ready'), WAIT)
    await vi.waitFor(() => expect(visibleLines(stdout.lastFrame()).join(' ')).toMatch(/dashboard failed/), WAIT)
    await reporter.close()
    expect(stdin.isRaw).toBe(false)
    expect(stdout.output.lastIndexOf(LEAVE_ALTERNATE_SCREEN)).toBeGreaterThan(0)
  })

  it('refuses to be started twice', () => {
    const {reporter} = setup()
    reporter.start(info, movingSource().live)
    expect(() => reporter.start(info, movingSource().live)).toThrow(/twice/)
  })
})
