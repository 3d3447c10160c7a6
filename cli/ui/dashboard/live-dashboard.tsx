// The dashboard wired to a running run: figures from the live feed, size from the terminal, keys
// from stdin. `q` or Ctrl-C asks the run to stop; Ctrl-C again while it stops forces the quit.
import {Text, useInput, useStdin} from 'ink'
import {useSyncExternalStore} from 'react'
import {Dashboard} from './dashboard.js'
import {DashboardErrorBoundary} from './error-boundary.js'
import type {LiveFeed} from './live-feed.js'
import {useTerminalSize} from './use-terminal-size.js'

export type DashboardKey = 'stop' | 'force-quit'

export interface LiveDashboardProps {
  /** The LiveFeed, or anything that holds its state the same way (the render worker's copy). */
  feed: Pick<LiveFeed, 'subscribe' | 'getState'>
  onKey: (key: DashboardKey) => void
  /** Shown until the first snapshot arrives. */
  waiting?: string
  /** See Dashboard's clipOverflow. */
  clipOverflow?: boolean
}

export function LiveDashboard({feed, onKey, waiting = 'starting…', clipOverflow = true}: LiveDashboardProps) {
  const state = useSyncExternalStore(feed.subscribe, feed.getState)
  const {columns, rows} = useTerminalSize()
  const {isRawModeSupported} = useStdin()
  useInput(
    (input, key) => {
      const ctrlC = key.ctrl && input === 'c'
      if (ctrlC && feed.getState().stopping) onKey('force-quit')
      else if (ctrlC || input === 'q' || input === 'Q') onKey('stop')
    },
    // Without a TTY on stdin there are no keys to read; Ctrl-C then arrives as SIGINT instead.
    {isActive: isRawModeSupported === true},
  )
  if (state.snapshot === null) {
    return <Text color="gray">{state.problem ?? waiting}</Text>
  }
  return (
    <DashboardErrorBoundary>
      <Dashboard snapshot={state.snapshot} columns={columns} rows={rows} events={state.events} stopping={state.stopping} problem={state.problem} clipOverflow={clipOverflow} />
    </DashboardErrorBoundary>
  )
}
