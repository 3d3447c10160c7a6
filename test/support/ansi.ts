// Reading colours back from terminal output (Ink frames, `tmux capture-pane -e`): which SGR
// attributes are in force where a given text starts. Enough for "is OPEN drawn red and inverted".
import {stripVTControlCharacters} from 'node:util'

export const SGR = {bold: 1, dim: 2, inverse: 7, red: 31, green: 32, yellow: 33, cyan: 36, gray: 90} as const

const FOREGROUNDS = [30, 31, 32, 33, 34, 35, 36, 37, 90, 91, 92, 93, 94, 95, 96, 97]
const BACKGROUNDS = [40, 41, 42, 43, 44, 45, 46, 47, 100, 101, 102, 103, 104, 105, 106, 107]

/** Resets that end an attribute: 22 bold/dim, 23 italic, 24 underline, 27 inverse, 39/49 colours. */
const ENDS: Record<number, number[]> = {22: [1, 2], 23: [3], 24: [4], 27: [7], 39: FOREGROUNDS, 49: BACKGROUNDS}

/** The SGR codes in force where `text` first appears (uninterrupted by escape sequences). */
export function stylesAt(raw: string, text: string): Set<number> {
  const active = new Set<number>()
  const sgr = /\u001B\[([\d;]*)m/y
  for (let i = 0; i < raw.length; ) {
    sgr.lastIndex = i
    const match = sgr.exec(raw)
    if (match) {
      for (const code of (match[1] || '0').split(';').map(Number)) apply(active, code)
      i = sgr.lastIndex
      continue
    }
    if (raw[i] === '\u001B') {
      // Another control sequence (cursor moves, erase): skip it whole.
      const rest = raw.slice(i)
      const other = /^\u001B(?:\[[\d;?]*[ -/]*[@-~]|\][^\u0007]*\u0007|[@-_])/.exec(rest)
      i += other ? other[0].length : 1
      continue
    }
    if (raw.startsWith(text, i)) return new Set(active)
    i++
  }
  throw new Error(`"${text}" does not appear in the output`)
}

function apply(active: Set<number>, code: number): void {
  if (code === 0) {
    active.clear()
    return
  }
  const ends = ENDS[code]
  if (ends) {
    for (const c of ends) active.delete(c)
    return
  }
  if (FOREGROUNDS.includes(code)) for (const c of FOREGROUNDS) active.delete(c)
  if (BACKGROUNDS.includes(code)) for (const c of BACKGROUNDS) active.delete(c)
  active.add(code)
}

/** Lines of output with escape sequences removed. */
export function visibleLines(raw: string): string[] {
  return stripVTControlCharacters(raw).split('\n')
}

/** Widest line in terminal cells (the dashboard draws only single-width characters). */
export function widestLine(raw: string): number {
  return Math.max(0, ...visibleLines(raw).map((line) => [...line].length))
}
