// What stays on the terminal after a run: the verdict, the headline figures and where the report is.
import {Box, Text} from 'ink'
import {basename, isAbsolute, relative} from 'node:path'
import type {ReactNode} from 'react'
import type {RunOutcome} from '../reporter.js'
import {formatClock, formatCount, formatMs, formatPercent, formatRate} from './format.js'
import {Line} from './line.js'
import {colours} from './theme.js'

const FAILURES_SHOWN = 5
const LABEL = 12

export function RunSummary({outcome, columns}: {outcome: RunOutcome; columns: number}) {
  const {report} = outcome
  const {summary, verdict} = report
  const width = Math.max(20, columns)
  const verdictLine = report.interrupted
    ? {symbol: '■', word: 'STOPPED', tone: colours.warn, note: ' early: partial report'}
    : verdict.passed
      ? {symbol: '✓', word: 'PASSED', tone: colours.good, note: ''}
      : {symbol: '✗', word: 'FAILED', tone: colours.bad, note: ''}
  const latency = summary.latencyMs
  const system = [
    summary.cacheHitRate !== null ? `cache hit ${formatPercent(summary.cacheHitRate)}` : 'cache hit –',
    summary.breakerTrips !== null ? `breaker trips ${summary.breakerTrips}` : null,
    report.system.available ? null : `system metrics unavailable${report.system.reason ? ` (${report.system.reason})` : ''}`,
  ].filter(Boolean)
  const chaos = report.chaos
  const files = outcome.files.map((file) => displayFile(outcome.dir, file))
  return (
    <Box flexDirection="column" width={width}>
      <Line width={width}>
        <Text bold color={verdictLine.tone}>
          {`${verdictLine.symbol} ${verdictLine.word}`}
        </Text>
        <Text color={verdictLine.tone}>{verdictLine.note}</Text>
        {'  '}
        <Text bold>{`scalelab ${report.kind} ${report.scenario.name}`}</Text>
        <Text color={colours.muted}>{` · ${formatClock(summary.durationS)} · ${report.environment.runtime}`}</Text>
      </Line>
      <Row width={width} label="requests">
        {`${formatCount(summary.requests.total)} at ${formatRate(summary.achievedRate)} · errors ${formatPercent(summary.errorRate)} · 429s ${formatPercent(summary.rateLimitedRate)}`}
      </Row>
      <Row width={width} label="latency">
        {latency
          ? `p50 ${formatMs(latency.p50)} · p95 ${formatMs(latency.p95)} · p99 ${formatMs(latency.p99)} · max ${formatMs(latency.max)} ms`
          : 'no responses measured'}
      </Row>
      <Row width={width} label="system">
        {system.join(' · ')}
      </Row>
      {summary.generatorBehind > 0 || summary.generatorSaturated ? (
        <Row width={width} label="generator">
          <Text color={colours.warn}>
            {`${formatCount(summary.generatorBehind)} requests sent late${summary.generatorSaturated ? ' · saturated: the lab may have been the bottleneck' : ''}`}
          </Text>
        </Row>
      ) : null}
      {chaos ? (
        <Row width={width} label="chaos">
          {chaos.aborted
            ? `aborted: ${chaos.abortReason ?? 'no reason given'}`
            : `recovered ${chaos.recovery.afterS === null ? 'never' : `after ${chaos.recovery.afterS.toFixed(1)} s`} · writes lost ${chaos.writes.lost} of ${chaos.writes.checked}`}
        </Row>
      ) : null}
      {verdict.failures.slice(0, FAILURES_SHOWN).map((failure) => (
        <Line key={failure} width={width}>
          <Text color={colours.bad}>{`  ✗ ${failure}`}</Text>
        </Line>
      ))}
      {verdict.failures.length > FAILURES_SHOWN ? (
        <Line width={width}>
          <Text color={colours.muted}>{`  +${verdict.failures.length - FAILURES_SHOWN} more failures in the report`}</Text>
        </Line>
      ) : null}
      <Row width={width} label="report">
        <Text bold>{outcome.dir}</Text>
        {files.length > 0 ? <Text color={colours.muted}>{` (${files.join(', ')})`}</Text> : null}
      </Row>
    </Box>
  )
}

/** A labelled row; unlike the live panels it wraps (under its label), since it is printed once. */
function Row({width, label, children}: {width: number; label: string; children: ReactNode}) {
  return (
    <Box width={width}>
      <Box width={LABEL} flexShrink={0}>
        <Text color={colours.muted}>{`  ${label}`}</Text>
      </Box>
      <Box flexGrow={1} flexShrink={1}>
        <Text>{children}</Text>
      </Box>
    </Box>
  )
}

/** Files inside the run directory by their name there; anything else as given. */
function displayFile(dir: string, file: string): string {
  if (!isAbsolute(file) && !file.includes('/')) return file
  const inside = relative(dir, file)
  return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : basename(file)
}
