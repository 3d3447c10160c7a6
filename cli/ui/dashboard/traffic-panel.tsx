// Throughput over the last minute and what the responses were: 2xx, 429, 5xx, socket errors,
// timeouts, other 4xx and requests the generator could not send on time (only when non-zero).
import {Box, Text} from 'ink'
import type {LiveSnapshot} from '../live.js'
import {formatCount, formatPercent, formatRate, padStart} from './format.js'
import {LABEL_WIDTH, Line, Title} from './line.js'
import {sparkline} from './sparkline.js'
import {colours, crossed, type Tone} from './theme.js'

export function trafficLines(snapshot: LiveSnapshot): number {
  return snapshot.generatorSaturated ? 3 : 2
}

/** errors = 5xx + socket errors + timeouts, as in the report; 429s and other 4xx are not errors. */
export function errorRate(outcomes: LiveSnapshot['outcomes']): number | null {
  if (outcomes.total === 0) return null
  return (outcomes.serverErrors + outcomes.socketErrors + outcomes.timeouts) / outcomes.total
}

interface Count {
  label: string
  value: number
  tone: Tone
  /** Shown even at zero (a zero 5xx count is news too), unless the line is short of room. */
  always: boolean
}

export function outcomeCounts(outcomes: LiveSnapshot['outcomes']): Count[] {
  return [
    {label: '2xx', value: outcomes.ok, tone: 'good', always: true},
    {label: '429', value: outcomes.rateLimited, tone: 'warn', always: true},
    {label: '5xx', value: outcomes.serverErrors, tone: 'bad', always: true},
    {label: 'socket', value: outcomes.socketErrors, tone: 'bad', always: true},
    {label: 'timeout', value: outcomes.timeouts, tone: 'bad', always: true},
    {label: '4xx', value: outcomes.clientErrors, tone: 'warn', always: false},
    {label: 'behind', value: outcomes.behind, tone: 'warn', always: false},
  ]
}

const INDENT = '  '
const SEPARATOR = '  '

export function TrafficPanel({snapshot, width, height = trafficLines(snapshot)}: {snapshot: LiveSnapshot; width: number; height?: number}) {
  const {outcomes, history, limits} = snapshot
  const rate = padStart(formatRate(snapshot.achievedRate), 8)
  const errors = errorRate(outcomes)
  const errorsOver = crossed(errors, limits.errorRate)
  const tail = `  total ${formatCount(outcomes.total)} · errors ${formatPercent(errors)}${errorsOver ? '!' : ''}`
  const sparkWidth = Math.max(0, Math.min(60, width - LABEL_WIDTH - rate.length - 1 - tail.length))
  let counts = outcomeCounts(outcomes).filter((c) => c.always || c.value > 0)
  // Short of room, the zero counts go first: a non-zero count is what a person needs to see.
  if (countsWidth(counts) > width) counts = counts.filter((c) => c.value > 0)
  return (
    <Box flexDirection="column" width={width}>
      <Line width={width}>
        <Title>Throughput</Title>
        <Text bold>{rate}</Text>
        {' '}
        <Text color={colours.title}>{sparkline(history.rate, sparkWidth)}</Text>
        {`  total ${formatCount(outcomes.total)} · errors `}
        <Text bold={errorsOver} color={errorsOver ? colours.bad : undefined}>
          {formatPercent(errors)}
          {errorsOver ? '!' : ''}
        </Text>
      </Line>
      <Line width={width}>
        {INDENT}
        {counts.map((c, i) => (
          <Text key={c.label}>
            {i > 0 ? SEPARATOR : ''}
            <Text color={colours.muted}>{c.label} </Text>
            <Text color={c.value > 0 ? colours[c.tone] : undefined} bold={c.value > 0 && c.tone === 'bad'}>
              {formatCount(c.value)}
            </Text>
          </Text>
        ))}
      </Line>
      {snapshot.generatorSaturated && height >= 3 ? (
        <Line width={width}>
          <Text color={colours.warn} bold>
            {`${INDENT}⚠ load generator saturated: `}
          </Text>
          <Text color={colours.warn}>the lab, not the system, may be the bottleneck</Text>
        </Line>
      ) : null}
    </Box>
  )
}

function countsWidth(counts: Count[]): number {
  return INDENT.length + counts.reduce((sum, c, i) => sum + (i > 0 ? SEPARATOR.length : 0) + c.label.length + 1 + formatCount(c.value).length, 0)
}
