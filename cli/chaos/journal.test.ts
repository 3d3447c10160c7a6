import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {FaultJournal, JOURNAL_FILE, type JournalFile} from './journal.js'

const dirs: string[] = []
function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'scalelab-journal-'))
  dirs.push(dir)
  return dir
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, {recursive: true, force: true})))

describe('FaultJournal', () => {
  it('records a fault before it goes in, marks it active, and forgets it once rolled back', () => {
    const dir = stateDir()
    const journal = new FaultJournal(dir)
    journal.begin('kill-redis')
    journal.add({id: '1', step: 'kill redis', spec: {kind: 'service', verb: 'kill', target: 'redis'}})
    let onDisk = JSON.parse(readFileSync(join(dir, JOURNAL_FILE), 'utf8')) as JournalFile
    expect(onDisk).toMatchObject({version: 1, experiment: 'kill-redis', owner: {pid: process.pid}, entries: [{id: '1', step: 'kill redis', status: 'injecting'}]})
    journal.markActive('1')
    expect(journal.read()!.entries[0].status).toBe('active')
    expect(journal.ownerAlive(journal.read()!)).toBe(true)
    journal.remove('1')
    onDisk = journal.read()!
    expect(onDisk.entries).toEqual([])
    journal.finish()
    expect(existsSync(join(dir, JOURNAL_FILE))).toBe(false)
  })

  it('a journal whose runner is gone is a leftover to repair; an unreadable one is none', () => {
    const dir = stateDir()
    const dead = spawnSync(process.execPath, ['-e', '']).pid!
    const leftover: JournalFile = {version: 1, experiment: 'kill-redis', owner: {pid: dead, procStartTime: '1'}, startedAt: new Date().toISOString(), entries: []}
    writeFileSync(join(dir, JOURNAL_FILE), JSON.stringify(leftover))
    const journal = new FaultJournal(dir)
    expect(journal.ownerAlive(journal.read()!)).toBe(false)
    // A live pid that is not the process that wrote it (its start time differs) does not count either.
    writeFileSync(join(dir, JOURNAL_FILE), JSON.stringify({...leftover, owner: {pid: 1, procStartTime: 'not-init'}}))
    expect(journal.ownerAlive(journal.read()!)).toBe(false)
    writeFileSync(join(dir, JOURNAL_FILE), '{half a jour')
    expect(journal.read()).toBeUndefined()
  })
})
