// Circuit breakers: one row per API instance, one column per dependency, the state and the trips
// (transitions to open) so far. An open breaker is drawn inverted in red so it cannot be missed.
import {Box, Text} from 'ink'
import type {BreakerState} from '../../../contracts/http.js'
import type {LiveSnapshot} from '../live.js'
import {fit, padEnd} from './format.js'
import {LABEL_WIDTH, Line, Title, Unavailable} from './line.js'
import {fitRows} from './rows.js'
import {breakerTone, colours} from './theme.js'

const CELL_MAX = 18

interface BreakerRow {
  instance: string
  cells: Map<string, {state: BreakerState; trips: number}>
}

export function breakerRows(snapshot: LiveSnapshot): {dependencies: string[]; rows: BreakerRow[]} {
  const dependencies: string[] = []
  const rows = new Map<string, BreakerRow>()
  for (const b of snapshot.breakers) {
    if (!dependencies.includes(b.dependency)) dependencies.push(b.dependency)
    const row = rows.get(b.instance) ?? {instance: b.instance, cells: new Map()}
    row.cells.set(b.dependency, {state: b.state, trips: b.trips})
    rows.set(b.instance, row)
  }
  return {dependencies, rows: [...rows.values()]}
}

export function breakersLines(snapshot: LiveSnapshot): {min: number; want: number} {
  const instances = new Set(snapshot.breakers.map((b) => b.instance)).size
  return instances === 0 ? {min: 1, want: 1} : {min: 2, want: 1 + instances}
}

export function BreakersPanel({snapshot, width, height}: {snapshot: LiveSnapshot; width: number; height: number}) {
  const {dependencies, rows} = breakerRows(snapshot)
  if (rows.length === 0) {
    return (
      <Line width={width}>
        <Title>Breakers</Title>
        <Unavailable>{snapshot.cache === null ? '– system metrics unavailable' : 'none reported'}</Unavailable>
      </Line>
    )
  }
  const cell = Math.max(8, Math.min(CELL_MAX, Math.floor((width - LABEL_WIDTH) / Math.max(1, dependencies.length))))
  const trips = snapshot.breakers.reduce((sum, b) => sum + b.trips, 0)
  const opened = snapshot.breakers.filter((b) => b.state === 'open').length
  const {shown, omitted, noteLine} = fitRows(rows, height - 1, (row) => [...row.cells.values()].some((c) => c.state !== 'closed'))
  return (
    <Box flexDirection="column" width={width}>
      <Line width={width}>
        <Title>Breakers</Title>
        <Text color={colours.muted}>{dependencies.map((d) => padEnd(fit(d, cell - 1), cell)).join('')}</Text>
        <Text color={trips > 0 ? colours.warn : colours.muted}>{`trips ${trips}`}</Text>
        {opened > 0 ? (
          <Text bold color={colours.bad}>
            {` · ${opened} open`}
          </Text>
        ) : null}
      </Line>
      {shown.map((row) => (
        <Line key={row.instance} width={width}>
          {padEnd(`  ${fit(row.instance, LABEL_WIDTH - 3)}`, LABEL_WIDTH)}
          {dependencies.map((d) => (
            <BreakerCell key={d} cell={row.cells.get(d)} width={cell} />
          ))}
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

function BreakerCell({cell, width}: {cell: {state: BreakerState; trips: number} | undefined; width: number}) {
  if (!cell) return <Text color={colours.muted}>{padEnd('–', width)}</Text>
  const label = cell.state === 'open' ? 'OPEN' : cell.state
  const trips = cell.trips > 0 ? ` (${cell.trips})` : ''
  const text = `${label}${trips}`
  const tone = breakerTone(cell.state)
  return (
    <Text>
      <Text bold={cell.state !== 'closed'} inverse={cell.state === 'open'} color={colours[tone]}>
        {text}
      </Text>
      {' '.repeat(Math.max(1, width - text.length))}
    </Text>
  )
}
