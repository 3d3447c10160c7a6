// Latency percentiles of the last second and of the run so far, with p99 over the last minute.
// A percentile over its threshold limit is drawn red and marked with "!".
import {Box, Text} from 'ink'
import type {LatencyTriple, LiveSnapshot} from '../live.js'
import {formatMs, padStart} from './format.js'
import {LABEL_WIDTH, Line, Title} from './line.js'
import {sparkline} from './sparkline.js'
import {colours, crossed} from './theme.js'

export const LATENCY_LINES = 3
const FIGURE_WIDTH = 8
const MAX_SPARK = 60

export function LatencyPanel({snapshot, width}: {snapshot: LiveSnapshot; width: number}) {
  const {limits, latency, history} = snapshot
  const sparkWidth = Math.max(0, Math.min(MAX_SPARK, width - LABEL_WIDTH - 3 * FIGURE_WIDTH - 2))
  const window = history.p99.slice(-sparkWidth)
  const peak = window.reduce<number | null>((max, v) => (v !== null && (max === null || v > max) ? v : max), null)
  const limitText = [limits.p95Ms !== undefined ? `p95 < ${limits.p95Ms}` : null, limits.p99Ms !== undefined ? `p99 < ${limits.p99Ms}` : null]
    .filter(Boolean)
    .join(' · ')
  return (
    <Box flexDirection="column" width={width}>
      <Line width={width}>
        <Title>Latency ms</Title>
        <Text color={colours.muted}>
          {padStart('p50 ', FIGURE_WIDTH)}
          {padStart('p95 ', FIGURE_WIDTH)}
          {padStart('p99 ', FIGURE_WIDTH)}
          {sparkWidth > 0 ? `  p99 last ${window.length}s (max ${formatMs(peak)})` : ''}
        </Text>
      </Line>
      <Line width={width}>
        {'  last 1s'.padEnd(LABEL_WIDTH)}
        <Figures triple={latency.lastSecond} limits={limits} />
        {sparkWidth > 0 ? '  ' : ''}
        <Text color={crossed(latency.lastSecond.p99, limits.p99Ms) ? colours.bad : colours.title}>{sparkline(history.p99, sparkWidth)}</Text>
      </Line>
      <Line width={width}>
        {'  whole run'.padEnd(LABEL_WIDTH)}
        <Figures triple={latency.run} limits={limits} />
        <Text color={colours.muted}>{limitText && sparkWidth > 0 ? `  limits ${limitText}` : ''}</Text>
      </Line>
    </Box>
  )
}

function Figures({triple, limits}: {triple: LatencyTriple; limits: LiveSnapshot['limits']}) {
  return (
    <>
      <Figure value={triple.p50} limit={undefined} />
      <Figure value={triple.p95} limit={limits.p95Ms} />
      <Figure value={triple.p99} limit={limits.p99Ms} />
    </>
  )
}

function Figure({value, limit}: {value: number | null; limit: number | undefined}) {
  const over = crossed(value, limit)
  // The marker slot is always there so the columns stay aligned whether a limit is crossed or not.
  return (
    <Text bold={over} color={over ? colours.bad : undefined}>
      {padStart(formatMs(value), FIGURE_WIDTH - 1)}
      {over ? '!' : ' '}
    </Text>
  )
}
