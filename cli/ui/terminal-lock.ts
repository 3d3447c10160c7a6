// One lock over the terminal, shared by the main thread and the dashboard's render worker (a
// SharedArrayBuffer): each takes it around a synchronous write, so a frame and the main thread's own
// sequences (clear on resize, leaving the alternate screen) never interleave. Once the main thread
// has `halt`ed it, the worker's writes are dropped: nothing may land after the terminal is restored.
const LOCK = 0
const HALTED = 1

export class TerminalLock {
  private readonly cells: Int32Array

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(8)) {
    this.cells = new Int32Array(buffer)
  }

  /** Runs `write` holding the lock; returns false (and does not run it) once halted. */
  hold(write: () => void): boolean {
    this.acquire()
    try {
      if (Atomics.load(this.cells, HALTED) === 1) return false
      write()
      return true
    } finally {
      this.release()
    }
  }

  /** Takes the lock, stops every later `hold`, then runs `write` (the restoring sequences). */
  halt(write: () => void): void {
    this.acquire()
    try {
      Atomics.store(this.cells, HALTED, 1)
      write()
    } finally {
      this.release()
    }
  }

  get halted(): boolean {
    return Atomics.load(this.cells, HALTED) === 1
  }

  private acquire(): void {
    // A holder writes one frame (a few KB to the tty) and lets go; wait for it in short slices.
    while (Atomics.compareExchange(this.cells, LOCK, 0, 1) !== 0) Atomics.wait(this.cells, LOCK, 1, 5)
  }

  private release(): void {
    Atomics.store(this.cells, LOCK, 0)
    Atomics.notify(this.cells, LOCK, 1)
  }
}
