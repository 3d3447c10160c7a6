import {existsSync} from 'node:fs'
import {dirname} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {SGR, stylesAt} from './ansi.js'
import {SHELL_PROMPT, TmuxSession} from './tmux.js'

const sessions: TmuxSession[] = []
afterEach(async () => {
  for (const session of sessions.splice(0)) await session.kill()
})

async function start(options: Parameters<typeof TmuxSession.start>[0]) {
  const session = await TmuxSession.start(options)
  sessions.push(session)
  return session
}

async function shell(options: Parameters<typeof TmuxSession.startShell>[0] = {}) {
  const session = await TmuxSession.startShell(options)
  sessions.push(session)
  return session
}

describe.runIf(await TmuxSession.available())('TmuxSession', () => {
  it('runs a command in a terminal of the given size', async () => {
    const term = await start({command: ['sh', '-c', 'stty size; sleep 30'], columns: 90, rows: 20})
    await term.waitForText('20 90')
    const state = await term.state()
    expect(state).toMatchObject({columns: 90, rows: 20, dead: false, exitStatus: null, exitSignal: null})
    expect(state.pid).toBeGreaterThan(0)
    expect(await term.foregroundPid()).toBe(state.pid)
  })

  it('finds the command a shell runs in the foreground and reads its CPU time', async () => {
    const term = await shell()
    // Spins until it has used 0.4 s of CPU (not of wall time: the machine may be busy), then idles.
    await term.run('node -e "while (process.cpuUsage().user < 400000); setTimeout(() => {}, 30000)"')
    const shellPid = (await term.state()).pid
    await expect.poll(() => term.foregroundPid(), {timeout: 10_000}).not.toBe(shellPid)
    await expect.poll(() => term.cpuSeconds(), {timeout: 20_000}).toBeGreaterThanOrEqual(0.4)
    expect(await term.cpuSeconds(shellPid)).toBeLessThan(0.2)
  })

  it('resizes the window and the program sees it (SIGWINCH)', async () => {
    const term = await start({command: ['bash', '-c', "trap 'stty size' WINCH; echo ready; while :; do sleep 0.1; done"]})
    await term.waitForText('ready')
    await term.resize(120, 30)
    await term.waitForText('30 120')
    expect((await term.state()).columns).toBe(120)
  })

  it('types text and keys into a shell and reads the answer', async () => {
    const term = await shell()
    await term.run('read -r line; echo "got:$line"')
    await term.type('hello tmux')
    await term.sendKeys('Enter')
    await term.waitForText('got:hello tmux')
  })

  it('sends Ctrl-C to the program in the foreground', async () => {
    const term = await shell()
    await term.run('sleep 30; echo slept')
    await term.sendKeys('C-c')
    await term.waitForPrompt()
    await term.run('echo after-$((20+1))')
    const screen = await term.waitForText(/^after-21$/m)
    expect(screen).not.toMatch(/^slept$/m)
    expect(screen).toContain(`${SHELL_PROMPT}echo after-`)
  })

  it('reads colours with the screen when asked', async () => {
    const term = await start({command: ['sh', '-c', "printf 'plain \\033[1;31mbold red\\033[0m\\n'; sleep 30"]})
    const raw = await term.waitForText('bold red', {colours: true})
    expect(stylesAt(raw, 'bold red')).toEqual(new Set([SGR.bold, SGR.red]))
    expect(stylesAt(raw, 'plain').size).toBe(0)
    expect(await term.capture()).not.toContain('\u001B[')
  })

  it('reports the alternate screen and the cursor as the program left them', async () => {
    const term = await start({command: ['sh', '-c', "printf '\\033[?1049h\\033[?25lon the alternate screen'; sleep 30"]})
    await term.waitForText('on the alternate screen')
    expect(await term.state()).toMatchObject({alternateScreen: true, cursorVisible: false})
  })

  // tmux 3.3 now and then marks a pane dead without recording how its command ended: then null.
  it('waits for a command run directly in the pane to end, with its exit status when tmux has it', async () => {
    const term = await start({command: ['sh', '-c', 'echo bye; sleep 0.3; exit 3']})
    expect([3, null]).toContain(await term.waitForExit())
    expect((await term.state()).dead).toBe(true)
    expect(await term.capture({history: true})).toMatch(/^bye$/m)
  })

  it('reports a command ended by a signal as 128 + its number', async () => {
    const term = await start({command: ['sh', '-c', 'sleep 0.2; kill -TERM $$']})
    expect([128 + 15, null]).toContain(await term.waitForExit())
  })

  it('gives the exit status of a command run in the shell, with all it printed', async () => {
    const term = await shell()
    await term.runWithStatus('echo first; false')
    expect(await term.waitForStatus()).toBe(1)
    await term.runWithStatus("printf 'second\\n'")
    expect(await term.waitForStatus()).toBe(0)
    expect(await term.capture()).toMatch(/^first$[^]*^second$/m)
  })

  it('passes its environment without CI, so programs behave as in a person’s terminal', async () => {
    const previous = process.env.CI
    process.env.CI = 'true'
    try {
      const term = await start({command: ['sh', '-c', 'echo "ci=[${CI:-unset}] extra=[$EXTRA]"; sleep 30'], env: {EXTRA: 'yes'}})
      await term.waitForText('ci=[unset] extra=[yes]')
    } finally {
      if (previous === undefined) delete process.env.CI
      else process.env.CI = previous
    }
  })

  it('says what was on the screen when waiting times out', async () => {
    const term = await start({command: ['sh', '-c', 'echo something else; sleep 30']})
    await term.waitForText('something else')
    await expect(term.waitForText('never there', {timeoutMs: 200})).rejects.toThrow(/never there.*\n[^]*something else/)
  })

  it('kill() ends the session, its private server and its files, and can be called twice', async () => {
    const term = await start({command: ['sleep', '30']})
    const {pid} = await term.state()
    await term.kill()
    await term.kill()
    expect(existsSync(dirname(term.socket))).toBe(false)
    await expect.poll(() => isAlive(pid), {timeout: 5000}).toBe(false)
  })
})

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
