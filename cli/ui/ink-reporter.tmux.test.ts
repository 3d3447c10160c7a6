// The dashboard in a real terminal: the playback program (recorded snapshots through the real
// InkReporter) run under tmux, read back from the screen as a person would see it.
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {SGR, stylesAt} from '../../test/support/ansi.js'
import {compileEntry, PROJECT_ROOT, type CompiledEntry} from '../../test/support/compile-entry.js'
import {SHELL_PROMPT, TmuxSession} from '../../test/support/tmux.js'

const SLOW = {timeoutMs: 30_000}
let playback: CompiledEntry
const sessions: TmuxSession[] = []

describe.runIf(await TmuxSession.available())('the dashboard under tmux', () => {
  beforeAll(async () => {
    playback = await compileEntry('cli/ui/playback/main.ts')
  }, 120_000)
  afterAll(async () => {
    await playback?.remove()
  })
  afterEach(async () => {
    for (const session of sessions.splice(0)) await session.kill()
  })

  it('appears, updates, survives resizes, and after q leaves a summary and a usable shell', {timeout: 120_000}, async () => {
    const term = await TmuxSession.startShell({columns: 80, rows: 24, cwd: PROJECT_ROOT})
    sessions.push(term)
    await term.runWithStatus(`node ${playback.file} --fixtures baseline,spike,chaos --seconds 4 --loop`)

    // It appears: on the alternate screen, cursor hidden, the frame inside 80x24. (tmux may read a
    // frame while it is still being written: the checks below wait for frames drawn down to the footer.)
    const first = await term.waitFor((screen) => screen.includes('Latency ms') && hasFooter(screen), {...SLOW, what: 'a whole first frame'})
    expect(await term.state()).toMatchObject({alternateScreen: true, cursorVisible: false})
    expect(frameShape(first)).toMatchObject({headerRow: 0, headers: 1})
    expect(frameShape(first).footerRow).toBeLessThanOrEqual(22)

    // It updates: the run clock moves, and the next recorded snapshot shows up.
    const clock = runClock(first)
    await term.waitFor((screen) => runClock(screen) !== clock, {...SLOW, what: 'the run clock to move'})
    await term.waitForText('phase 3/4 spike', SLOW)

    // Wider: two columns. Narrower again: one column, and no leftovers of the wide frame.
    await term.resize(140, 40)
    await term.waitFor((screen) => screen.split('\n').some((l) => l.startsWith('Latency ms') && l.includes('Breakers')), {...SLOW, what: 'two columns'})
    await term.resize(80, 24)
    const narrow = await term.waitFor((screen) => screen.split('\n').some((l) => l.startsWith('Latency ms') && !l.includes('Breakers')) && hasFooter(screen), {
      ...SLOW,
      what: 'one column',
    })
    expect(frameShape(narrow)).toMatchObject({headerRow: 0, headers: 1})
    expect(narrow.split('\n').filter((l) => l.startsWith('report →'))).toHaveLength(1)

    // q: the run is asked to stop, writes its (stand-in) report, and the terminal comes back.
    await term.sendKeys('q')
    const after = await term.waitForText('■ STOPPED early: partial report', SLOW)
    expect(after).toMatch(/report {4}reports\/2025-06-01T10-\d\d-00Z-[\w-]+ \(report\.json\)/)
    expect(after).not.toContain('Latency ms') // no alternate-screen leftovers on the normal screen
    expect(await term.waitForStatus(SLOW)).toBe(0)
    await term.waitForPrompt(SLOW)
    expect(await term.state()).toMatchObject({alternateScreen: false, cursorVisible: true})

    // The shell is usable and the terminal modes are back (canonical input, echo).
    await term.run("stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; echo '<stty'")
    const stty = await term.waitForText(/^.*<stty$/m, SLOW)
    expect(stty).toMatch(/^icanon echo <stty$/m)
    await term.run('echo usable-$((40+2))')
    await term.waitForText(/^usable-42$/m, SLOW)
    expect((await term.capture()).trimEnd().split('\n').at(-1)).toBe(SHELL_PROMPT.trimEnd())
  })

  it('stops on Ctrl-C too, and the program exits 0 with the terminal restored', {timeout: 90_000}, async () => {
    const term = await TmuxSession.startShell({columns: 100, rows: 30, cwd: PROJECT_ROOT})
    sessions.push(term)
    await term.runWithStatus(`node ${playback.file} --fixtures chaos --seconds 60`)
    await term.waitForText('Faults', SLOW)
    await term.sendKeys('C-c')
    expect(await term.waitForStatus(SLOW)).toBe(0)
    const screen = await term.capture()
    expect(screen).toMatch(/■ STOPPED early: partial report {2}scalelab chaos kill-redis/)
    expect(screen).toContain('✗ error rate < 1%: 4.5% over the last 10 s')
    await term.waitForPrompt(SLOW)
    expect(await term.state()).toMatchObject({alternateScreen: false, cursorVisible: true})
  })

  it('restores the terminal when the process is killed with SIGTERM', {timeout: 90_000}, async () => {
    const term = await TmuxSession.start({command: ['node', playback.file, '--fixtures', 'baseline', '--seconds', '60'], cwd: PROJECT_ROOT})
    sessions.push(term)
    await term.waitForText('Latency ms', SLOW)
    expect((await term.state()).alternateScreen).toBe(true)
    process.kill((await term.state()).pid, 'SIGTERM') // the pane's process is the playback itself
    await term.waitForExit(SLOW)
    expect((await term.state()).alternateScreen).toBe(false)
    expect(await term.capture({history: true})).not.toContain('Latency ms')
  })

  it('draws an open breaker red and inverted, in a real terminal', {timeout: 90_000}, async () => {
    const term = await TmuxSession.start({command: ['node', playback.file, '--fixtures', 'spike', '--seconds', '60'], columns: 100, rows: 30, cwd: PROJECT_ROOT})
    sessions.push(term)
    // A frame drawn down to its footer, with the breaker and the failing instance it shows.
    const whole = (screen: string) => hasFooter(screen) && ['OPEN (2)', 'FAILING', 'closed'].every((text) => screen.includes(text))
    const raw = await term.waitFor(whole, {...SLOW, colours: true, what: 'a whole frame with the open breaker'})
    expect(stylesAt(raw, 'OPEN (2)')).toEqual(new Set([SGR.bold, SGR.inverse, SGR.red]))
    expect(stylesAt(raw, 'FAILING').has(SGR.red)).toBe(true)
    expect(stylesAt(raw, 'closed').has(SGR.green)).toBe(true)
  })
})

const hasFooter = (screen: string) => /^(\x1b\[[\d;]*m)*report → /m.test(screen)

/** Where the header and footer are, and how many headers (a second one would be a leftover frame). */
function frameShape(screen: string) {
  const lines = screen.split('\n')
  return {
    headerRow: lines.findIndex((l) => l.startsWith('scalelab ')),
    headers: lines.filter((l) => l.startsWith('scalelab ')).length,
    footerRow: lines.findIndex((l) => l.startsWith('report →')),
  }
}

function runClock(screen: string): string | undefined {
  return /(\d+:\d\d) \/ \d+:\d\d · /.exec(screen)?.[1]
}
