import {ReleaseQueue} from './release-queue.js'
import {defineToxic} from './toxic.js'

/**
 * Delays every chunk by latency ± jitter (ms), counted from when the proxy read it. Chunks keep
 * their order: one that drew a shorter delay waits for the one before it, as in Toxiproxy.
 */
export const latencyToxic = defineToxic({
  type: 'latency',
  defaults: {latency: 0, jitter: 0},
  pipe(stub, attributes) {
    const queue = new ReleaseQueue(stub)
    let lastDue = -Infinity
    const delay = () => {
      const {latency, jitter} = attributes()
      return jitter > 0 ? latency + Math.floor(stub.random() * jitter * 2) - jitter : latency
    }
    return {
      write(chunk) {
        const due = Math.max(chunk.at + delay(), lastDue)
        lastDue = due
        chunk.at = due
        queue.push(chunk, due)
      },
      end: () => queue.end(),
      flush: () => queue.flush(),
      dispose: () => queue.dispose(),
      heldBytes: () => queue.heldBytes(),
    }
  },
})
