// junit.xml: one test case per threshold, steady-state check and expectation, so any CI that reads
// JUnit (GitHub, GitLab, Jenkins) lists what failed with the measured value. The document satisfies
// both the Apache Ant JUnit XSD (the strict one: properties, system-out and system-err required,
// no attributes on <testsuites>) and Jenkins' junit-4 XSD.
import {formatMetricValue, formatSeconds, metricOfExpression} from './format.js'
import type {Report} from './schema.js'

export interface JunitCase {
  name: string
  classname: string
  timeS: number
  failure?: {type: string; message: string; detail: string}
}

export interface JunitSuite {
  name: string
  /** ISO date-time; written without zone or fraction as the Ant schema wants (UTC). */
  timestamp: string
  hostname: string
  timeS: number
  properties: Array<[name: string, value: string]>
  cases: JunitCase[]
  systemOut?: string
}

// Characters XML 1.0 cannot carry at all, even escaped.
const INVALID_XML_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu

export function escapeXmlText(text: string): string {
  return text.replace(INVALID_XML_CHARS, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

export function escapeXmlAttribute(text: string): string {
  return escapeXmlText(text).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;')
}

function junitTimestamp(iso: string): string {
  const parsed = Date.parse(iso)
  return Number.isNaN(parsed) ? '1970-01-01T00:00:00' : new Date(parsed).toISOString().slice(0, 19)
}

const seconds = (value: number) => (Number.isFinite(value) && value > 0 ? value.toFixed(3) : '0')
// The Ant schema types names as non-empty tokens.
const token = (text: string) => text.replace(/\s+/g, ' ').trim() || 'unnamed'

export function renderJunitXml(suites: JunitSuite[]): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<testsuites>']
  suites.forEach((suite, id) => {
    const failures = suite.cases.filter((c) => c.failure).length
    const attributes = [
      ['name', token(suite.name)],
      ['package', token(suite.name)],
      ['id', String(id)],
      ['timestamp', junitTimestamp(suite.timestamp)],
      ['hostname', token(suite.hostname)],
      ['tests', String(suite.cases.length)],
      ['failures', String(failures)],
      ['errors', '0'],
      ['time', seconds(suite.timeS)],
    ]
    lines.push(`  <testsuite ${attributes.map(([k, v]) => `${k}="${escapeXmlAttribute(v)}"`).join(' ')}>`)
    lines.push('    <properties>')
    for (const [name, value] of suite.properties) lines.push(`      <property name="${escapeXmlAttribute(token(name))}" value="${escapeXmlAttribute(value)}"/>`)
    lines.push('    </properties>')
    for (const testCase of suite.cases) {
      const open = `    <testcase name="${escapeXmlAttribute(token(testCase.name))}" classname="${escapeXmlAttribute(token(testCase.classname))}" time="${seconds(testCase.timeS)}"`
      if (!testCase.failure) {
        lines.push(`${open}/>`)
        continue
      }
      const {type, message, detail} = testCase.failure
      lines.push(`${open}>`)
      lines.push(`      <failure type="${escapeXmlAttribute(type)}" message="${escapeXmlAttribute(message)}">${escapeXmlText(detail)}</failure>`)
      lines.push('    </testcase>')
    }
    lines.push(`    <system-out>${escapeXmlText(suite.systemOut ?? '')}</system-out>`)
    lines.push('    <system-err></system-err>')
    lines.push('  </testsuite>')
  })
  lines.push('</testsuites>', '')
  return lines.join('\n')
}

/** The suites of one run: run completion, thresholds and, for chaos runs, checks and expectations. */
export function reportJunitSuites(report: Report): JunitSuite[] {
  let hostname = 'localhost'
  try {
    hostname = new URL(report.target.url).hostname || 'localhost'
  } catch {
    // A target that is not a URL leaves the documented default.
  }
  const prefix = `scalelab.${report.kind}.${report.scenario.name}`
  const properties: Array<[string, string]> = [
    ['scenario', report.scenario.name],
    ['kind', report.kind],
    ['report', report.id],
    ['startedAt', report.startedAt],
    ['runtime', report.environment.runtime],
    ['target', report.target.url],
    ['gitCommit', report.environment.gitCommit ?? ''],
    ['scalelabVersion', report.environment.scalelabVersion],
  ]
  const suite = (name: string, cases: JunitCase[], systemOut?: string): JunitSuite => ({
    name: `${prefix}.${name}`,
    timestamp: report.startedAt,
    hostname,
    timeS: report.summary.durationS,
    properties,
    cases,
    systemOut,
  })
  const phaseDuration = (name: string | null) => (name ? (report.phases.find((p) => p.name === name)?.durationS ?? 0) : report.summary.durationS)
  const stageDuration = (name: string | null) => {
    const stage = report.chaos?.stages.find((s) => s.name === name)
    return stage ? stage.endOffsetS - stage.startOffsetS : report.summary.durationS
  }

  const runCases: JunitCase[] = [
    {
      name: 'run completed',
      classname: `${prefix}.run`,
      timeS: report.summary.durationS,
      failure: report.interrupted
        ? {type: 'interrupted', message: 'The run was stopped early; the report is partial.', detail: `Stopped after ${formatSeconds(report.summary.durationS)}.`}
        : report.chaos?.aborted
          ? {type: 'aborted', message: `The experiment was aborted: ${report.chaos.abortReason ?? 'no reason recorded'}.`, detail: report.chaos.abortReason ?? ''}
          : undefined,
    },
  ]
  if (report.chaos && report.chaos.writes.checked > 0) {
    const writes = report.chaos.writes
    runCases.push({
      name: 'no acknowledged write lost',
      classname: `${prefix}.run`,
      timeS: 0,
      failure: writes.lost > 0
        ? {type: 'writes-lost', message: `${writes.lost} of ${writes.checked} acknowledged writes checked were missing afterwards.`, detail: `Lost ids: ${writes.lostIds.join(', ')}`}
        : undefined,
    })
  }
  const suites = [
    suite('run', runCases, report.verdict.failures.join('\n')),
    suite(
      'thresholds',
      report.thresholds.map((t) => ({
        name: t.expression,
        classname: `${prefix}.thresholds`,
        timeS: phaseDuration(t.phase),
        failure: t.passed
          ? undefined
          : {
              type: 'threshold',
              message:
                t.actual === null
                  ? `not measured${t.note ? `: ${t.note}` : ''}; expected ${t.metric} ${t.op} ${formatMetricValue(t.metric, t.value)}`
                  : `actual ${formatMetricValue(t.metric, t.actual)}; expected ${t.metric} ${t.op} ${formatMetricValue(t.metric, t.value)}`,
              detail: `${t.expression}\nphase: ${t.phase ?? 'whole run'}\nactual: ${t.actual ?? 'not measured'}\nlimit: ${t.op} ${t.value}${t.note ? `\nnote: ${t.note}` : ''}`,
            },
      })),
    ),
  ]
  if (report.chaos) {
    suites.push(
      suite(
        'steady-state',
        report.chaos.steadyState.map((c) => {
          const metric = metricOfExpression(c.check)
          return {
            name: `${c.check} [${c.stage ?? 'whole run'}]`,
            classname: `${prefix}.steady-state`,
            timeS: stageDuration(c.stage),
            failure: c.passed ? undefined : {type: 'steady-state', message: `actual ${formatMetricValue(metric, c.actual)}; expected ${c.check}`, detail: `${c.check}\nstage: ${c.stage ?? 'whole run'}\nactual: ${c.actual ?? 'not measured'}`},
          }
        }),
      ),
      suite(
        'expectations',
        report.chaos.expectations.map((e) => ({
          name: e.expression,
          classname: `${prefix}.expectations`,
          timeS: 0,
          failure: e.passed
            ? undefined
            : {
                type: 'expectation',
                message: `actual ${formatMetricValue(metricOfExpression(e.expression), e.actual)}; expected ${e.expression}${e.note ? ` (${e.note})` : ''}`,
                detail: `${e.expression}\nactual: ${e.actual ?? 'not measured'}${e.note ? `\nnote: ${e.note}` : ''}`,
              },
        })),
      ),
    )
  }
  return suites
}

export function renderJunit(report: Report): string {
  return renderJunitXml(reportJunitSuites(report))
}
