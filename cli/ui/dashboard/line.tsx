// One terminal line of a panel: never wraps, cut at the panel's width. Every panel is made of these,
// which is what keeps the dashboard from breaking lines on a narrow terminal. The Text's truncation
// does the cutting; a clipping Box (overflow="hidden") would cut the same line again with slice-ansi
// in every frame, which was a fifth of what a frame cost.
import {Box, Text} from 'ink'
import type {ReactNode} from 'react'
import {colours} from './theme.js'

/** Width of the label column every panel starts its lines with. */
export const LABEL_WIDTH = 12

export function Line({width, children}: {width: number; children?: ReactNode}) {
  return (
    <Box width={width} height={1} flexShrink={0}>
      <Text wrap="truncate-end">{children ?? ''}</Text>
    </Box>
  )
}

/** A panel's name at the start of its first line, padded to the label column. */
export function Title({children}: {children: string}) {
  return (
    <Text bold color={colours.title}>
      {children.padEnd(LABEL_WIDTH)}
    </Text>
  )
}

/** "– (system metrics unavailable)" and similar: a figure we do not have, said plainly. */
export function Unavailable({children}: {children: string}) {
  return <Text color={colours.muted}>{children}</Text>
}
