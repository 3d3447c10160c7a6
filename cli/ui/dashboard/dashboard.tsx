// The live dashboard for one snapshot at one terminal size: header, the panels the layout placed,
// footer. Pure (props in, lines out) so every size and every recorded snapshot can be tested.
import {Box} from 'ink'
import type {LiveSnapshot} from '../live.js'
import {BreakersPanel, breakersLines} from './breakers-panel.js'
import {CACHE_LINES, CachePanel} from './cache-panel.js'
import {ChaosPanel, chaosLines, hasChaos} from './chaos-panel.js'
import {EventsPanel, eventsLines, type TimedEvent} from './events-panel.js'
import {FleetPanel, fleetLines} from './fleet-panel.js'
import {FooterBar} from './footer-bar.js'
import {HeaderPanel} from './header-panel.js'
import {LATENCY_LINES, LatencyPanel} from './latency-panel.js'
import {COLUMN_GAP, planLayout, type PanelDemands, type PlacedPanel} from './layout.js'
import {TrafficPanel, trafficLines} from './traffic-panel.js'

export interface DashboardProps {
  snapshot: LiveSnapshot
  columns: number
  rows: number
  events?: readonly TimedEvent[]
  stopping?: boolean
  problem?: string | null
  /**
   * Clip the frame to the terminal (default). On a resize Ink first redraws the previous tree, laid
   * out for the old width, and lines wider than the terminal would wrap and leave debris. Clipping
   * costs slice-ansi on every line of every frame, so the InkReporter turns it off on the alternate
   * screen, where it clears the screen on every resize anyway.
   */
  clipOverflow?: boolean
}

export function panelDemands(snapshot: LiveSnapshot, events: readonly TimedEvent[]): PanelDemands {
  const traffic = trafficLines(snapshot)
  return {
    latency: {min: LATENCY_LINES, want: LATENCY_LINES},
    // The counts line matters more than the saturation warning, which goes first when short of room.
    traffic: {min: 2, want: traffic},
    chaos: hasChaos(snapshot) ? chaosLines(snapshot) : undefined,
    cache: {min: CACHE_LINES, want: CACHE_LINES},
    breakers: breakersLines(snapshot),
    fleet: fleetLines(snapshot),
    events: eventsLines(events),
  }
}

export function Dashboard({snapshot, columns, rows, events = [], stopping = false, problem = null, clipOverflow = true}: DashboardProps) {
  const layout = planLayout(columns, rows, panelDemands(snapshot, events))
  // No fixed width here (the root is the terminal's width), so clipping cuts a stale frame there.
  return (
    <Box flexDirection="column" overflow={clipOverflow ? 'hidden' : 'visible'}>
      <HeaderPanel snapshot={snapshot} width={columns} />
      <Box flexDirection="row" width={columns}>
        {layout.columns.map((panels, c) => (
          <Box key={c} flexDirection="column" width={layout.columnWidths[c]} marginLeft={c > 0 ? COLUMN_GAP : 0} gap={layout.gap ? 1 : 0}>
            {panels.map((placed) => (
              <Panel key={placed.id} placed={placed} snapshot={snapshot} events={events} width={layout.columnWidths[c]} />
            ))}
          </Box>
        ))}
      </Box>
      <FooterBar width={columns} reportDir={snapshot.reportDir} stopping={stopping} hidden={layout.hidden} problem={problem} />
    </Box>
  )
}

function Panel({placed, snapshot, events, width}: {placed: PlacedPanel; snapshot: LiveSnapshot; events: readonly TimedEvent[]; width: number}) {
  const {height} = placed
  switch (placed.id) {
    case 'latency':
      return <LatencyPanel snapshot={snapshot} width={width} />
    case 'traffic':
      return <TrafficPanel snapshot={snapshot} width={width} height={height} />
    case 'chaos':
      return <ChaosPanel snapshot={snapshot} width={width} height={height} />
    case 'cache':
      return <CachePanel snapshot={snapshot} width={width} />
    case 'breakers':
      return <BreakersPanel snapshot={snapshot} width={width} height={height} />
    case 'fleet':
      return <FleetPanel snapshot={snapshot} width={width} height={height} />
    case 'events':
      return <EventsPanel events={events} width={width} height={height} />
  }
}
