// `scalelab report show` through the real CLI.
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {assertBuildIsCurrent, runScalelab} from '../../report/fixtures/cli-runner.js'
import {benchSpikeReport, scaleLatencies} from '../../report/fixtures/fixture-reports.js'
import {writeRepeats, writeRun} from '../../report/fixtures/write-runs.js'

let dir: string
let runDir: string
let repeatsDir: string

beforeAll(async () => {
  assertBuildIsCurrent()
  dir = await mkdtemp(join(tmpdir(), 'scalelab-show-cli-'))
  runDir = join(dir, '2026-11-02T10-15-00Z-spike-10x')
  await writeRun(runDir, benchSpikeReport())
  repeatsDir = await writeRepeats(join(dir, '2026-11-02T10-15-00Z-spike-10x-x3'), [1, 1.1, 0.95].map((f) => scaleLatencies(benchSpikeReport(), f)))
})

afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

describe('scalelab report show', () => {
  it('prints the Markdown summary of one run, verdict first', async () => {
    const result = await runScalelab(['report', 'show', runDir])
    expect(result.exitCode).toBe(0)
    expect(result.stdout.split('\n')[0]).toBe('# ❌ FAILED · bench spike-10x — 2 of 5 checks failed')
    expect(result.stdout).toContain('| spike | open | 1,000 req/s | 996 req/s |')
  })

  it('summarises a directory of repeats run by run and per phase', async () => {
    const result = await runScalelab(['report', 'show', repeatsDir])
    expect(result.exitCode).toBe(0)
    expect(result.stdout.split('\n')[0]).toBe('# ❌ bench spike-10x — 0 of 3 runs passed')
    expect(result.stdout).toMatch(/\| run-1\/report.json \| \*\*FAILED \(2 of 5\)\*\* \|/)
    // spike p99 is 401 ms × (1, 1.1, 0.95): median 401, lowest 381, highest 441.
    expect(result.stdout).toMatch(/\| spike \| 3 \| .* \| 401 ms \(381 ms – 441 ms\) \|/)
  })

  it('--format json prints the report; --format html writes report.html beside it and prints the path', async () => {
    const json = await runScalelab(['report', 'show', join(runDir, 'report.json'), '--format', 'json'])
    expect(JSON.parse(json.stdout)).toEqual(benchSpikeReport())

    const html = await runScalelab(['report', 'show', runDir, '--format', 'html'])
    expect(html.exitCode).toBe(0)
    expect(html.stdout.trim()).toBe(join(runDir, 'report.html'))
    expect(await readFile(join(runDir, 'report.html'), 'utf8')).toMatch(/^<!doctype html>[\s\S]*<svg /)

    const printed = await runScalelab(['report', 'show', runDir, '--format', 'html', '--output', '-'])
    expect(printed.stdout).toMatch(/^<!doctype html>/)
  })

  it('exits 2 for a path that holds no report', async () => {
    const result = await runScalelab(['report', 'show', join(dir, 'missing')])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(/No report at .*missing: the path does not exist/)
  })
})
