// Small request sources for benchmarks and tests; scenarios build richer ones (weighted
// templates, Zipf-distributed ids, identities) on the same RequestSource interface.
import type {RequestSource, RequestSpec} from './types.js'

/** The same request every time. */
export function constantSource(request: RequestSpec): RequestSource {
  return {next: () => request}
}

/** The given requests in turn, round and round. */
export function cycleSource(requests: RequestSpec[]): RequestSource {
  if (requests.length === 0) throw new Error('cycleSource needs at least one request')
  let index = 0
  return {
    next() {
      const request = requests[index]
      index = (index + 1) % requests.length
      return request
    },
  }
}
