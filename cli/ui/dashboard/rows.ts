// Which rows of a list fit in the lines a panel was given: when not all do, the rows that need
// attention (an open breaker, an ejected instance, a failing check) are kept first, in their order,
// and the last line says how many were left out.

export interface FittedRows<T> {
  shown: T[]
  /** Rows left out. */
  omitted: number
  /** Whether a line is left for saying so (not when only one line was given). */
  noteLine: boolean
}

export function fitRows<T>(rows: readonly T[], lines: number, needsAttention: (row: T) => boolean): FittedRows<T> {
  if (rows.length <= lines) return {shown: [...rows], omitted: 0, noteLine: false}
  const noteLine = lines >= 2
  const room = Math.max(0, noteLine ? lines - 1 : lines)
  const keep = new Set<T>(rows.filter(needsAttention).slice(0, room))
  for (const row of rows) {
    if (keep.size >= room) break
    keep.add(row)
  }
  const shown = rows.filter((row) => keep.has(row))
  return {shown, omitted: rows.length - shown.length, noteLine}
}
