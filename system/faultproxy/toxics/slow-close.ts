import type {TimerHandle} from '../clock.js'
import {defineToxic} from './toxic.js'

/** Holds the close back: when the stream ends, waits `delay` ms before passing the end on. */
export const slowCloseToxic = defineToxic({
  type: 'slow_close',
  defaults: {delay: 0},
  pipe(stub, attributes) {
    let timer: TimerHandle | undefined
    let closing = false
    const close = () => {
      timer = undefined
      stub.next.end()
    }
    return {
      write: (chunk) => stub.next.write(chunk),
      end() {
        if (closing) return
        closing = true
        timer = stub.clock.setTimer(close, attributes().delay)
      },
      flush() {
        if (timer === undefined) return
        stub.clock.clearTimer(timer)
        close()
      },
      dispose() {
        if (timer !== undefined) stub.clock.clearTimer(timer)
        timer = undefined
      },
      heldBytes: () => 0,
    }
  },
})
