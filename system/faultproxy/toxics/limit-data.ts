import {defineToxic} from './toxic.js'

/** Passes at most `bytes` bytes on this link (counted per connection), then closes it. */
export const limitDataToxic = defineToxic({
  type: 'limit_data',
  defaults: {bytes: 0},
  pipe(stub, attributes) {
    let transmitted = 0
    let closed = false
    const close = () => {
      if (closed) return
      closed = true
      stub.next.end()
    }
    return {
      write(chunk) {
        if (closed) return
        const remaining = Math.max(0, attributes().bytes - transmitted)
        if (remaining < chunk.data.length) chunk = {data: chunk.data.subarray(0, remaining), at: chunk.at}
        if (chunk.data.length > 0) {
          transmitted += chunk.data.length
          stub.next.write(chunk)
        }
        if (attributes().bytes - transmitted <= 0) close()
      },
      end: close,
      flush() {},
      dispose() {},
      heldBytes: () => 0,
    }
  },
})
