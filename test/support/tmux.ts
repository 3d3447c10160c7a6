// A real terminal for tests: a detached tmux session of a given size on a private tmux server.
// Start a command (or a shell) in it, read the screen as a person would see it (capture-pane, with
// or without colours), press keys, resize the window, wait for text, and kill it all afterwards.
// node-pty would need install scripts that npm does not run here; Debian's tmux needs none.
//
// Reuse (e.g. to watch `scalelab bench` itself):
//   const term = await TmuxSession.startShell({columns: 120, rows: 40, cwd: PROJECT_ROOT})
//   try {
//     await term.runWithStatus('node bin/run.js bench smoke')
//     await term.waitForText('Latency ms'); await term.sendKeys('q')
//     expect(await term.waitForStatus()).toBe(0)   // the summary is on the screen now
//   } finally { await term.kill() }
import {execa} from 'execa'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

export interface TmuxSessionOptions {
  /** Program and arguments, run directly in the pane (no shell). Default: an interactive bash. */
  command?: string[]
  cwd?: string
  /** Added to the environment; a value of undefined removes the variable. */
  env?: Record<string, string | undefined>
  columns?: number
  rows?: number
}

export interface PaneState {
  columns: number
  rows: number
  alternateScreen: boolean
  cursorVisible: boolean
  cursorX: number
  cursorY: number
  /** The pane's first process (the command, or the shell). */
  pid: number
  dead: boolean
  /** Exit status once the command has exited normally; null while it runs. */
  exitStatus: number | null
  /** The signal that ended the command, if one did. */
  exitSignal: number | null
}

export interface WaitOptions {
  timeoutMs?: number
  /** Read the screen with colour escape sequences (capture-pane -e). */
  colours?: boolean
}

const STATUS_MARK = 'exit-status-'
const STATUS_GRACE_MS = 1000

/** The prompt of the shell that `TmuxSession.startShell` runs, so tests can wait for it. */
export const SHELL_PROMPT = 'tmux-test$ '

const POLL_MS = 50
const DEFAULT_TIMEOUT_MS = 10_000
const SESSION = 'lab'
/** Linux reports CPU times in USER_HZ ticks: 100 on every mainstream build (getconf CLK_TCK). */
const USER_HZ = 100

export class TmuxSession {
  private killed = false
  private statusRuns = 0

