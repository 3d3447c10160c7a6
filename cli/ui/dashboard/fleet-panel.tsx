// The API fleet as the balancer sees it: one row per instance with its health, its share of the
// requests, requests in flight, and whether outlier detection has ejected it.
import {Box, Text} from 'ink'
import type {LiveSnapshot} from '../live.js'
import {fit, formatPercent, MISSING, padEnd, padStart} from './format.js'
import {LABEL_WIDTH, Line, Title, Unavailable} from './line.js'
import {fitRows} from './rows.js'
import {progressBar} from './sparkline.js'
import {colours} from './theme.js'

const SHARE_BAR = 10

export function fleetLines(snapshot: LiveSnapshot): {min: number; want: number} {
  return snapshot.fleet.length === 0 ? {min: 1, want: 1} : {min: 2, want: 1 + snapshot.fleet.length}
}

export function FleetPanel({snapshot, width, height}: {snapshot: LiveSnapshot; width: number; height: number}) {
  const {fleet} = snapshot
  if (fleet.length === 0) {
    return (
      <Line width={width}>
        <Title>Fleet</Title>
        <Unavailable>{snapshot.cache === null ? '– system metrics unavailable' : 'no API instances reported'}</Unavailable>
      </Line>
    )
  }
  const {shown, omitted, noteLine} = fitRows(fleet, height - 1, (i) => !i.healthy || i.ejected)
  const healthy = fleet.filter((i) => i.healthy && !i.ejected).length
  return (
    <Box flexDirection="column" width={width}>
      <Line width={width}>
        <Title>Fleet</Title>
        <Text color={colours.muted}>{`${padEnd('health', 10)}${padStart('share', 6)} ${' '.repeat(SHARE_BAR)}${padStart('in-flight', 10)}`}</Text>
        <Text color={healthy < fleet.length ? colours.warn : colours.muted}>{`  ${healthy}/${fleet.length} serving`}</Text>
      </Line>
      {shown.map((instance) => (
        <Line key={instance.name} width={width}>
          {padEnd(`  ${fit(instance.name, LABEL_WIDTH - 3)}`, LABEL_WIDTH)}
          <Text bold={!instance.healthy} color={instance.healthy ? colours.good : colours.bad}>
            {padEnd(instance.healthy ? 'healthy' : 'FAILING', 10)}
          </Text>
          {padStart(instance.share === null ? MISSING : formatPercent(instance.share, 0), 6)}{' '}
          <Text color={colours.title}>{progressBar(instance.share ?? 0, SHARE_BAR, ' ')}</Text>
          {padStart(instance.inFlight === null ? MISSING : String(instance.inFlight), 10)}
          {instance.ejected ? (
            <Text bold color={colours.bad}>
              {'  EJECTED'}
            </Text>
          ) : null}
        </Line>
      ))}
      {noteLine ? (
        <Line width={width}>
          <Text color={colours.muted}>{`  +${omitted} more instances`}</Text>
        </Line>
      ) : null}
    </Box>
  )
}
