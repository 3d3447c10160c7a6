// Container logs through the Docker API. A container without a TTY sends stdout and stderr as
// frames (8-byte header: stream, 3 zero bytes, big-endian length); these decode them into lines.
import type Docker from 'dockerode'

/** Decodes multiplexed frames as they arrive, holding back a partial frame for the next chunk. */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0)

  push(chunk: Buffer): string {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk
    let text = ''
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4)
      if (this.pending.length < 8 + size) break
      text += this.pending.subarray(8, 8 + size).toString('utf8')
      this.pending = this.pending.subarray(8 + size)
    }
    return text
  }
}

/** Splits text into complete lines, keeping a trailing partial line for the next push. */
export class LineSplitter {
  private partial = ''

  push(text: string): string[] {
    const lines = (this.partial + text).split('\n')
    this.partial = lines.pop() ?? ''
    return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
  }

  flush(): string[] {
    const rest = this.partial
    this.partial = ''
    return rest ? [rest] : []
  }
}

export function decodeLogBuffer(buffer: Buffer): string[] {
  const splitter = new LineSplitter()
  return [...splitter.push(new FrameDecoder().push(buffer)), ...splitter.flush()]
}

/** The last `tail` lines ('all' for every line) of a container's stdout and stderr. */
export async function containerLogLines(container: Docker.Container, tail: number | 'all'): Promise<string[]> {
  if (tail === 0) return []
  const buffer = (await container.logs({stdout: true, stderr: true, follow: false, tail: tail === 'all' ? undefined : tail})) as unknown as Buffer
  return decodeLogBuffer(buffer)
}

/** The last `tail` lines, then every new one until `signal` aborts (or the container is removed). */
export async function* followContainerLogs(container: Docker.Container, tail: number, signal: AbortSignal): AsyncIterable<string> {
  const stream = (await container.logs({stdout: true, stderr: true, follow: true, tail})) as unknown as NodeJS.ReadableStream & {destroy(): void}
  const stop = () => stream.destroy()
  signal.addEventListener('abort', stop, {once: true})
  const decoder = new FrameDecoder()
  const splitter = new LineSplitter()
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) yield* splitter.push(decoder.push(chunk))
    yield* splitter.flush()
  } catch (err) {
    if (!signal.aborted) throw err
  } finally {
    signal.removeEventListener('abort', stop)
    stream.destroy()
  }
}
