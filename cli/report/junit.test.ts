import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {benchSpikeReport, chaosKillRedisReport} from './fixtures/fixture-reports.js'
import {findJunitSchemas, validateXml, type JunitSchemas} from './fixtures/junit-xsd.js'
import {renderJunit} from './junit.js'
import type {Report} from './schema.js'

const schemas = findJunitSchemas()
const schemaReason = 'missing' in schemas ? schemas.missing : ''
if (schemaReason) console.warn(`[junit.test] XSD validation skipped: ${schemaReason}`)

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scalelab-junit-'))
})
afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

/** A report whose every free-text field tries to break the XML. */
function hostileReport(): Report {
  const report = chaosKillRedisReport()
  const nasty = `p99 < 5 & "quoted" 'single' <tag> ]]> \u0001 control`
  report.scenario.name = `kill-redis <x> & "y"`
  report.thresholds[0] = {...report.thresholds[0], expression: nasty, passed: false, actual: null, note: 'metrics <unavailable> & so on'}
  report.chaos!.expectations[0] = {...report.chaos!.expectations[0], expression: nasty, passed: false, note: 'line one\nline two'}
  report.chaos!.aborted = true
  report.chaos!.abortReason = 'safety stop: error rate > 50% & climbing'
  return report
}

const unescape = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&')
const cases = (xml: string) => [...xml.matchAll(/<testcase name="([^"]*)"/g)].map((m) => unescape(m[1]))

describe('junit.xml', () => {
  it('has one test case per threshold plus the run, failures carry the actual value', () => {
    const report = benchSpikeReport()
    const xml = renderJunit(report)
    expect(cases(xml)).toEqual(['run completed', ...report.thresholds.map((t) => t.expression)])
    expect((xml.match(/<failure /g) ?? []).length).toBe(2)
    expect(xml).toContain('<failure type="threshold" message="actual 401 ms; expected p99 &lt; 250 ms">')
    expect(xml).toContain('message="actual 1.82%; expected errorRate &lt; 1.00%"')
    expect(xml).toMatch(/<testsuite name="scalelab.bench.spike-10x.thresholds" [^>]*tests="5" failures="2" errors="0"/)
  })

  it('chaos runs add steady-state checks, expectations and lost writes', () => {
    const report = chaosKillRedisReport()
    const xml = renderJunit(report)
    const names = cases(xml)
    expect(names).toContain('no acknowledged write lost')
    expect(names).toContain('errorRate < 0.01 [baseline]')
    expect(names.filter((n) => n.includes('[recovery]'))).toHaveLength(2)
    expect(names.length).toBe(2 + report.thresholds.length + report.chaos!.steadyState.length + report.chaos!.expectations.length)
    expect(xml).not.toContain('<failure')
  })

  it('escapes everything that comes from the report', () => {
    const xml = renderJunit(hostileReport())
    expect(xml).not.toContain('<tag>')
    expect(xml).not.toContain('\u0001')
    expect(xml).toContain('p99 &lt; 5 &amp; &quot;quoted&quot; &apos;single&apos; &lt;tag&gt; ]]&gt;')
    expect(xml).toContain('type="aborted"')
  })

  describe.skipIf(Boolean(schemaReason))('validates against published JUnit XSDs', () => {
    const reports: Array<[string, () => Report]> = [
      ['bench spike (failing thresholds)', benchSpikeReport],
      ['chaos kill-redis', chaosKillRedisReport],
      ['hostile text, aborted run', hostileReport],
      ['no thresholds at all', () => ({...benchSpikeReport(), thresholds: []})],
    ]
    for (const schema of ['ant', 'jenkins'] as const) {
      it.each(reports)(`%s is valid against the ${schema} schema`, async (name, build) => {
        const path = join(dir, `${schema}-${name.replace(/\W+/g, '-')}.xml`)
        await writeFile(path, renderJunit(build()), 'utf8')
        const result = validateXml(schemas as JunitSchemas, schema, path)
        expect(result.output).toContain('validates')
        expect(result.valid).toBe(true)
      })
    }

    it('the validator does reject a broken document (the check is real)', async () => {
      const path = join(dir, 'broken.xml')
      await writeFile(path, renderJunit(benchSpikeReport()).replace(/ classname="[^"]*"/, ''), 'utf8')
      expect(validateXml(schemas as JunitSchemas, 'ant', path).valid).toBe(false)
    })
  })
})
