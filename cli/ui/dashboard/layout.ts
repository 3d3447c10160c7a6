// Where each panel goes for a given terminal size. Pure, so the rules (what is dropped first on a
// small terminal, when two columns are used) are tested without rendering.

export type PanelId = 'latency' | 'traffic' | 'chaos' | 'cache' | 'breakers' | 'fleet' | 'events'

/** Lines a panel needs: `min` to be worth showing at all, `want` to show everything it has. */
export interface PanelDemand {
  min: number
  want: number
}

export type PanelDemands = Partial<Record<PanelId, PanelDemand>>

export interface PlacedPanel {
  id: PanelId
  height: number
}

export interface DashboardLayout {
  mode: 'single' | 'two-column'
  /** Width of each column of panels, left to right. */
  columnWidths: number[]
  /** Panels of each column, top to bottom, with the lines each may use. */
  columns: PlacedPanel[][]
  /** A blank line between panels, when there is room for one. */
  gap: boolean
  /** Panels that did not fit, most important first. */
  hidden: PanelId[]
}

export const HEADER_LINES = 2
export const FOOTER_LINES = 1
/** Two columns from this width on; below it one column reads better than two cramped ones. */
export const TWO_COLUMN_MIN_WIDTH = 120
export const COLUMN_GAP = 2

/** Most important first: what stays on a small terminal. */
export const PANEL_PRIORITY: readonly PanelId[] = ['latency', 'traffic', 'chaos', 'breakers', 'cache', 'fleet', 'events']

const SINGLE_ORDER: readonly PanelId[] = ['latency', 'traffic', 'chaos', 'cache', 'breakers', 'fleet', 'events']
// Two columns: what the load generator measured on the left, what the system and the faults did on the right.
const LEFT_ORDER: readonly PanelId[] = ['latency', 'traffic', 'cache']
const RIGHT_ORDER: readonly PanelId[] = ['chaos', 'breakers', 'fleet', 'events']

/**
 * Lines the body may use: the terminal's rows less header and footer, and less one more line so
 * the frame never fills the screen (Ink then clears the whole terminal on every frame).
 */
export function bodyLines(rows: number): number {
  return Math.max(0, rows - 1 - HEADER_LINES - FOOTER_LINES)
}

export function planLayout(columns: number, rows: number, demands: PanelDemands): DashboardLayout {
  const budget = bodyLines(rows)
  if (columns >= TWO_COLUMN_MIN_WIDTH) {
    const left = fillColumn(LEFT_ORDER, demands, budget)
    const right = fillColumn(RIGHT_ORDER, demands, budget)
    const leftWidth = Math.floor((columns - COLUMN_GAP) / 2)
    return {
      mode: 'two-column',
      columnWidths: [leftWidth, columns - COLUMN_GAP - leftWidth],
      columns: [left.placed, right.placed],
      gap: left.gap && right.gap,
      hidden: byPriority([...left.hidden, ...right.hidden]),
    }
  }
  const single = fillColumn(SINGLE_ORDER, demands, budget)
  return {mode: 'single', columnWidths: [columns], columns: [single.placed], gap: single.gap, hidden: byPriority(single.hidden)}
}

function fillColumn(order: readonly PanelId[], demands: PanelDemands, budget: number) {
  const present = order.filter((id) => demands[id] !== undefined)
  const heights = new Map<PanelId, number>()
  let left = budget
  // First every panel its minimum, most important first; what does not fit is hidden.
  for (const id of byPriority(present)) {
    const {min} = demands[id]!
    if (min <= left) {
      heights.set(id, min)
      left -= min
    }
  }
  // Then the room that is left, again most important first, up to what each wants.
  for (const id of byPriority([...heights.keys()])) {
    const extra = Math.min(demands[id]!.want - heights.get(id)!, left)
    if (extra > 0) {
      heights.set(id, heights.get(id)! + extra)
      left -= extra
    }
  }
  const placed = present.filter((id) => heights.has(id)).map((id) => ({id, height: heights.get(id)!}))
  const gap = placed.length > 1 && left >= placed.length - 1
  return {placed, hidden: present.filter((id) => !heights.has(id)), gap}
}

function byPriority(ids: PanelId[]): PanelId[] {
  return [...ids].sort((a, b) => PANEL_PRIORITY.indexOf(a) - PANEL_PRIORITY.indexOf(b))
}
