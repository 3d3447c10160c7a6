// Top two lines: what runs where and for how long; the current phase, its progress and the rate
// asked for against the rate achieved.
import {Box, Text} from 'ink'
import type {LiveSnapshot} from '../live.js'
import {formatClock, formatRate} from './format.js'
import {Line} from './line.js'
import {progressBar} from './sparkline.js'
import {colours} from './theme.js'

/** Achieved below this share of the target rate is shown as falling short. */
const SHORT_OF_TARGET = 0.95

export function HeaderPanel({snapshot, width}: {snapshot: LiveSnapshot; width: number}) {
  const {phase} = snapshot
  const runLeft = Math.max(0, snapshot.totalS - snapshot.elapsedS)
  const phaseLeft = Math.max(0, phase.durationS - phase.elapsedS)
  const clock = `${formatClock(snapshot.elapsedS)} / ${formatClock(snapshot.totalS)} · ${formatClock(runLeft)} left`
  const phaseLabel = `phase ${phase.index + 1}/${phase.count} ${phase.name} `
  const rateText = phase.model === 'open' ? `open: target ${formatRate(phase.targetRate)}, achieved ` : `closed: ${phase.connections ?? '?'} conns, achieved `
  const short = phase.model === 'open' && phase.targetRate !== null && phase.targetRate > 0 && snapshot.achievedRate < phase.targetRate * SHORT_OF_TARGET
  const fixed = phaseLabel.length + ` ${formatClock(phaseLeft)} left │ `.length + rateText.length + formatRate(snapshot.achievedRate).length
  const barWidth = Math.max(6, Math.min(30, width - fixed))
  return (
    <Box flexDirection="column" width={width}>
      <Box width={width} height={1}>
        <Box flexGrow={1} flexShrink={1} overflow="hidden">
          <Text wrap="truncate-end">
            <Text bold>scalelab {snapshot.kind}</Text>
            <Text bold color={colours.title}>
              {' '}
              {snapshot.name}
            </Text>
            <Text color={colours.muted}> · {snapshot.runtime}</Text>
          </Text>
        </Box>
        <Box flexShrink={0} marginLeft={1}>
          <Text>{clock}</Text>
        </Box>
      </Box>
      <Line width={width}>
        {phaseLabel}
        <Text color={colours.title}>{progressBar(phase.durationS > 0 ? phase.elapsedS / phase.durationS : 1, barWidth)}</Text>
        {` ${formatClock(phaseLeft)} left │ `}
        {rateText}
        <Text bold color={short ? colours.warn : undefined}>
          {formatRate(snapshot.achievedRate)}
        </Text>
      </Line>
    </Box>
  )
}
