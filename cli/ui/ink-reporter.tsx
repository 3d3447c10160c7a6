// The Ink dashboard as a RunReporter, for runs whose stdout is a TTY. It pulls live() at a capped
// rate, draws on the alternate screen, turns q / Ctrl-C (key or SIGINT) into a stop request, and on
// finish leaves a short summary on the normal screen. close() restores the terminal whatever
// happened before; so does the process exiting or dying of SIGTERM/SIGHUP while it is active.
//
// On the real terminal the frames are drawn in a worker thread (ink-worker.tsx): a frame costs ~20 ms
// of synchronous CPU, and drawn here it would stall the load generator's event loop that long every
// second. This thread keeps the feed, the keyboard, the signals and the terminal modes, and posts the
// worker each frame's state. With injected streams (tests), or when the worker cannot start, Ink
// renders here as before.
import {existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {format} from 'node:util'
import {Worker} from 'node:worker_threads'
import {render, renderToString, type Instance} from 'ink'
import {useLayoutEffect, type ReactNode} from 'react'
import {DashboardErrorBoundary} from './dashboard/error-boundary.js'
import {LiveDashboard, type DashboardKey} from './dashboard/live-dashboard.js'
import {DEFAULT_REFRESH_HZ, LiveFeed, type FeedTimers} from './dashboard/live-feed.js'
import {RunSummary} from './dashboard/run-summary.js'
import {readTerminalSize} from './dashboard/use-terminal-size.js'
// Types only, but the import also makes tsc compile the worker wherever this file is compiled.
import type {FromInkWorker, InkWorkerData, ToInkWorker} from './ink-worker.js'
import type {LiveSnapshot} from './live.js'
import type {RunEvent, RunInfo, RunOutcome, RunReporter} from './reporter.js'
import {TerminalLock} from './terminal-lock.js'
import {CLEAR_SCREEN_HOME, ENTER_ALTERNATE_SCREEN, LEAVE_ALTERNATE_SCREEN, SHOW_CURSOR} from './terminal-modes.js'

const WORKER_FILE = new URL('./ink-worker.js', import.meta.url)
/** How long finish()/close() wait for the worker's last frame before terminating it. */
const WORKER_EXIT_MS = 3000
const CTRL_C = '\u0003'
const CONSOLE_METHODS = {log: 'stdout', info: 'stdout', debug: 'stdout', warn: 'stderr', error: 'stderr'} as const
type ConsoleMethod = keyof typeof CONSOLE_METHODS

export interface InkReporterOptions {
  stdout?: NodeJS.WriteStream
  stdin?: NodeJS.ReadStream
  stderr?: NodeJS.WriteStream
  /** Snapshots pulled (and frames drawn) per second; default 2, at most 20. */
  refreshHz?: number
  /** Draw on the alternate screen (default), so the run's frames do not fill the scrollback. */
  alternateScreen?: boolean
  /** Let Ink route console.log/error above the dashboard (default true). */
  patchConsole?: boolean
  /** Ctrl-C pressed again while stopping. Default: exit now with 130, after restoring the terminal. */
  onForceQuit?: () => void
  /** Timers for the snapshot feed (tests pass fake ones). */
  timers?: FeedTimers
  /**
   * Draw the frames in a worker thread. Default: when the reporter draws to process.stdout and it is
   * a TTY (no injected streams). false draws in this thread (what bench/ui-cost's comparison needs).
   */
  worker?: boolean
}

/** The render worker while it draws: the thread, its lock on the terminal and how it ended. */
interface RenderWorker {
  thread: Worker
  lock: TerminalLock
  exited: Promise<void>
  ready: boolean
  /** finish() or close() asked it to end: its exit is expected. */
  ending: boolean
}

export class InkReporter implements RunReporter {
  private readonly stdout: NodeJS.WriteStream
  private readonly stdin: NodeJS.ReadStream
  private readonly stderr: NodeJS.WriteStream
  private readonly stopListeners: Array<() => void> = []
  private feed: LiveFeed | null = null
  private instance: Instance | null = null
  private exited: Promise<unknown> | null = null
  private worker: RenderWorker | null = null
  private readonly restoreConsole: Array<() => void> = []
  private readingKeys = false
  private onAlternateScreen = false
  private stopRequested = false
  private closed = false

  constructor(private readonly options: InkReporterOptions = {}) {
    this.stdout = options.stdout ?? process.stdout
    this.stdin = options.stdin ?? process.stdin
    this.stderr = options.stderr ?? process.stderr
  }

  start(info: RunInfo, live: () => LiveSnapshot): void {
    if (this.feed) throw new Error('InkReporter.start() was called twice; use one reporter per run.')
    this.feed = new LiveFeed(live, {refreshHz: this.options.refreshHz ?? DEFAULT_REFRESH_HZ, timers: this.options.timers})
    if (this.options.alternateScreen ?? true) {
      this.stdout.write(ENTER_ALTERNATE_SCREEN + CLEAR_SCREEN_HOME)
      this.onAlternateScreen = true
    }
    process.once('exit', this.restoreOnExit)
    process.on('SIGINT', this.onInterrupt)
    if (!this.wantsWorker() || !this.startWorker(info)) this.startInThread(info)
    this.feed.start()
  }

  private wantsWorker(): boolean {
    if (this.options.worker === false) return false
    const ownStreams = !this.options.stdout && !this.options.stdin && !this.options.stderr
    return this.options.worker === true || (ownStreams && Boolean(process.stdout.isTTY) && existsSync(fileURLToPath(WORKER_FILE)))
  }

  /** Whether the frames are drawn in the worker thread (for tests and the cost figures). */
  get drawsInWorker(): boolean {
    return this.worker?.ready === true
  }

  private startInThread(info: RunInfo): void {
    const feed = this.feed!
    // On the alternate screen a resize clears the screen (onResize), so frames need not be clipped.
    const dashboard = <LiveDashboard feed={feed} onKey={this.onKey} waiting={waitingLine(info)} clipOverflow={!this.onAlternateScreen} />
    this.instance = render(<UnmountGuard onUnmount={this.leaveAlternateScreenNow}>{dashboard}</UnmountGuard>, {
      stdout: this.stdout,
      stdin: this.stdin,
      stderr: this.stderr,
      exitOnCtrlC: false,
      patchConsole: this.options.patchConsole ?? true,
      // Frames follow the feed; this only bounds the extra ones (resize, a key press).
      maxFps: this.maxFps(),
    })
    this.exited = this.instance.waitUntilExit().catch(() => undefined)
    this.stdout.on('resize', this.onResize)
  }

  private maxFps(): number {
    return Math.max(10, this.options.refreshHz ?? DEFAULT_REFRESH_HZ)
  }

  /** Starts the render worker; false when it cannot be started (then Ink renders in this thread). */
  private startWorker(info: RunInfo): boolean {
    const feed = this.feed!
    const lock = new TerminalLock()
    const {columns, rows} = readTerminalSize(this.stdout)
    const data: InkWorkerData = {
      fd: (this.stdout as {fd?: number}).fd ?? 1,
      columns,
      rows,
      waiting: waitingLine(info),
      clipOverflow: !this.onAlternateScreen,
      maxFps: this.maxFps(),
      patchConsole: this.options.patchConsole ?? true,
      lock: lock.buffer,
    }
    let thread: Worker
    try {
      thread = new Worker(WORKER_FILE, {workerData: data})
    } catch {
      return false
    }
    let exitedNow!: () => void
    const worker: RenderWorker = {thread, lock, exited: new Promise<void>((resolve) => (exitedNow = resolve)), ready: false, ending: false}
    this.worker = worker
    const unsubscribe = feed.subscribe(() => this.post({type: 'state', state: feed.getState()}))
    this.post({type: 'state', state: feed.getState()})
    const fail = () => {
      if (this.worker !== worker) return
      // Draw here instead, from the same feed, with the keyboard handed to Ink.
      unsubscribe()
      this.detachWorker()
      void thread.terminate()
      if (!worker.ending && !this.closed) this.startInThread(info)
    }
    thread.on('message', (message: FromInkWorker) => {
      if (message.type === 'failed') fail()
      else if (message.type === 'ready' && this.worker === worker) {
        worker.ready = true
        this.readKeys()
        this.forwardConsole()
      }
    })
    thread.on('error', fail)
    thread.on('exit', () => {
      unsubscribe()
      exitedNow()
      if (!worker.ending) fail()
    })
    this.stdout.on('resize', this.onResize)
    process.on('SIGTERM', this.onTerminate)
    process.on('SIGHUP', this.onTerminate)
    return true
  }

  private post(message: ToInkWorker): void {
    try {
      this.worker?.thread.postMessage(message)
    } catch {
      // a state the worker cannot take is dropped; the next one replaces it
    }
  }

  /** The keyboard while the worker draws: raw mode here, q / Q / Ctrl-C as Ink's useInput reads them. */
  private readKeys(): void {
    if (!this.stdin.isTTY || this.readingKeys) return
    this.readingKeys = true
    this.stdin.setEncoding('utf8')
    this.stdin.setRawMode(true)
    this.stdin.on('data', this.onKeyData)
    this.stdin.resume()
    this.stdin.ref()
  }

  private readonly onKeyData = (data: string | Buffer): void => {
    const input = String(data)
    if (input.startsWith('\u001B')) return // escape sequences (arrows, F-keys) are not ours
    for (const char of input) {
      if (char === CTRL_C) this.onKey(this.feed?.getState().stopping ? 'force-quit' : 'stop')
      else if (char === 'q' || char === 'Q') this.onKey('stop')
    }
  }

  /** console.* of this thread during the run goes to the worker, whose Ink writes it above the frame. */
  private forwardConsole(): void {
    if (!(this.options.patchConsole ?? true)) return
    for (const method of Object.keys(CONSOLE_METHODS) as ConsoleMethod[]) {
      const original = console[method]
      console[method] = (...args: unknown[]) => this.post({type: 'console', stream: CONSOLE_METHODS[method], text: format(...args)})
      this.restoreConsole.push(() => (console[method] = original))
    }
  }

  /** Undoes what this thread set up for the worker (keys, console, listeners); the thread itself is left to the caller. */
  private detachWorker(): void {
    for (const restore of this.restoreConsole.splice(0)) restore()
    this.stopReadingKeys()
    this.stdout.off('resize', this.onResize)
    process.removeListener('SIGTERM', this.onTerminate)
    process.removeListener('SIGHUP', this.onTerminate)
    this.worker = null
  }

  private stopReadingKeys(): void {
    if (!this.readingKeys) return
    this.readingKeys = false
    this.stdin.off('data', this.onKeyData)
    attempt(() => this.releaseStdin())
    this.stdin.pause()
    this.stdin.unref()
  }

  /** Asks the worker for its last frame (or the inline summary) and waits until it has exited. */
  private async endWorker(summary?: {outcome: RunOutcome; columns: number}): Promise<void> {
    const worker = this.worker
    if (!worker) return
    worker.ending = true
    this.post({type: 'finish', summary})
    this.detachWorker()
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), WORKER_EXIT_MS)))
    const how = await Promise.race([worker.exited.then(() => 'exited' as const), timedOut])
    clearTimeout(timer)
    if (how === 'timeout') {
      worker.lock.halt(() => undefined) // whatever it was drawing, it draws no more
      await worker.thread.terminate()
    }
  }

  event(event: RunEvent): void {
    this.feed?.pushEvent(event)
  }

  async finish(outcome: RunOutcome): Promise<void> {
    this.feed?.stop()
    const {columns} = readTerminalSize(this.stdout)
    const summary = <DashboardErrorBoundary><RunSummary outcome={outcome} columns={columns} /></DashboardErrorBoundary>
    // Inline (no alternate screen) the summary replaces the dashboard in place and stays there.
    const inline = !this.onAlternateScreen
    if (this.worker) {
      // The worker draws the inline summary itself, or else its last frame.
      await this.endWorker(inline ? {outcome, columns} : undefined)
      if (inline) return
    } else if (this.instance && inline) {
      this.instance.rerender(summary)
      await this.unmount()
      return
    } else {
      await this.unmount()
    }
    this.leaveAlternateScreen()
    this.stdout.write(`${renderToString(summary, {columns})}\n`)
  }

  onStopRequest(listener: () => void): void {
    this.stopListeners.push(listener)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.feed?.stop()
    // Each step on its own: one failing must not keep the others from restoring the terminal.
    await this.endWorker().catch(() => undefined)
    await this.unmount().catch(() => undefined)
    attempt(() => this.leaveAlternateScreen())
    attempt(() => this.stdout.write(SHOW_CURSOR))
    attempt(() => this.releaseStdin())
    this.removeProcessListeners()
  }

  private readonly onKey = (key: DashboardKey): void => {
    if (key === 'force-quit') this.forceQuit()
    else this.requestStop()
  }

  /** Ctrl-C as a signal (stdin not in raw mode yet, or not a TTY, or `kill -INT`): same as the key. */
  private readonly onInterrupt = (): void => {
    if (this.stopRequested) this.forceQuit()
    else this.requestStop()
  }

  private forceQuit(): void {
    void this.close().finally(() => (this.options.onForceQuit ?? defaultForceQuit)())
  }

  private requestStop(): void {
    if (this.stopRequested) return
    this.stopRequested = true
    this.feed?.markStopping()
    for (const listener of this.stopListeners) {
      try {
        listener()
      } catch (err) {
        this.feed?.pushEvent({type: 'message', level: 'warn', text: `stop failed: ${err instanceof Error ? err.message : String(err)}`})
      }
    }
  }

  /**
   * A terminal that narrows reflows the old frame's long lines into more rows (tmux does, on the
   * alternate screen too), more than Ink knows to erase. Start from a clean screen instead: every
   * frame after this is drawn at the new width, from the top.
   */
  private readonly onResize = (): void => {
    const worker = this.worker
    if (worker) {
      // Cleared here at once (the reflowed old frame goes), and again by the worker in the same
      // turn as Ink re-lays out: a frame it drew at the old size before it heard of the resize
      // would otherwise stay on the screen.
      if (this.onAlternateScreen) worker.lock.hold(() => this.stdout.write(CLEAR_SCREEN_HOME))
      this.post({type: 'resize', ...readTerminalSize(this.stdout), clear: this.onAlternateScreen})
    } else if (this.onAlternateScreen && this.instance) this.stdout.write(CLEAR_SCREEN_HOME)
  }

  /**
   * SIGTERM / SIGHUP while the worker draws (in this thread Ink's own exit hook does this): restore
   * the terminal, then die of the signal as the process would have, unless someone else handles it.
   */
  private readonly onTerminate = (signal: NodeJS.Signals): void => {
    this.restoreOnExit()
    process.removeListener('SIGTERM', this.onTerminate)
    process.removeListener('SIGHUP', this.onTerminate)
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
  }

  private async unmount(): Promise<void> {
    const instance = this.instance
    if (!instance) return
    this.instance = null
    this.stdout.off('resize', this.onResize)
    instance.unmount()
    await this.exited
  }

  private readonly leaveAlternateScreenNow = (): void => attempt(() => this.leaveAlternateScreen())

  private leaveAlternateScreen(): void {
    if (!this.onAlternateScreen) return
    this.onAlternateScreen = false
    this.stdout.write(LEAVE_ALTERNATE_SCREEN)
  }

  private releaseStdin(): void {
    if (this.stdin.isTTY && this.stdin.isRaw) this.stdin.setRawMode(false)
  }

  private removeProcessListeners(): void {
    process.removeListener('exit', this.restoreOnExit)
    process.removeListener('SIGINT', this.onInterrupt)
  }

  /** Last resort when the process exits without close(): synchronous writes only. */
  private readonly restoreOnExit = (): void => {
    const restore = () => {
      attempt(() => this.leaveAlternateScreen())
      attempt(() => this.stdout.write(SHOW_CURSOR))
    }
    // The worker may be mid-frame: wait for that write, and let no later one through.
    if (this.worker) this.worker.lock.halt(restore)
    else restore()
    attempt(() => this.releaseStdin())
  }
}

/**
 * Runs `onUnmount` as Ink unmounts the tree, synchronously: also when Ink unmounts because the
 * process is dying of a signal (Ink hooks SIGTERM/SIGHUP), where no promise or timer would run.
 */
function UnmountGuard({onUnmount, children}: {onUnmount: () => void; children: ReactNode}) {
  useLayoutEffect(() => onUnmount, [onUnmount])
  return <>{children}</>
}

function waitingLine(info: RunInfo): string {
  return `starting scalelab ${info.kind} ${info.name}…`
}

function attempt(step: () => void): void {
  try {
    step()
  } catch {
    // restoring the terminal is best effort step by step
  }
}

function defaultForceQuit(): void {
  process.exit(130)
}
