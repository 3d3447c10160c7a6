// The journal of active faults, in the lab's state dir: every fault is written here BEFORE it is
// injected and removed only once it is rolled back. When a runner dies mid-fault (SIGKILL, a crash,
// a closed terminal), what it broke is still listed, and `scalelab chaos --rollback` (or
// `scalelab up` on the running lab) rolls it back. One writer: the runner that owns the journal.
import {existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {isSameProcess, readProcess} from '../runtime/local/process-table.js'
import type {FaultSpec} from './faults/fault.js'

export const JOURNAL_FILE = 'chaos-journal.json'

export interface JournalEntry {
  id: string
  /** The step's name in the experiment. */
  step: string
  spec: FaultSpec
  /** `injecting` until the injection returned: it may or may not have taken effect. */
  status: 'injecting' | 'active'
  at: string
}

export interface JournalFile {
  version: 1
  experiment: string
  owner: {pid: number; procStartTime: string | null}
  startedAt: string
  entries: JournalEntry[]
}

export class FaultJournal {
  readonly path: string
  private current: JournalFile | undefined

  constructor(readonly stateDir: string) {
    this.path = join(stateDir, JOURNAL_FILE)
  }

  read(): JournalFile | undefined {
    if (!existsSync(this.path)) return undefined
    try {
      const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as JournalFile
      return parsed && parsed.version === 1 && Array.isArray(parsed.entries) ? parsed : undefined
    } catch {
      return undefined
    }
  }

  /** Whether the runner that wrote the journal is still running (then its faults are its own business). */
  ownerAlive(journal: JournalFile): boolean {
    if (journal.owner.pid === process.pid) return true
    return isSameProcess({pid: journal.owner.pid, startTime: journal.owner.procStartTime, markers: []})
  }

  /** This process takes the journal over for a run (after any leftovers were repaired). */
  begin(experiment: string): void {
    this.current = {
      version: 1,
      experiment,
      owner: {pid: process.pid, procStartTime: readProcess(process.pid)?.startTime ?? null},
      startedAt: new Date().toISOString(),
      entries: [],
    }
    this.write()
  }

  add(entry: Omit<JournalEntry, 'status' | 'at'>): void {
    this.require().entries.push({...entry, status: 'injecting', at: new Date().toISOString()})
    this.write()
  }

  markActive(id: string): void {
    const entry = this.require().entries.find((e) => e.id === id)
    if (!entry) return
    entry.status = 'active'
    this.write()
  }

  remove(id: string): void {
    const journal = this.require()
    journal.entries = journal.entries.filter((e) => e.id !== id)
    this.write()
  }

  /** The run is over and everything was rolled back. */
  finish(): void {
    this.current = undefined
    rmSync(this.path, {force: true})
  }

  /** After a repair: forget a journal left by a dead runner. */
  discard(): void {
    rmSync(this.path, {force: true})
  }

  private require(): JournalFile {
    if (!this.current) throw new Error('the fault journal was not begun')
    return this.current
  }

  /** Write-then-rename, so a crash never leaves half a journal. */
  private write(): void {
    mkdirSync(this.stateDir, {recursive: true})
    const temp = `${this.path}.${process.pid}.tmp`
    writeFileSync(temp, `${JSON.stringify(this.current, null, 2)}\n`)
    renameSync(temp, this.path)
  }
}
