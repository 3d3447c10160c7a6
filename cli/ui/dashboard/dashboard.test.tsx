import '../../../test/support/outside-ci.js'
import {render as inkRender} from 'ink'
import {afterEach, describe, expect, it, vi} from 'vitest'
import {visibleLines, widestLine} from '../../../test/support/ansi.js'
import {FakeTtyStdin, FakeTtyStdout} from '../../../test/support/fake-terminal.js'
import {FIXTURE_NAMES, loadFixture} from '../fixtures/recorded-snapshots.js'
import {Dashboard} from './dashboard.js'
import {LiveDashboard} from './live-dashboard.js'
import {LiveFeed} from './live-feed.js'
import {Line} from './line.js'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

/**
 * The frame drawn in a terminal of exactly that size (ink-testing-library's is always 100 columns,
 * narrower than the wide layouts), clipped or not as the InkReporter draws it on the alternate screen.
 */
async function frame(name: (typeof FIXTURE_NAMES)[number], columns: number, rows: number, clipOverflow = false) {
  const stdout = new FakeTtyStdout(columns, rows)
  const instance = inkRender(<Dashboard snapshot={loadFixture(name)} columns={columns} rows={rows} clipOverflow={clipOverflow} />, {stdout: stdout.asStream(), stdin: new FakeTtyStdin().asStream(), patchConsole: false, exitOnCtrlC: false})
  cleanups.push(() => instance.unmount())
  await vi.waitFor(() => expect(stdout.lastFrame()).toMatch(/^report → /m), {timeout: 5000, interval: 10})
  return stdout.lastFrame().replace(/\n$/, '') // Ink ends a frame with a newline
}

describe('Dashboard at 80x24', () => {
  it.each(FIXTURE_NAMES)('%s: no line longer than 80 columns and the frame one line short of the screen', async (name) => {
    const raw = await frame(name, 80, 24)
    expect(widestLine(raw)).toBeLessThanOrEqual(80)
    expect(visibleLines(raw).length).toBeLessThanOrEqual(23)
  })

  it('shows every panel of a bench run, header first and footer last', async () => {
    const lines = visibleLines(await frame('spike', 80, 24))
    expect(lines[0]).toMatch(/^scalelab bench spike-10x/)
    const starts = ['Latency ms', 'Throughput', 'Cache', 'Breakers', 'Fleet'].map((title) => lines.findIndex((l) => l.startsWith(title)))
    expect(starts.every((i) => i > 0)).toBe(true)
    expect([...starts].sort((a, b) => a - b)).toEqual(starts)
    expect(lines.at(-1)).toMatch(/^report → reports\/2025-06-01T10-00-00Z-spike-10x\s+q \/ Ctrl-C stop$/)
  })

  it('fits a chaos run with its faults and checks, without dropping a panel', async () => {
    const lines = visibleLines(await frame('chaos', 80, 24))
    for (const title of ['Latency ms', 'Throughput', 'Faults', 'Checks', 'Cache', 'Breakers', 'Fleet']) {
      expect(lines.some((l) => l.startsWith(title))).toBe(true)
    }
    expect(lines.at(-1)).not.toContain('hidden')
  })

  it('drops the less important panels on a smaller terminal and says which', async () => {
    const raw = await frame('chaos', 80, 14)
    const lines = visibleLines(raw)
    expect(lines.length).toBeLessThanOrEqual(13)
    expect(lines.some((l) => l.startsWith('Faults'))).toBe(true)
    expect(lines.some((l) => l.startsWith('Fleet'))).toBe(false)
    expect(lines.at(-1)).toMatch(/hidden: .*fleet.* · q \/ Ctrl-C stop$/)
    expect(widestLine(raw)).toBeLessThanOrEqual(80)
  })
})

describe('Dashboard on a wide terminal', () => {
  it('uses two columns at 140: load figures on the left, breakers and fleet on the right', async () => {
    const raw = await frame('spike', 140, 40)
    const lines = visibleLines(raw)
    expect(widestLine(raw)).toBeLessThanOrEqual(140)
    const latencyRow = lines.find((l) => l.startsWith('Latency ms'))!
    expect(latencyRow.indexOf('Breakers')).toBe(71)
    const fleetRow = lines.find((l) => l.includes('Fleet '))!
    expect(fleetRow.indexOf('Fleet')).toBe(71)
    expect(lines.find((l) => l.includes('api-2 '))!.slice(71)).toMatch(/api-2\s+closed\s+OPEN \(2\)/)
  })

  it('puts the chaos panel at the top of the right column', async () => {
    const lines = visibleLines(await frame('chaos', 140, 40))
    expect(lines.find((l) => l.startsWith('Latency ms'))!.slice(71)).toMatch(/^Faults\s+● ACTIVE kill-redis/)
  })

  it('stays in one column below 120 columns', async () => {
    const lines = visibleLines(await frame('spike', 119, 40))
    expect(lines.find((l) => l.startsWith('Latency ms'))).not.toContain('Breakers')
  })
})

describe('Dashboard without clipping (as drawn on the alternate screen)', () => {
  it.each([
    [80, 24],
    [100, 30],
    [140, 40],
  ])('draws the same frame at %ix%i as the clipped one: every line is cut to its width by itself', async (columns, rows) => {
    for (const name of FIXTURE_NAMES) expect(await frame(name, columns, rows, false)).toBe(await frame(name, columns, rows, true))
  })

  it('cuts a line longer than its panel without a clipping box', async () => {
    const stdout = new FakeTtyStdout(40, 5)
    const instance = inkRender(<Line width={30}>{'x'.repeat(50)}</Line>, {stdout: stdout.asStream(), stdin: new FakeTtyStdin().asStream(), patchConsole: false, exitOnCtrlC: false})
    cleanups.push(() => instance.unmount())
    await vi.waitFor(() => expect(stdout.lastFrame()).toContain('x'), {timeout: 5000, interval: 10})
    expect(stdout.lastFrame().trimEnd()).toBe(`${'x'.repeat(29)}…`)
  })
})

describe('LiveDashboard on resize', () => {
  it('re-lays out from two columns to one when the terminal narrows, and back', async () => {
    const stdout = new FakeTtyStdout(140, 40)
    const stdin = new FakeTtyStdin()
    const snapshot = loadFixture('spike')
    const feed = new LiveFeed(() => snapshot)
    feed.pull()
    const instance = inkRender(<LiveDashboard feed={feed} onKey={() => undefined} />, {stdout: stdout.asStream(), stdin: stdin.asStream(), patchConsole: false, exitOnCtrlC: false})
    cleanups.push(() => instance.unmount())
    const latencyRow = () => visibleLines(stdout.lastFrame()).find((l) => l.startsWith('Latency ms')) ?? ''
    // Ink throttles frames: wait for the frame rather than for a fixed time.
    const WAIT = {timeout: 5000, interval: 20}
    await vi.waitFor(() => expect(latencyRow()).toContain('Breakers'), WAIT)

    stdout.resize(80, 24)
    await vi.waitFor(() => expect(latencyRow()).toMatch(/^Latency ms(?!.*Breakers)/), WAIT)
    expect(widestLine(stdout.lastFrame())).toBeLessThanOrEqual(80)
    expect(visibleLines(stdout.lastFrame()).filter((l) => l !== '').length).toBeLessThanOrEqual(23)

    stdout.resize(150, 40)
    await vi.waitFor(() => expect(latencyRow().indexOf('Breakers')).toBe(76), WAIT)
  })
})
