// The dashboard's render thread. InkReporter starts it when it draws to a real terminal: React's
// commit, Yoga's layout and Ink's string work (~20 ms a frame) then run here, and the main thread's
// event loop — the load generator's — never stalls for a frame. The main thread keeps everything
// else: it pulls live() (LiveFeed), owns the keyboard, SIGINT and the terminal modes, and posts
// each frame's state, the terminal's size and the console output it catches; this thread only draws.
// It writes straight to the terminal's device (its own file description of stdout's tty) with
// synchronous writes under the TerminalLock shared with the main thread.
import {openSync, writeSync, closeSync} from 'node:fs'
import {Readable, Writable} from 'node:stream'
import {isatty} from 'node:tty'
import {parentPort, workerData} from 'node:worker_threads'
import {render, type Instance} from 'ink'
import {LiveDashboard} from './dashboard/live-dashboard.js'
import type {LiveFeedState} from './dashboard/live-feed.js'
import {DashboardErrorBoundary} from './dashboard/error-boundary.js'
import {RunSummary} from './dashboard/run-summary.js'
import type {RunOutcome} from './reporter.js'
import {TerminalLock} from './terminal-lock.js'
import {CLEAR_SCREEN_HOME} from './terminal-modes.js'

export interface InkWorkerData {
  /** The main thread's stdout fd; the worker opens the same tty anew (/proc/self/fd/N). */
  fd: number
  columns: number
  rows: number
  waiting: string
  clipOverflow: boolean
  maxFps: number
  patchConsole: boolean
  lock: SharedArrayBuffer
}

/** Main thread → worker. */
export type ToInkWorker =
  | {type: 'state'; state: LiveFeedState}
  /** The terminal's new size; `clear`: start from a clean screen (on the alternate screen). */
  | {type: 'resize'; columns: number; rows: number; clear: boolean}
  | {type: 'console'; stream: 'stdout' | 'stderr'; text: string}
  /** Draw the last frame (or, inline, the summary in its place), unmount, exit. */
  | {type: 'finish'; summary?: {outcome: RunOutcome; columns: number}}

/** Worker → main thread. */
export type FromInkWorker = {type: 'ready'} | {type: 'failed'; message: string}

/** A tty-like stream over a file descriptor: synchronous writes under the shared lock. */
class TerminalStream extends Writable {
  readonly isTTY = true

  constructor(
    private readonly fd: number,
    private readonly lock: TerminalLock,
    public columns: number,
    public rows: number,
  ) {
    super({decodeStrings: true})
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      this.lock.hold(() => {
        for (let off = 0; off < chunk.length; ) off += writeSync(this.fd, chunk, off)
      })
      callback()
    } catch (err) {
      callback(err as Error)
    }
  }

  resize(columns: number, rows: number): void {
    this.columns = columns
    this.rows = rows
    this.emit('resize')
  }
}

/** Feeds LiveDashboard like LiveFeed does: the state as the main thread last posted it. */
class PostedFeed {
  private state: LiveFeedState = {snapshot: null, events: [], stopping: false, problem: null}
  private readonly listeners = new Set<() => void>()

  set(state: LiveFeedState): void {
    this.state = state
    for (const listener of this.listeners) listener()
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  readonly getState = (): LiveFeedState => this.state
}

function openTerminal(fd: number): number {
  // A file description of our own (blocking, whatever the main thread's is), on the same device.
  for (const path of [`/proc/self/fd/${fd}`, '/dev/tty']) {
    try {
      const own = openSync(path, 'w')
      if (isatty(own)) return own
      closeSync(own)
    } catch {
      // try the next
    }
  }
  throw new Error(`fd ${fd} is not a terminal this thread can open`)
}

function main(): void {
  const port = parentPort
  if (!port) throw new Error('ink-worker runs as a worker thread only')
  const data = workerData as InkWorkerData
  const lock = new TerminalLock(data.lock)
  let fd: number
  try {
    fd = openTerminal(data.fd)
  } catch (err) {
    port.postMessage({type: 'failed', message: err instanceof Error ? err.message : String(err)} satisfies FromInkWorker)
    return
  }
  const stdout = new TerminalStream(fd, lock, data.columns, data.rows)
  // Not a TTY: Ink never asks for raw mode here, the keyboard stays the main thread's.
  const stdin = Object.assign(new Readable({read() {}}), {isTTY: false})
  const feed = new PostedFeed()
  const instance: Instance = render(<LiveDashboard feed={feed} onKey={() => undefined} waiting={data.waiting} clipOverflow={data.clipOverflow} />, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    exitOnCtrlC: false,
    // Ink routes this thread's console above the frame; the main thread posts its own console here.
    patchConsole: data.patchConsole,
    maxFps: data.maxFps,
  })
  port.on('message', (message: ToInkWorker) => {
    switch (message.type) {
      case 'state':
        feed.set(message.state)
        break
      case 'resize':
        // In the order the in-thread dashboard has them (Ink's resize listener, then InkReporter's):
        // Ink re-lays out the old tree at once, then the screen is cleared, so the frames of the
        // tree laid out for the new size start from a clean screen (see InkReporter.onResize).
        stdout.resize(message.columns, message.rows)
        if (message.clear) stdout.write(CLEAR_SCREEN_HOME)
        break
      case 'console':
        if (message.stream === 'stdout') console.log(message.text)
        else console.error(message.text)
        break
      case 'finish':
        if (message.summary) {
          const {outcome, columns} = message.summary
          instance.rerender(
            <DashboardErrorBoundary>
              <RunSummary outcome={outcome} columns={columns} />
            </DashboardErrorBoundary>,
          )
        }
        instance.unmount()
        void instance.waitUntilExit().catch(() => undefined).finally(() => {
          attempt(() => closeSync(fd))
          port.close() // nothing keeps the thread alive after this: it exits
        })
        break
    }
  })
  port.postMessage({type: 'ready'} satisfies FromInkWorker)
}

function attempt(step: () => void): void {
  try {
    step()
  } catch {
    // best effort
  }
}

main()
