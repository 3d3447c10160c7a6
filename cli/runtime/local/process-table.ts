// The process table, read directly: whether a recorded pid is still the process we started (not
// exited, not a zombie, not a pid reused by another program), its descendants, and signalling a
// whole tree. Linux reads /proc; elsewhere `ps` stands in. No npm package covers the
// start-time + command-line identity check, which is what makes stale-state detection safe.
import {execFileSync} from 'node:child_process'
import {existsSync, readFileSync, readdirSync} from 'node:fs'

export interface ProcessInfo {
  pid: number
  ppid: number
  /** One-letter state: R/S/D running or sleeping, T stopped (paused), Z zombie. */
  state: string
  /** When the process started, in the OS's own unit; a reused pid has a different one. */
  startTime: string
  cmdline: string
}

/** What we remember about a process we started, enough to recognise it later. */
export interface ProcessIdentity {
  pid: number
  startTime: string | null
  /** Strings its command line must contain (the binary, its port or data dir, its entry point). */
  markers: string[]
}

const HAS_PROC = existsSync('/proc/self/stat')

export function readProcess(pid: number): ProcessInfo | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined
  return HAS_PROC ? readProcFs(pid) : readPs(pid)
}

function readProcFs(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ')
    return {pid, state: fields[0], ppid: Number(fields[1]), startTime: fields[19], cmdline}
  } catch {
    return undefined
  }
}

function readPs(pid: number): ProcessInfo | undefined {
  try {
    const out = execFileSync('ps', ['-o', 'ppid=,stat=,lstart=,command=', '-p', String(pid)], {encoding: 'utf8'}).trim()
    // lstart is five words ("Mon Nov 22 22:04:04 2025").
    const [ppid, state, ...rest] = out.split(/\s+/)
    return {pid, ppid: Number(ppid), state: state.charAt(0), startTime: rest.slice(0, 5).join(' '), cmdline: rest.slice(5).join(' ')}
  } catch {
    return undefined
  }
}

/** Exists and is not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  const info = readProcess(pid)
  return info !== undefined && info.state !== 'Z' && info.state !== 'X'
}

/**
 * Gone for good: no process, or a zombie whose every thread has exited. A multi-threaded program
 * (node, postgres with workers) killed with SIGKILL shows its main thread as a zombie while its
 * other threads are still exiting, and those still hold its open files: its listening sockets
 * are released only once the last thread is gone. Waiting for "not alive" alone let a restart find
 * the old port still taken.
 */
export function hasExited(pid: number): boolean {
  if (isAlive(pid)) return false
  if (!HAS_PROC) return true
  try {
    return readdirSync(`/proc/${pid}/task`).length <= 1
  } catch {
    return true
  }
}

/** True only when the pid is alive AND is still the process described by `identity`. */
export function isSameProcess(identity: ProcessIdentity): boolean {
  const info = readProcess(identity.pid)
  if (!info || info.state === 'Z' || info.state === 'X') return false
  if (identity.startTime !== null && info.startTime !== identity.startTime) return false
  return identity.markers.every((m) => info.cmdline.includes(m))
}

export function identify(pid: number, markers: string[]): ProcessIdentity {
  return {pid, startTime: readProcess(pid)?.startTime ?? null, markers}
}

export function isPausedProcess(pid: number): boolean {
  const state = readProcess(pid)?.state
  return state === 'T' || state === 't'
}

function allPids(): number[] {
  if (HAS_PROC) return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number)
  try {
    return execFileSync('ps', ['-A', '-o', 'pid='], {encoding: 'utf8'}).split('\n').map((s) => Number(s.trim())).filter((n) => n > 0)
  } catch {
    return []
  }
}

/** Every live descendant of `pid` (children, their children, ...), e.g. Postgres backends. */
export function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>()
  for (const p of allPids()) {
    const info = readProcess(p)
    if (!info || info.state === 'Z') continue
    const list = children.get(info.ppid) ?? []
    list.push(p)
    children.set(info.ppid, list)
  }
  const found: number[] = []
  const queue = [...(children.get(pid) ?? [])]
  while (queue.length) {
    const next = queue.shift()!
    found.push(next)
    queue.push(...(children.get(next) ?? []))
  }
  return found
}

/** Sends a signal; false when there is no such process (already gone). */
export function sendSignal(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw err
  }
}

/** Signals a process and every descendant. Postgres children make themselves session leaders, so a
 * process-group signal would miss them: walk the tree instead. */
export function signalTree(pid: number, signal: NodeJS.Signals): number[] {
  const tree = [pid, ...descendantsOf(pid)]
  for (const p of tree) sendSignal(p, signal)
  return tree
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits until every pid has exited, threads and open files included; false when some have not at the deadline. */
export async function waitUntilGone(pids: readonly number[], timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (pids.every(hasExited)) return true
    if (Date.now() >= deadline) return false
    await sleep(intervalMs)
  }
}

export interface TerminateResult {
  /** The tree needed SIGKILL after the grace period. */
  forced: boolean
  /** Pids still alive after everything (should be empty). */
  leftover: number[]
}

/**
 * Graceful stop of a process tree: continue it if paused, send `signal` to the root only (the
 * program shuts its children down itself), wait up to `graceMs`, then SIGKILL whatever is left.
 */
export async function terminateTree(pid: number, signal: NodeJS.Signals, graceMs: number): Promise<TerminateResult> {
  const tree = [pid, ...descendantsOf(pid)]
  for (const p of tree) sendSignal(p, 'SIGCONT')
  sendSignal(pid, signal)
  let forced = false
  if (!(await waitUntilGone([pid], graceMs))) {
    forced = true
    for (const p of tree) sendSignal(p, 'SIGKILL')
  }
  // Children normally follow their parent out; give them a moment, then make sure.
  if (!(await waitUntilGone(tree, forced ? 5_000 : Math.max(2_000, graceMs)))) {
    forced = true
    for (const p of tree) sendSignal(p, 'SIGKILL')
    await waitUntilGone(tree, 5_000)
  }
  return {forced, leftover: tree.filter(isAlive)}
}

/** SIGKILL a whole tree at once and wait until it is gone. */
export async function killTree(pid: number, timeoutMs = 5_000): Promise<TerminateResult> {
  const tree = signalTree(pid, 'SIGKILL')
  await waitUntilGone(tree, timeoutMs)
  return {forced: true, leftover: tree.filter(isAlive)}
}
