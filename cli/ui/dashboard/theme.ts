// Colours by meaning, so every panel says "bad" the same way. Colour is never the only signal:
// each coloured state also has its own word or symbol for terminals without colour.
import type {BreakerState} from '../../../contracts/http.js'

export const colours = {
  title: 'cyan',
  good: 'green',
  warn: 'yellow',
  bad: 'red',
  muted: 'gray',
} as const

export type Tone = keyof typeof colours

export function breakerTone(state: BreakerState): Tone {
  return state === 'open' ? 'bad' : state === 'half-open' ? 'warn' : 'good'
}

/** Whether a measured value crossed an upper limit (a limit that does not apply is never crossed). */
export function crossed(value: number | null | undefined, limit: number | undefined): boolean {
  return value !== null && value !== undefined && limit !== undefined && value > limit
}
