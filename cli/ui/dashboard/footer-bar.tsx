// Bottom line: where the report will be written, how to stop, and what the dashboard left out.
import {Box, Text} from 'ink'
import type {PanelId} from './layout.js'
import {colours} from './theme.js'

export interface FooterProps {
  width: number
  reportDir: string
  stopping: boolean
  hidden: readonly PanelId[]
  /** Why the live figures are stale, when the run's live() failed. */
  problem?: string | null
}

export function FooterBar({width, reportDir, stopping, hidden, problem}: FooterProps) {
  const keys = stopping ? 'stopping… Ctrl-C again to force' : 'q / Ctrl-C stop'
  // Name the hidden panels when that still leaves room for the report path, else just count them.
  const named = `hidden: ${hidden.join(', ')} · `
  const hiddenNote = hidden.length === 0 ? '' : width - keys.length - named.length >= 30 ? named : `${hidden.length} hidden · `
  return (
    <Box width={width} height={1}>
      <Box flexGrow={1} flexShrink={1} overflow="hidden">
        {problem ? (
          <Text wrap="truncate-end" color={colours.bad}>
            {problem}
          </Text>
        ) : (
          <Text wrap="truncate-end">
            <Text color={colours.muted}>report → </Text>
            {reportDir}
          </Text>
        )}
      </Box>
      <Box flexShrink={0} marginLeft={2}>
        <Text wrap="truncate-end" color={colours.muted}>
          {hiddenNote}
        </Text>
        <Text bold color={stopping ? colours.warn : undefined}>
          {keys}
        </Text>
      </Box>
    </Box>
  )
}
