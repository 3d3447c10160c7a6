// Cache hit rate overall, its trend over the last minute, and by layer (L1 in-process, L2 Redis).
import {Text} from 'ink'
import type {LiveSnapshot} from '../live.js'
import {formatPercent} from './format.js'
import {LABEL_WIDTH, Line, Title, Unavailable} from './line.js'
import {sparkline} from './sparkline.js'
import {colours} from './theme.js'

export const CACHE_LINES = 1
/** Seconds compared for the trend arrow, and the change in hit rate that counts as a trend. */
const TREND_WINDOW = 10
const TREND_STEP = 0.01

export function CachePanel({snapshot, width}: {snapshot: LiveSnapshot; width: number}) {
  const {cache} = snapshot
  if (cache === null) {
    return (
      <Line width={width}>
        <Title>Cache</Title>
        <Unavailable>– system metrics unavailable</Unavailable>
      </Line>
    )
  }
  const series = snapshot.history.cacheHitRate
  const layers = `  L1 ${formatPercent(cache.l1)}  L2 ${formatPercent(cache.l2)}`
  const head = `hit ${formatPercent(cache.hitRate)} ${cacheTrend(series)} `
  const sparkWidth = Math.max(0, Math.min(60, width - LABEL_WIDTH - head.length - layers.length))
  return (
    <Line width={width}>
      <Title>Cache</Title>
      <Text bold>{head}</Text>
      <Text color={colours.title}>{sparkline(series, sparkWidth, {min: trendFloor(series), max: 1})}</Text>
      {layers}
    </Line>
  )
}

/** ↑ / ↓ when the last ten seconds differ from the ten before by a point or more, → otherwise. */
export function cacheTrend(series: ReadonlyArray<number | null>): '↑' | '↓' | '→' | ' ' {
  const recent = mean(series.slice(-TREND_WINDOW))
  const before = mean(series.slice(-2 * TREND_WINDOW, -TREND_WINDOW))
  if (recent === null || before === null) return ' '
  if (recent - before >= TREND_STEP) return '↑'
  if (before - recent >= TREND_STEP) return '↓'
  return '→'
}

/** Hit rates sit near the top of 0..1; scaling from the minute's low (in tens) makes movement visible. */
function trendFloor(series: ReadonlyArray<number | null>): number {
  const present = series.filter((v): v is number => v !== null)
  if (present.length === 0) return 0
  return Math.min(0.9, Math.max(0, Math.floor(Math.min(...present) * 10) / 10))
}

function mean(values: ReadonlyArray<number | null>): number | null {
  const present = values.filter((v): v is number => v !== null)
  return present.length === 0 ? null : present.reduce((a, b) => a + b, 0) / present.length
}
