// The terminal's size, updated on resize. Ink re-lays out its own root on resize but does not
// re-render components, and the dashboard's layout (which panels, how many columns) depends on it.
import {useStdout} from 'ink'
import {useEffect, useState} from 'react'

export interface TerminalSize {
  columns: number
  rows: number
}

const FALLBACK: TerminalSize = {columns: 80, rows: 24}

export function readTerminalSize(stdout: {columns?: number; rows?: number}): TerminalSize {
  return {columns: stdout.columns || FALLBACK.columns, rows: stdout.rows || FALLBACK.rows}
}

export function useTerminalSize(): TerminalSize {
  const {stdout} = useStdout()
  const [size, setSize] = useState(() => readTerminalSize(stdout))
  useEffect(() => {
    const onResize = () => setSize(readTerminalSize(stdout))
    stdout.on('resize', onResize)
    return () => {
      stdout.off('resize', onResize)
    }
  }, [stdout])
  return size
}
