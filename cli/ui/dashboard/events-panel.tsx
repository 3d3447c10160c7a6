// The latest run events (phase changes, faults, checks, messages), newest last, as many as fit.
import {Box, Text} from 'ink'
import type {RunEvent} from '../reporter.js'
import {formatClock} from './format.js'
import {LABEL_WIDTH, Line, Title} from './line.js'
import {colours, type Tone} from './theme.js'

/** An event with the run time at which the reporter received it. */
export interface TimedEvent {
  atS: number
  event: RunEvent
}

export const EVENTS_KEPT = 20

export function eventsLines(events: readonly TimedEvent[]): {min: number; want: number} | undefined {
  return events.length === 0 ? undefined : {min: 2, want: 1 + Math.min(events.length, 6)}
}

export function describeEvent(event: RunEvent): {text: string; tone: Tone | undefined} {
  switch (event.type) {
    case 'phase':
      return {text: `phase ${event.index + 1}: ${event.name}`, tone: 'title'}
    case 'fault':
      return event.action === 'injected'
        ? {text: `fault ${event.name} injected on ${event.target}`, tone: 'bad'}
        : {text: `fault ${event.name} rolled back on ${event.target}`, tone: 'good'}
    case 'check':
      return {text: `${event.passed ? '✓' : '✗'} ${event.name}${event.detail ? `: ${event.detail}` : ''}`, tone: event.passed ? 'good' : 'bad'}
    case 'message':
      return {text: event.level === 'warn' ? `⚠ ${event.text}` : event.text, tone: event.level === 'warn' ? 'warn' : undefined}
  }
}

export function EventsPanel({events, width, height}: {events: readonly TimedEvent[]; width: number; height: number}) {
  const shown = events.slice(-Math.max(0, height - 1))
  return (
    <Box flexDirection="column" width={width}>
      <Line width={width}>
        <Title>Events</Title>
        <Text color={colours.muted}>{`${events.length >= EVENTS_KEPT ? 'latest ' : ''}${shown.length} of ${events.length}`}</Text>
      </Line>
      {shown.map(({atS, event}, i) => {
        const {text, tone} = describeEvent(event)
        return (
          <Line key={`${atS}-${i}`} width={width}>
            <Text color={colours.muted}>{`  ${formatClock(atS)}`.padEnd(LABEL_WIDTH)}</Text>
            <Text color={tone ? colours[tone] : undefined}>{text}</Text>
          </Line>
        )
      })}
    </Box>
  )
}
