import type {TimerHandle} from '../clock.js'
import {defineToxic} from './toxic.js'

/**
 * Lets no data through (it is dropped, as in Toxiproxy) and closes the link after `timeout` ms;
 * 0 holds the link open without data until the toxic is removed. Removing it closes the link,
 * because the data it dropped leaves the stream corrupt.
 */
export const timeoutToxic = defineToxic({
  type: 'timeout',
  defaults: {timeout: 0},
  pipe(stub, attributes) {
    let timer: TimerHandle | undefined
    let closed = false
    const cancel = () => {
      if (timer !== undefined) stub.clock.clearTimer(timer)
      timer = undefined
    }
    const close = () => {
      cancel()
      if (closed) return
      closed = true
      stub.next.end()
    }
    const start = () => {
      cancel()
      const {timeout} = attributes()
      if (timeout > 0 && !closed) timer = stub.clock.setTimer(close, timeout)
    }
    start()
    return {
      write() {},
      end: close,
      flush: cancel,
      removed: close,
      attributesChanged: start,
      dispose: cancel,
      heldBytes: () => 0,
    }
  },
})
