import type {TimerHandle} from '../clock.js'
import {defineToxic} from './toxic.js'

/**
 * Resets the connection (TCP RST to both peers) `timeout` ms after the first data (or the end
 * of the stream) reaches it; nothing passes meanwhile. Once triggered, the reset happens even if
 * the toxic is removed, as in Toxiproxy: the data it swallowed is gone.
 */
export const resetPeerToxic = defineToxic({
  type: 'reset_peer',
  defaults: {timeout: 0},
  pipe(stub, attributes) {
    let timer: TimerHandle | undefined
    let triggered = false
    const trigger = () => {
      if (triggered) return
      triggered = true
      timer = stub.clock.setTimer(() => {
        timer = undefined
        stub.reset()
      }, attributes().timeout)
    }
    return {
      write: trigger,
      end: trigger,
      flush() {},
      dispose() {
        if (timer !== undefined) stub.clock.clearTimer(timer)
        timer = undefined
      },
      heldBytes: () => 0,
    }
  },
})
