// Wakes the recorder at each second boundary so a second with no traffic (a stalled system)
// still produces its sample on time.
import type {PhaseRecorder} from './phase-recorder.js'
import type {Clock} from './types.js'

export function startSecondTicker(recorder: PhaseRecorder, clock: Clock): () => void {
  let timer: NodeJS.Timeout | undefined
  const arm = () => {
    // 2 ms past the boundary so the boundary has surely passed on the monotonic clock.
    const delay = Math.max(recorder.nextSecondAt - clock.now() + 2, 1)
    timer = setTimeout(() => {
      recorder.advance(clock.now())
      if (!recorder.isClosed) arm()
    }, delay)
    timer.unref()
  }
  arm()
  return () => clearTimeout(timer)
}
