import {ReleaseQueue} from './release-queue.js'
import {defineToxic} from './toxic.js'

/**
 * Limits throughput to `rate` KB/s (1 KB = 1000 bytes, as Toxiproxy counts it). A chunk is
 * passed on once the time its bytes need at that rate has elapsed; chunks larger than 100 ms
 * worth of bytes go out in 100 ms pieces. Idle time earns no credit. rate <= 0: unlimited.
 */
export const bandwidthToxic = defineToxic({
  type: 'bandwidth',
  defaults: {rate: 0},
  pipe(stub, attributes) {
    const queue = new ReleaseQueue(stub)
    let linkFreeAt = -Infinity
    return {
      write(chunk) {
        const {rate} = attributes()
        const now = stub.clock.now()
        if (rate <= 0) {
          queue.push(chunk, Math.max(now, linkFreeAt))
          return
        }
        const piece = rate * 100
        for (let offset = 0; offset < chunk.data.length; offset += piece) {
          const data = chunk.data.subarray(offset, offset + piece)
          linkFreeAt = Math.max(linkFreeAt, now) + data.length / rate
          queue.push({data, at: chunk.at}, linkFreeAt)
        }
      },
      end: () => queue.end(),
      flush: () => queue.flush(),
      dispose: () => queue.dispose(),
      heldBytes: () => queue.heldBytes(),
    }
  },
})
