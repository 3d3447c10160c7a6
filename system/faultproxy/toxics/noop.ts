import {defineToxic} from './toxic.js'

/** Passes everything through; Toxiproxy registers it as a type too. */
export const noopToxic = defineToxic({
  type: 'noop',
  defaults: {},
  pipe(stub) {
    return {
      write: (chunk) => stub.next.write(chunk),
      end: () => stub.next.end(),
      flush() {},
      dispose() {},
      heldBytes: () => 0,
    }
  },
})
