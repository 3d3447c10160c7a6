import {existsSync, mkdirSync, readdirSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {UserError} from '../../errors.js'
import {tempStateDir} from '../../../test/support/fixture-lab.js'
import {runtimeOfStateFile} from '../state-dir.js'
import {LabFiles, type LabState} from './lab-state.js'

const state: LabState = {
  version: 1,
  runtime: 'local',
  phase: 'up',
  owner: {pid: 123, procStartTime: '456'},
  options: {runtime: 'local', apiReplicas: 3, portBase: 7400, gatewaySecret: 'secret', faultProxy: true, logLevel: 'info'},
  createdAt: '2026-01-01T00:00:00.000Z',
  upAt: '2026-01-01T00:00:05.000Z',
  instances: {
    redis: {
      name: 'redis',
      service: 'redis',
      state: 'running',
      pid: 42,
      procStartTime: '99',
      markers: ['redis-server', '7410'],
      port: 7410,
      startedAt: '2026-01-01T00:00:01.000Z',
      stoppedBy: null,
      exitCode: null,
      logFile: '/x/logs/redis.log',
    },
  },
}

describe('lab state file', () => {
  let home: ReturnType<typeof tempStateDir>
  let files: LabFiles
  beforeEach(() => {
    home = tempStateDir()
    files = new LabFiles(join(home.dir, 'lab'))
  })
  afterEach(() => home.remove())

  it('round-trips, readable only by its owner (it holds the gateway secret), without temp files left', () => {
    expect(files.read()).toBeUndefined()
    files.write(state)
    expect(files.read()).toEqual(state)
    expect(statSync(files.stateFile).mode & 0o777).toBe(0o600)
    expect(readdirSync(files.stateDir)).toEqual(['state.json'])
    expect(runtimeOfStateFile(files.stateDir)).toBe('local')
    files.remove()
    expect(files.read()).toBeUndefined()
    files.remove() // idempotent
  })

  it('refuses a corrupt or foreign file with a UserError that says what to do', () => {
    mkdirSync(files.stateDir, {recursive: true})
    writeFileSync(files.stateFile, '{not json')
    expect(() => files.read()).toThrow(UserError)
    expect(() => files.read()).toThrow(/not valid JSON/)
    writeFileSync(files.stateFile, JSON.stringify({...state, version: 2}))
    expect(() => files.read()).toThrow(/not one this version of scalelab wrote \(version/)
    try {
      files.read()
    } catch (err) {
      expect((err as UserError).hint).toMatch(/delete it/)
    }
  })

  it('purge removes data and logs, and the state dir once empty', () => {
    mkdirSync(files.postgresDataDir, {recursive: true})
    mkdirSync(files.logsDir, {recursive: true})
    writeFileSync(files.logFile('redis'), 'x\n')
    expect(files.purge()).toEqual([files.dataDir, files.logsDir])
    expect(existsSync(files.stateDir)).toBe(false)
    expect(files.purge()).toEqual([])
  })
})
