import {mkdir, mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {UserError} from '../errors.js'
import {benchSpikeReport, chaosKillRedisReport, scaleLatencies} from './fixtures/fixture-reports.js'
import {writeRepeats, writeRun} from './fixtures/write-runs.js'
import {loadRunSet} from './run-set.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scalelab-run-set-'))
})
afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

async function usageError(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(UserError)
  expect((error as UserError).exitCode).toBe(2)
  return error as UserError
}

describe('loadRunSet', () => {
  it('reads a report file, a run directory, and a directory of repeats in natural order', async () => {
    const file = await writeRun(join(dir, 'one'), benchSpikeReport())
    expect((await loadRunSet(file)).runs).toHaveLength(1)
    expect((await loadRunSet(join(dir, 'one'))).runs[0].path).toBe(file)

    const reports = Array.from({length: 11}, (_, i) => scaleLatencies(benchSpikeReport(), 1 + i / 100, `run-${i + 1}`))
    const set = await loadRunSet(await writeRepeats(join(dir, 'x11'), reports))
    expect(set.runs.map((run) => run.report.id)).toEqual(reports.map((r) => r.id))
    expect(set).toMatchObject({scenario: 'spike-10x', kind: 'bench'})
  })

  it('refuses a directory of repeats that mixes scenarios', async () => {
    await writeRepeats(join(dir, 'mixed'), [benchSpikeReport(), chaosKillRedisReport()])
    const error = await usageError(loadRunSet(join(dir, 'mixed')))
    expect(error.message).toMatch(/mixes runs of different scenarios: bench "spike-10x" .* and chaos "kill-redis"/)
  })

  it('says what to pass when a directory holds no report', async () => {
    await mkdir(join(dir, 'empty', 'run-1'), {recursive: true})
    const error = await usageError(loadRunSet(join(dir, 'empty')))
    expect(error.message).toMatch(/No report.json in .*empty or in its subdirectories/)
    expect(error.hint).toMatch(/run-\*\/report.json/)
  })

  it('names the field a damaged report breaks', async () => {
    const damaged = JSON.parse(JSON.stringify(benchSpikeReport()))
    damaged.phases[1].errorRate = 3
    const error = await usageError(loadRunSet(await writeRun(join(dir, 'damaged'), damaged)))
    expect(error.message).toMatch(/is not a valid scalelab report \(schema version 1\): phases\.1\.errorRate/)
  })
})
