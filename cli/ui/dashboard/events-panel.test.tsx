import {render} from 'ink-testing-library'
import type {ReactElement} from 'react'
import {describe, expect, it} from 'vitest'
import {visibleLines} from '../../../test/support/ansi.js'
import {EventsPanel, type TimedEvent} from './events-panel.js'
import {FooterBar} from './footer-bar.js'

const events: TimedEvent[] = [
  {atS: 10, event: {type: 'phase', index: 1, name: 'baseline'}},
  {atS: 30, event: {type: 'fault', name: 'kill-redis', target: 'redis', action: 'injected'}},
  {atS: 41, event: {type: 'check', name: 'error rate < 1%', passed: false, detail: '4.5%'}},
  {atS: 42, event: {type: 'message', level: 'warn', text: 'redis unreachable from api-2'}},
  {atS: 60, event: {type: 'fault', name: 'kill-redis', target: 'redis', action: 'rolled-back'}},
]

function lines(node: ReactElement) {
  const {lastFrame, unmount} = render(node)
  const result = visibleLines(lastFrame() ?? '')
  unmount()
  return result
}

describe('EventsPanel', () => {
  it('lists the latest events, newest last, with the run time they happened at', () => {
    expect(lines(<EventsPanel events={events} width={80} height={4} />)).toEqual([
      'Events      3 of 5',
      '  0:41      ✗ error rate < 1%: 4.5%',
      '  0:42      ⚠ redis unreachable from api-2',
      '  1:00      fault kill-redis rolled back on redis',
    ])
  })

  it('describes phases (1-based) and injected faults', () => {
    const all = lines(<EventsPanel events={events} width={80} height={6} />)
    expect(all[1]).toBe('  0:10      phase 2: baseline')
    expect(all[2]).toBe('  0:30      fault kill-redis injected on redis')
  })
})

describe('FooterBar', () => {
  it('says where the report goes and how to stop', () => {
    expect(lines(<FooterBar width={80} reportDir="reports/run-1" stopping={false} hidden={[]} />)).toEqual([
      `report → reports/run-1${' '.repeat(43)}q / Ctrl-C stop`,
    ])
  })

  it('says when the run is stopping and that Ctrl-C again forces it', () => {
    expect(lines(<FooterBar width={80} reportDir="reports/run-1" stopping hidden={[]} />)[0]).toMatch(/stopping… Ctrl-C again to force$/)
  })

  it('names hidden panels when there is room and counts them when not', () => {
    expect(lines(<FooterBar width={80} reportDir="r" stopping={false} hidden={['fleet', 'events']} />)[0]).toMatch(/hidden: fleet, events · q \/ Ctrl-C stop$/)
    expect(lines(<FooterBar width={50} reportDir="r" stopping={false} hidden={['breakers', 'cache', 'fleet', 'events']} />)[0]).toMatch(/4 hidden · q \/ Ctrl-C stop$/)
  })

  it('shows why the figures stopped moving instead of the report path', () => {
    expect(lines(<FooterBar width={80} reportDir="r" stopping={false} hidden={[]} problem="live figures unavailable: boom" />)[0]).toMatch(/^live figures unavailable: boom\s+q \/ Ctrl-C stop$/)
  })
})
