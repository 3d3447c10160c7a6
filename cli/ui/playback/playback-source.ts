// Recorded snapshots played back as if a run were producing them: each snapshot is shown for a
// while with its clocks running on, so a dashboard under test updates the way it does in a run.
import type {LiveSnapshot} from '../live.js'

export interface PlaybackOptions {
  /** How long each recorded snapshot plays, in seconds. */
  secondsPerSnapshot: number
  /** Start again after the last one instead of staying on it. */
  loop?: boolean
  /** Seconds since an arbitrary origin; injectable so tests can run playback on a fake clock. */
  now?: () => number
}

export interface PlaybackSource {
  live: () => LiveSnapshot
  /** Which recorded snapshot is playing now. */
  position(): {index: number; ended: boolean}
  elapsedS(): number
}

export function playbackSource(recorded: readonly LiveSnapshot[], options: PlaybackOptions): PlaybackSource {
  if (recorded.length === 0) throw new Error('playback needs at least one recorded snapshot')
  const now = options.now ?? (() => performance.now() / 1000)
  const origin = now()
  const each = Math.max(0.1, options.secondsPerSnapshot)
  const elapsedS = () => Math.max(0, now() - origin)
  const position = () => {
    const slot = Math.floor(elapsedS() / each)
    if (options.loop) return {index: slot % recorded.length, ended: false}
    return {index: Math.min(slot, recorded.length - 1), ended: slot >= recorded.length}
  }
  return {
    elapsedS,
    position,
    live: () => {
      const {index, ended} = position()
      const into = ended ? each : elapsedS() - Math.floor(elapsedS() / each) * each
      return advanceSnapshot(recorded[index], into)
    },
  }
}

/**
 * The snapshot `seconds` later as a steady run would show it: clocks on, counts grown at the
 * achieved rate, the per-second history rotated by whole seconds so the sparklines move.
 */
export function advanceSnapshot(snapshot: LiveSnapshot, seconds: number): LiveSnapshot {
  const dt = Math.max(0, seconds)
  const whole = Math.floor(dt)
  const grown = Math.round(snapshot.achievedRate * dt)
  return {
    ...snapshot,
    elapsedS: Math.min(snapshot.totalS, snapshot.elapsedS + dt),
    phase: {...snapshot.phase, elapsedS: Math.min(snapshot.phase.durationS, snapshot.phase.elapsedS + dt)},
    outcomes: {...snapshot.outcomes, total: snapshot.outcomes.total + grown, ok: snapshot.outcomes.ok + grown},
    history: {
      p99: rotate(snapshot.history.p99, whole),
      rate: rotate(snapshot.history.rate, whole),
      cacheHitRate: rotate(snapshot.history.cacheHitRate, whole),
    },
  }
}

function rotate<T>(values: readonly T[], by: number): T[] {
  if (values.length === 0) return []
  const k = by % values.length
  return [...values.slice(k), ...values.slice(0, k)]
}
