// Real TCP endpoints for the fault proxy's tests: an upstream server whose side of every
// connection the test can drive, and client helpers that read with deadlines. No fakes.
import net from 'node:net'

export interface TestUpstream {
  port: number
  address: string
  /** Server-side sockets, in accept order. */
  sockets: net.Socket[]
  /** Bytes received on each server-side socket, in accept order. */
  received: Buffer[]
  /** Resolves with the n-th (0-based) accepted socket. */
  socket(index: number, timeoutMs?: number): Promise<net.Socket>
  close(): Promise<void>
}

/** A TCP server on a free port; `echo` writes back whatever it receives. */
export async function startTestUpstream(options: {echo?: boolean} = {}): Promise<TestUpstream> {
  const sockets: net.Socket[] = []
  const received: Buffer[] = []
  const waiters: (() => void)[] = []
  const server = net.createServer({allowHalfOpen: false, noDelay: true}, (socket) => {
    const index = sockets.length
    sockets.push(socket)
    received.push(Buffer.alloc(0))
    socket.on('error', () => undefined)
    socket.on('data', (data) => {
      received[index] = Buffer.concat([received[index], data])
      if (options.echo) socket.write(data)
    })
    for (const wake of waiters.splice(0)) wake()
  })
  await new Promise<void>((resolve) => server.listen({host: '127.0.0.1', port: 0}, resolve))
  const {port} = server.address() as net.AddressInfo
  return {
    port,
    address: `127.0.0.1:${port}`,
    sockets,
    received,
    async socket(index, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs
      while (!sockets[index]) {
        if (Date.now() > deadline) throw new Error(`upstream never accepted connection #${index}`)
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          setTimeout(resolve, 50)
        })
      }
      return sockets[index]
    },
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** A connected client socket, or the connect error. */
export function connect(address: string): Promise<net.Socket> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))]
  return new Promise((resolve, reject) => {
    const socket = net.connect({host, port, noDelay: true})
    socket.once('connect', () => {
      socket.off('error', reject)
      socket.on('error', () => undefined)
      resolve(socket)
    })
    socket.once('error', reject)
  })
}

/** Collects what a socket receives, and how it ended. */
export class SocketRecorder {
  data = Buffer.alloc(0)
  /** Receive times (performance.now ms) and sizes of each read. */
  readonly reads: {at: number; size: number}[] = []
  ended = false
  closed = false
  errorCode: string | undefined
  closedAt: number | undefined

  private readonly waiters = new Set<() => void>()

  constructor(readonly socket: net.Socket) {
    const wake = () => {
      for (const check of this.waiters) check()
    }
    socket.on('data', (d: Buffer) => {
      this.data = Buffer.concat([this.data, d])
      this.reads.push({at: performance.now(), size: d.length})
      wake()
    })
    socket.on('end', () => {
      this.ended = true
      wake()
    })
    socket.on('error', (err: NodeJS.ErrnoException) => (this.errorCode ??= err.code))
    socket.on('close', () => {
      this.closed = true
      this.closedAt = performance.now()
      wake()
    })
  }

  /**
   * Resolves as soon as `predicate` holds, or throws after `timeoutMs`. Checked on every socket
   * event (so round-trip timings are not rounded to a poll interval) and every 10 ms for state
   * that changes without one (e.g. writableLength).
   */
  until(predicate: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
    if (predicate()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const stop = () => {
        clearTimeout(timer)
        clearInterval(poll)
        this.waiters.delete(check)
      }
      const check = () => {
        if (!predicate()) return
        stop()
        resolve()
      }
      const timer = setTimeout(() => {
        stop()
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))
      }, timeoutMs)
      const poll = setInterval(check, 10)
      this.waiters.add(check)
    })
  }

  bytes(n: number, timeoutMs = 3000): Promise<void> {
    return this.until(() => this.data.length >= n, timeoutMs, `${n} bytes (have ${this.data.length})`)
  }

  closing(timeoutMs = 3000): Promise<void> {
    return this.until(() => this.closed, timeoutMs, 'the socket to close')
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Round trip of one message through an echo path: write, wait for the same number of bytes back. */
export async function echoRoundTrip(recorder: SocketRecorder, payload: Buffer, timeoutMs = 3000): Promise<number> {
  const want = recorder.data.length + payload.length
  const began = performance.now()
  recorder.socket.write(payload)
  await recorder.bytes(want, timeoutMs)
  return performance.now() - began
}
