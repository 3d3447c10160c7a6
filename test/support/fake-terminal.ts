// An in-process stand-in for a terminal, for Ink tests that need what ink-testing-library's fixed
// 100-column stdout cannot give: any size, resize events, raw-mode bookkeeping, every byte written.
// It is a fake (no real TTY can be had in-process); the tmux tests cover the real one.
import {EventEmitter} from 'node:events'
import {stripVTControlCharacters} from 'node:util'

export class FakeTtyStdout extends EventEmitter {
  readonly isTTY = true
  /** Everything written, escape sequences included. */
  output = ''
  writes = 0

  constructor(
    public columns = 80,
    public rows = 24,
  ) {
    super()
  }

  write(chunk: string | Uint8Array, encodingOrCallback?: unknown, callback?: unknown): boolean {
    this.output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    this.writes++
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)())
    return true
  }

  resize(columns: number, rows: number): void {
    this.columns = columns
    this.rows = rows
    this.emit('resize')
  }

  /** The last frame Ink drew: the text after the last erase-lines run, ANSI removed. */
  lastFrame(): string {
    const erase = /(?:\u001B\[2K\u001B\[1A)*\u001B\[2K\u001B\[G/g
    let start = 0
    for (let m = erase.exec(this.output); m; m = erase.exec(this.output)) start = m.index + m[0].length
    return stripVTControlCharacters(this.output.slice(start))
  }

  /** As a stream for Ink's options. */
  asStream(): NodeJS.WriteStream {
    return this as unknown as NodeJS.WriteStream
  }
}

export class FakeTtyStdin extends EventEmitter {
  readonly isTTY = true
  isRaw = false
  /** Every setRawMode() call, in order. */
  readonly rawModeCalls: boolean[] = []
  private readonly queue: string[] = []

  setRawMode(mode: boolean): this {
    this.isRaw = mode
    this.rawModeCalls.push(mode)
    return this
  }

  setEncoding(): this {
    return this
  }

  ref(): this {
    return this
  }

  unref(): this {
    return this
  }

  resume(): this {
    return this
  }

  pause(): this {
    return this
  }

  read(): string | null {
    return this.queue.shift() ?? null
  }

  /** Types keys as the terminal would send them ('q', '\u0003' for Ctrl-C). */
  press(keys: string): void {
    this.queue.push(keys)
    this.emit('readable')
  }

  asStream(): NodeJS.ReadStream {
    return this as unknown as NodeJS.ReadStream
  }
}

export const CTRL_C = '\u0003'
