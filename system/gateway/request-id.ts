import {randomUUID} from 'node:crypto'

// Ids from clients are kept (so a caller can follow its own request through the logs) when they
// are short and plain; anything else is replaced rather than forwarded into headers and logs.
const ACCEPTABLE = /^[\w.:@-]{1,128}$/

export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && ACCEPTABLE.test(header) ? header : randomUUID()
}