  private constructor(
    private readonly dir: string,
    readonly socket: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Whether tmux can be run here (Debian package `tmux`). */
  static async available(): Promise<boolean> {
    try {
      await execa('tmux', ['-V'])
      return true
    } catch {
      return false
    }
  }

  static async start(options: TmuxSessionOptions = {}): Promise<TmuxSession> {
    const dir = await mkdtemp(join(tmpdir(), 'scalelab-tmux-'))
    const config = join(dir, 'tmux.conf')
    // No status line (the pane is the whole window), panes kept after exit to read the status,
    // no escape delay (a lone ESC would otherwise wait), a TERM whose terminfo Debian ships.
    await writeFile(
      config,
      ['set -g status off', 'set -g remain-on-exit on', 'set -s escape-time 0', 'set -g default-terminal screen-256color', 'set -g history-limit 2000', ''].join('\n'),
    )
    const session = new TmuxSession(dir, join(dir, 'socket'), sessionEnv(options.env))
    const command = options.command ?? ['bash', '--norc', '--noprofile', '-i']
    try {
      await session.tmux([
        '-f',
        config,
        'new-session',
        '-d',
        '-s',
        SESSION,
        '-x',
        String(options.columns ?? 80),
        '-y',
        String(options.rows ?? 24),
        ...(options.cwd ? ['-c', options.cwd] : []),
        // Two or more arguments are run directly; a lone one goes through sh -c.
        ...command,
      ])
    } catch (err) {
      await rm(dir, {recursive: true, force: true})
      throw err
    }
    return session
  }

  /** An interactive bash with a known prompt, to run commands in and check the terminal after them. */
  static async startShell(options: Omit<TmuxSessionOptions, 'command'> = {}): Promise<TmuxSession> {
    const session = await TmuxSession.start({...options, env: {PS1: SHELL_PROMPT, HISTFILE: '/dev/null', ...options.env}})
    try {
      await session.waitForPrompt()
    } catch (err) {
      await session.kill() // the caller never gets the session, so nobody else would
      throw err
    }
    return session
  }

  /** Waits until the shell's prompt is the last line on the screen: the shell is ready for input. */
  async waitForPrompt(options: WaitOptions = {}): Promise<string> {
    return this.waitFor((screen) => lastLine(screen) === SHELL_PROMPT.trimEnd(), {...options, what: 'the shell prompt'})
  }

  /**
   * The screen as text, one line per row (tmux trims trailing blanks). With `history`, the lines
   * scrolled off the top too: once a command has exited, tmux's "Pane is dead" line scrolls one away.
   */
  async capture(options: {colours?: boolean; history?: boolean} = {}): Promise<string> {
    const {stdout} = await this.tmux(['capture-pane', '-p', ...(options.colours ? ['-e'] : []), ...(options.history ? ['-S', '-'] : []), '-t', SESSION])
    return stdout
  }

  async lines(): Promise<string[]> {
    return (await this.capture()).split('\n')
  }

  /** Keys by tmux name: 'q', 'C-c', 'Enter', 'Escape', 'Up'. */
  async sendKeys(...keys: string[]): Promise<void> {
    await this.tmux(['send-keys', '-t', SESSION, ...keys])
  }

  /** Text typed literally (no key-name lookup). */
  async type(text: string): Promise<void> {
    await this.tmux(['send-keys', '-t', SESSION, '-l', text])
  }

  /** Types a command line into the shell and presses Enter. */
  async run(commandLine: string): Promise<void> {
    await this.type(commandLine)
    await this.sendKeys('Enter')
  }

  /**
   * Runs a command line in the shell and has the shell print its exit status when it ends; read it
   * with waitForStatus(). Prefer this to a command run directly in the pane when what it prints
   * last matters: output written just before a quick exit can be lost with the pane's pty.
   */
  async runWithStatus(commandLine: string): Promise<void> {
    this.statusRuns++
    await this.run(`${commandLine}; echo "${STATUS_MARK}${this.statusRuns}:$?"`)
  }

  /** Waits for the command of the last runWithStatus() to end; returns its exit status. */
  async waitForStatus(options: {timeoutMs?: number} = {}): Promise<number> {
    // The mark is matched on a line of its own, so the echoed command line does not count.
    const pattern = new RegExp(`^${STATUS_MARK}${this.statusRuns}:(\\d+)$`, 'm')
    const screen = await this.waitForText(pattern, {timeoutMs: options.timeoutMs})
    return Number(pattern.exec(screen)![1])
  }

  /** Resizes the window (the program gets SIGWINCH) and waits until tmux reports the new size. */
  async resize(columns: number, rows: number): Promise<void> {
    await this.tmux(['resize-window', '-t', SESSION, '-x', String(columns), '-y', String(rows)])
    await this.waitForState((s) => s.columns === columns && s.rows === rows, 'the new window size')
  }

  async state(): Promise<PaneState> {
    const format = '#{pane_width} #{pane_height} #{alternate_on} #{cursor_flag} #{cursor_x} #{cursor_y} #{pane_pid} #{pane_dead} [#{pane_dead_status}] [#{pane_dead_signal}]'
    const {stdout} = await this.tmux(['display-message', '-p', '-t', SESSION, format])
    const [columns, rows, alt, cursor, x, y, pid, dead, status, signal] = stdout.trim().split(' ')
    const bracketed = (field: string | undefined) => (field && field !== '[]' ? Number(field.slice(1, -1)) : null)
    return {
      columns: Number(columns),
      rows: Number(rows),
      alternateScreen: alt === '1',
      cursorVisible: cursor === '1',
      cursorX: Number(x),
      cursorY: Number(y),
      pid: Number(pid),
      dead: dead === '1',
      exitStatus: dead === '1' ? bracketed(status) : null,
      exitSignal: dead === '1' ? bracketed(signal) : null,
    }
  }

  /** Waits until the screen shows `text` (a substring or a pattern); returns that screen. */
  async waitForText(text: string | RegExp, options: WaitOptions = {}): Promise<string> {
    const matches = (screen: string) => (typeof text === 'string' ? screen.includes(text) : text.test(screen))
    return this.waitFor(matches, {...options, what: `text ${String(text)}`})
  }

  /** Waits until `predicate` holds for the screen; on timeout the error shows the last screen. */
  async waitFor(predicate: (screen: string) => boolean, options: WaitOptions & {what?: string} = {}): Promise<string> {
    const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
    let screen = ''
    for (;;) {
      screen = await this.capture({colours: options.colours})
      if (predicate(screen)) return screen
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? 'the screen'}; the screen was:\n${screen}`)
      await sleep(POLL_MS)
    }
  }

  /**
   * Waits for the pane's command (started directly, not in a shell) to end; returns its exit status,
   * 128 + the signal number when a signal ended it, or null when tmux did not record how it ended
   * (tmux 3.3 sometimes marks a pane dead without its status). When the status matters, run the
   * command in a shell with runWithStatus().
   */
  async waitForExit(options: {timeoutMs?: number} = {}): Promise<number | null> {
    await this.waitForState((s) => s.dead, 'the command to exit', options.timeoutMs)
    const recorded = (s: PaneState) => s.exitStatus !== null || s.exitSignal !== null
    const state = await this.waitForState(recorded, 'its exit status', STATUS_GRACE_MS).catch(() => null)
    if (!state) return null
    return state.exitStatus ?? 128 + state.exitSignal!
  }

  /**
   * The process in the terminal's foreground: the command a shell is running (its process group
   * leader), or the pane's own process when nothing runs in front of it. From /proc.
   */
  async foregroundPid(): Promise<number> {
    const {pid} = await this.state()
    const tpgid = Number(procStatFields(pid)[5])
    return tpgid > 0 ? tpgid : pid
  }

  /**
   * CPU seconds (user + system) a process has used so far, from /proc: by default the foreground
   * one (the command under test, also when a shell started it). For a UI-cost figure, compare two
   * readings over a stretch of wall time.
   */
  async cpuSeconds(pid?: number): Promise<number> {
    const fields = procStatFields(pid ?? (await this.foregroundPid()))
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ
  }

  /** Ends the session and its processes, and the private tmux server; safe to call twice. */
  async kill(): Promise<void> {
    if (this.killed) return
    this.killed = true
    await this.tmux(['kill-server']).catch(() => undefined)
    await rm(this.dir, {recursive: true, force: true})
  }

  private async waitForState(predicate: (s: PaneState) => boolean, what: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<PaneState> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const state = await this.state()
      if (predicate(state)) return state
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; pane state ${JSON.stringify(state)}; screen:\n${await this.capture()}`)
      await sleep(POLL_MS)
    }
  }

  private tmux(args: string[]) {
    return execa('tmux', ['-u', '-S', this.socket, ...args], {env: this.env, extendEnv: false})
  }
}

/**
 * The environment the tmux server (and so the pane) gets: ours, without what would change how the
 * program under test behaves in a terminal (CI makes Ink print only the last frame; TMUX would
 * point at the tmux the tests themselves may run in).
 */
function sessionEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8'}
  for (const name of ['CI', 'CONTINUOUS_INTEGRATION', 'TMUX', 'TMUX_PANE', 'NO_COLOR', 'FORCE_COLOR']) delete env[name]
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name]
    else env[name] = value
  }
  return env
}

/** /proc/<pid>/stat from the field after the command name on (state, ppid, pgrp, session, tty, tpgid, …). */
function procStatFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name is in parentheses and may hold spaces: split after its closing one.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
}

function lastLine(screen: string): string {
  return screen.trimEnd().split('\n').at(-1) ?? ''
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
