// `scalelab report compare` through the real CLI: exit codes, stdout, the step summary and the
// files CI consumes.
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {assertBuildIsCurrent, runScalelab} from '../../report/fixtures/cli-runner.js'
import {benchSpikeReport, chaosKillRedisReport, scaleLatencies} from '../../report/fixtures/fixture-reports.js'
import {findJunitSchemas, validateXml, type JunitSchemas} from '../../report/fixtures/junit-xsd.js'
import {writeRepeats, writeRun} from '../../report/fixtures/write-runs.js'

let dir: string
const base = benchSpikeReport()
const paths = {} as Record<'baseline' | 'slower' | 'same' | 'single' | 'singleSlow' | 'chaos' | 'v2' | 'notReport' | 'notJson', string>

beforeAll(async () => {
  assertBuildIsCurrent()
  dir = await mkdtemp(join(tmpdir(), 'scalelab-compare-cli-'))
  paths.baseline = await writeRepeats(join(dir, 'baseline-x3'), [1, 1.04, 0.97].map((f) => scaleLatencies(base, f)))
  paths.slower = await writeRepeats(join(dir, 'slower-x3'), [1.3, 1.34, 1.27].map((f) => scaleLatencies(base, f)))
  paths.same = await writeRepeats(join(dir, 'same-x3'), [1.02, 1.04, 1.01].map((f) => scaleLatencies(base, f)))
  paths.single = await writeRun(join(dir, 'single'), base)
  paths.singleSlow = await writeRun(join(dir, 'single-slow'), scaleLatencies(base, 1.3))
  paths.chaos = await writeRun(join(dir, 'chaos'), chaosKillRedisReport())
  paths.v2 = await writeRun(join(dir, 'v2'), {...base, schemaVersion: 2})
  paths.notReport = await writeRun(join(dir, 'not-a-report'), {hello: 'world'})
  paths.notJson = join(dir, 'garbage.json')
  await writeFile(paths.notJson, 'this is not json', 'utf8')
})

afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

describe('scalelab report compare', () => {
  it('exits 4 on a 30% slower p99 across repeats, printing the table and what regressed', async () => {
    const result = await runScalelab(['report', 'compare', paths.baseline, paths.slower])
    expect(result.exitCode).toBe(4)
    expect(result.stdout).toMatch(/^## ❌ scalelab compare · spike-10x: regression/)
    expect(result.stdout).toMatch(/\| spike \| p99 \| 401 ms \| 521 ms \| \+30\.0% \| 7\.0% \| 25% \(scenario\) \| \*\*❌ regression\*\* \|/)
    expect(result.stderr).toMatch(/Regression in 12 metrics: .*spike p99/)
  })

  it('exits 0 when the change is inside the noise band and the limits', async () => {
    const result = await runScalelab(['report', 'compare', paths.baseline, paths.same])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/^## ✅ scalelab compare · spike-10x: no regression/)
    expect(result.stdout).not.toMatch(/❌ regression/)
    expect(result.stderr).toBe('')
  })

  it('one run each side: inside the limit is inconclusive (exit 0), beyond it a single-run regression (exit 4)', async () => {
    const same = await runScalelab(['report', 'compare', paths.single, paths.single, '--json'])
    expect(same.exitCode).toBe(0)
    const comparison = JSON.parse(same.stdout)
    expect(new Set(comparison.metrics.map((m: {status: string}) => m.status))).toEqual(new Set(['inconclusive']))

    const slow = await runScalelab(['report', 'compare', paths.single, paths.singleSlow])
    expect(slow.exitCode).toBe(4)
    expect(slow.stdout).toMatch(/\| spike \| p99 \|.*\| – \| 25% \(scenario\) \| \*\*❌ regression \(single run\)\*\* \|/)
  })

  it('--limit tightens a limit: 2% slower latency becomes a regression at a 1% limit only beyond the noise', async () => {
    const result = await runScalelab(['report', 'compare', paths.baseline, paths.same, '--limit', 'latency=1', '--json'])
    const comparison = JSON.parse(result.stdout)
    const p99 = comparison.metrics.find((m: {phase: string; metric: string}) => m.phase === 'spike' && m.metric === 'p99')
    expect(p99).toMatchObject({limit: 1, limitSource: 'flag', status: 'inconclusive'})
    expect(result.exitCode).toBe(0)
  })

  it('appends the Markdown to $GITHUB_STEP_SUMMARY and writes --benchmark and --junit files', async () => {
    const summary = join(dir, 'step-summary.md')
    await writeFile(summary, '# earlier step\n', 'utf8')
    const benchmark = join(dir, 'benchmark.json')
    const junit = join(dir, 'compare.xml')
    const result = await runScalelab(['report', 'compare', paths.baseline, paths.slower, '--benchmark', benchmark, '--junit', junit], {GITHUB_STEP_SUMMARY: summary})
    expect(result.exitCode).toBe(4)
    const written = await readFile(summary, 'utf8')
    expect(written.startsWith('# earlier step\n## ❌ scalelab compare · spike-10x: regression')).toBe(true)

    const entries = JSON.parse(await readFile(benchmark, 'utf8'))
    expect(Array.isArray(entries)).toBe(true)
    expect(entries.find((e: {name: string}) => e.name === 'spike-10x / spike / p99')).toMatchObject({unit: 'ms', value: expect.any(Number), range: expect.stringMatching(/^± /)})

    const xml = await readFile(junit, 'utf8')
    expect((xml.match(/<failure /g) ?? []).length).toBe(12)
    const schemas = findJunitSchemas()
    if ('missing' in schemas) {
      console.warn(`[compare.test] compare junit XSD validation skipped: ${schemas.missing}`)
    } else {
      for (const schema of ['ant', 'jenkins'] as const) expect(validateXml(schemas as JunitSchemas, schema, junit).valid).toBe(true)
    }
  })

  it.each([
    ['different scenarios', () => [paths.single, paths.chaos], /bench "spike-10x" but the current run is chaos "kill-redis": compare runs of the same scenario/],
    ['a schema version this scalelab does not read', () => [paths.single, paths.v2], /has report schema version 2, but this scalelab reads version 1/],
    ['a missing path', () => [join(dir, 'nowhere'), paths.single], /No report at .*nowhere: the path does not exist/],
    ['a JSON file that is not a report', () => [paths.notReport, paths.single], /is not a scalelab report: it has no schemaVersion field/],
    ['a file that is not JSON', () => [paths.notJson, paths.single], /is not a scalelab report: it is not JSON/],
    ['an unknown limit', () => [paths.single, paths.single, '--limit', 'p77=5'], /unknown metric "p77"/],
  ])('exits 2 with one clear sentence for %s', async (_name, args, message) => {
    const result = await runScalelab(['report', 'compare', ...args()])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(result.stderr).not.toMatch(/\n\s+at /) // no stack trace without --verbose
    expect(result.stdout).toBe('')
  })
})
