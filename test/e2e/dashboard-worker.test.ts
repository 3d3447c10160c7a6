// The dashboard's frames are drawn off the main thread in a real terminal: a small program runs the
// InkReporter on its real stdout (a tmux pane) with recorded snapshots and measures its own event
// loop's delay while frames are drawn, once as the CLI runs it (the render worker) and once with
// Ink in the main thread for comparison. A frame drawn in the main thread stalls the loop for its
// whole cost (the load generator's sockets wait that long); drawn in the worker it stalls nothing.
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {compileEntry, PROJECT_ROOT, type CompiledEntry} from '../support/compile-entry.js'
import type {LoopDelayResult} from '../support/dashboard-loop-delay.js'
import {TmuxSession} from '../support/tmux.js'

const SLOW = {timeoutMs: 30_000}
let program: CompiledEntry
const sessions: TmuxSession[] = []

async function measure(mode: 'worker' | 'in-thread'): Promise<{result: LoopDelayResult; screenDuring: string; screenAfter: string}> {
  const out = join(program.file, '..', `loop-delay-${mode}.json`)
  const args = ['--out', out, '--seconds', '6', ...(mode === 'in-thread' ? ['--in-thread'] : [])]
  // CI unset (TmuxSession's environment): Ink draws every frame as in a person's terminal.
  const term = await TmuxSession.start({command: ['node', program.file, ...args], columns: 120, rows: 40, cwd: PROJECT_ROOT})
  sessions.push(term)
  const screenDuring = await term.waitForText('Latency ms', SLOW)
  // It exits on its own (no worker left running); null: tmux did not record the status (see waitForExit).
  expect([0, null]).toContain(await term.waitForExit({timeoutMs: 60_000}))
  const screenAfter = await term.capture({history: true})
  const result = JSON.parse(await readFile(out, 'utf8')) as LoopDelayResult
  return {result, screenDuring, screenAfter}
}

describe.runIf(await TmuxSession.available())('the dashboard drawn in a worker thread', () => {
  beforeAll(async () => {
    program = await compileEntry('test/support/dashboard-loop-delay.ts')
  }, 120_000)
  afterAll(async () => {
    await program?.remove()
  })
  afterEach(async () => {
    for (const session of sessions.splice(0)) await session.kill()
  })

  it('keeps the main event loop free while frames are drawn in a real terminal', {timeout: 120_000}, async () => {
    const worker = await measure('worker')
    const inThread = await measure('in-thread')
    const line = (name: string, r: LoopDelayResult) =>
      `${name}: event-loop delay max ${r.maxMs.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, mean ${r.meanMs.toFixed(2)} ms; ${r.frames} frames due, ${r.frameStalls} stalls ≥10 ms right after one (worst ${r.worstFrameStallMs.toFixed(1)} ms); ${r.stalls} stalls ≥10 ms in all (${r.ticks} ticks over ${r.seconds} s); ${r.pulls} pulls; CPU main thread ${r.mainThreadCpuMs} ms, process ${r.processCpuMs.toFixed(0)} ms`
    process.stdout.write(`\n${line('frames in the worker', worker.result)}\n${line('frames in the main thread', inThread.result)}\n`)

    // The CLI's path: on a real TTY, with no streams injected, the worker draws.
    expect(worker.result.drawsInWorker).toBe(true)
    expect(inThread.result.drawsInWorker).toBe(false)
    // Both drew the dashboard live, and left the summary on the normal screen after finish().
    for (const {result, screenDuring, screenAfter} of [worker, inThread]) {
      expect(screenDuring).toMatch(/^scalelab bench /m)
      expect(result.pulls).toBeGreaterThanOrEqual(result.seconds * 2) // 4 Hz asked; frames due every second
      expect(screenAfter).toMatch(/^✓ PASSED|^✗ FAILED/m)
      expect(screenAfter).not.toContain('Latency ms')
    }
    expect(worker.result.frames).toBeGreaterThanOrEqual(4)
    expect(inThread.result.frames).toBeGreaterThanOrEqual(4)
    // Where the frames' CPU goes (CPU time, which the machine's other load does not change): a frame
    // costs 15–25 ms here. In the main thread, the main thread pays it; with the worker another
    // thread of the process does, and the main thread is that much lighter.
    const frameFloorMs = 5 * worker.result.frames
    expect(inThread.result.mainThreadCpuMs - worker.result.mainThreadCpuMs, 'the main thread no longer draws').toBeGreaterThanOrEqual(frameFloorMs)
    expect(worker.result.processCpuMs - worker.result.mainThreadCpuMs, 'another thread of the process draws').toBeGreaterThanOrEqual(frameFloorMs)
    // The event loop: in the main thread each frame stalls it for its cost right as it is due; with
    // the worker most frames stall nothing. Some may: the worker's frame takes one of the two cores,
    // and when the other is busy (other test files, other jobs) the scheduler delays the main thread.
    expect(inThread.result.frameStalls, 'the measurement sees frames drawn in the main thread').toBeGreaterThanOrEqual(Math.ceil(inThread.result.frames / 2))
    expect(worker.result.frameStalls).toBeLessThanOrEqual(Math.floor(worker.result.frames / 2))
    expect(worker.result.frameStalls).toBeLessThan(inThread.result.frameStalls)
  })
})
