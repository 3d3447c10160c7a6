// Reading instance log files: the last N lines, then (with follow) new lines as they are appended,
// like `tail -n N -f`. Written here because the files are plain appends we own; polling the size
// copes with truncation (`down --purge`, a restart) where fs.watch is unreliable across platforms.
import {open, stat} from 'node:fs/promises'

const CHUNK = 64 * 1024

/** The last `count` lines of a file (reads backwards in chunks, so big logs are cheap). */
export async function lastLines(file: string, count: number): Promise<{lines: string[]; size: number}> {
  const handle = await open(file, 'r').catch(() => undefined)
  if (!handle) return {lines: [], size: 0}
  try {
    const {size} = await handle.stat()
    if (count <= 0) return {lines: [], size}
    let position = size
    let text = ''
    // Stop once the text holds more than `count` line breaks (one extra for a trailing partial line).
    while (position > 0 && countNewlines(text) <= count) {
      const length = Math.min(CHUNK, position)
      position -= length
      const buf = Buffer.alloc(length)
      await handle.read(buf, 0, length, position)
      text = buf.toString('utf8') + text
    }
    const lines = text.split('\n')
    if (lines[lines.length - 1] === '') lines.pop()
    return {lines: lines.slice(-count), size}
  } finally {
    await handle.close()
  }
}

function countNewlines(text: string): number {
  let n = 0
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++
  return n
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, {once: true})
  })

/** Complete lines appended after byte `from`, until the signal aborts. */
export async function* followLines(file: string, from: number, signal: AbortSignal, pollMs = 200): AsyncGenerator<string> {
  let offset = from
  let partial = ''
  while (!signal.aborted) {
    const size = await stat(file).then((s) => s.size, () => 0)
    if (size < offset) {
      // Truncated or replaced: start again from its beginning.
      offset = 0
      partial = ''
    }
    if (size > offset) {
      const handle = await open(file, 'r')
      try {
        const buf = Buffer.alloc(Math.min(size - offset, CHUNK))
        const {bytesRead} = await handle.read(buf, 0, buf.length, offset)
        offset += bytesRead
        const lines = (partial + buf.subarray(0, bytesRead).toString('utf8')).split('\n')
        partial = lines.pop() ?? ''
        for (const line of lines) yield line
      } finally {
        await handle.close()
      }
      continue
    }
    await sleep(pollMs, signal)
  }
  if (partial) yield partial
}
