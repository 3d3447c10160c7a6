// Chaos only: the faults injected (active or rolled back, since when) and the steady-state checks;
// active faults and failing checks are kept first when there is not room for all.
import {Box, Text} from 'ink'
import type {LiveSnapshot} from '../live.js'
import {formatClock} from './format.js'
import {LABEL_WIDTH, Line, Title, Unavailable} from './line.js'
import {fitRows} from './rows.js'
import {colours} from './theme.js'

type Fault = NonNullable<LiveSnapshot['faults']>[number]
type Check = NonNullable<LiveSnapshot['checks']>[number]

export function hasChaos(snapshot: LiveSnapshot): boolean {
  return snapshot.kind === 'chaos' || (snapshot.faults?.length ?? 0) > 0 || (snapshot.checks?.length ?? 0) > 0
}

export function chaosLines(snapshot: LiveSnapshot): {min: number; want: number} {
  return {min: 2, want: Math.max(1, snapshot.faults?.length ?? 0) + Math.max(1, snapshot.checks?.length ?? 0)}
}

export function ChaosPanel({snapshot, width, height}: {snapshot: LiveSnapshot; width: number; height: number}) {
  const faults = snapshot.faults ?? []
  const checks = snapshot.checks ?? []
  const faultBudget = Math.max(1, Math.min(Math.max(1, faults.length), height - 1))
  const fittedFaults = fitRows(faults, faultBudget, (f) => f.active)
  const fittedChecks = fitRows(checks, Math.max(1, height - faultBudget), (c) => c.passed === false)
  const indent = ' '.repeat(LABEL_WIDTH)
  return (
    <Box flexDirection="column" width={width}>
      {faults.length === 0 ? (
        <Line width={width}>
          <Title>Faults</Title>
          <Unavailable>none injected yet</Unavailable>
        </Line>
      ) : null}
      {fittedFaults.shown.map((fault, i) => (
        <Line key={`${i}-${fault.name}`} width={width}>
          {i === 0 ? <Title>Faults</Title> : indent}
          <FaultRow fault={fault} elapsedS={snapshot.elapsedS} />
        </Line>
      ))}
      {fittedFaults.noteLine ? <MoreLine width={width} text={`+${fittedFaults.omitted} more faults`} /> : null}
      {checks.length === 0 ? (
        <Line width={width}>
          <Title>Checks</Title>
          <Unavailable>no steady-state checks</Unavailable>
        </Line>
      ) : null}
      {fittedChecks.shown.map((check, i) => (
        <Line key={`${i}-${check.name}`} width={width}>
          {i === 0 ? <Title>Checks</Title> : indent}
          <CheckRow check={check} />
        </Line>
      ))}
      {fittedChecks.noteLine ? <MoreLine width={width} text={`+${fittedChecks.omitted} more checks`} /> : null}
    </Box>
  )
}

function MoreLine({width, text}: {width: number; text: string}) {
  return (
    <Line width={width}>
      {' '.repeat(LABEL_WIDTH)}
      <Text color={colours.muted}>{text}</Text>
    </Line>
  )
}

function FaultRow({fault, elapsedS}: {fault: Fault; elapsedS: number}) {
  const age = Math.max(0, elapsedS - fault.sinceS)
  return (
    <Text>
      <Text bold={fault.active} color={fault.active ? colours.bad : colours.muted}>
        {fault.active ? '● ACTIVE ' : '✓ rolled back '}
      </Text>
      <Text bold>{fault.name}</Text>
      {` → ${fault.target} `}
      <Text color={colours.muted}>{`since ${formatClock(fault.sinceS)}${fault.active ? ` (${formatClock(age)})` : ''}`}</Text>
    </Text>
  )
}

function CheckRow({check}: {check: Check}) {
  const state = check.passed === null ? 'wait' : check.passed ? 'pass' : 'FAIL'
  const symbol = check.passed === null ? '·' : check.passed ? '✓' : '✗'
  const tone = check.passed === null ? colours.muted : check.passed ? colours.good : colours.bad
  return (
    <Text>
      <Text bold={check.passed === false} color={tone}>{`${symbol} ${state} `}</Text>
      <Text bold={check.passed === false}>{check.name}</Text>
      {check.detail ? <Text color={colours.muted}>{`: ${check.detail}`}</Text> : null}
    </Text>
  )
}
