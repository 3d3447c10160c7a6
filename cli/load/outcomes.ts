// Classifying what became of a request: its status class, or the kind of failure.
import type {OutcomeCounts} from './types.js'

export type FailureKind = 'socket-error' | 'timeout' | 'other-error'

export function emptyOutcomes(): OutcomeCounts {
  return {status2xx: 0, status3xx: 0, status4xx: 0, status429: 0, status5xx: 0, statusOther: 0, socketErrors: 0, timeouts: 0, otherErrors: 0}
}

export function countStatus(outcomes: OutcomeCounts, status: number): void {
  if (status === 429) outcomes.status429++
  else if (status >= 200 && status < 300) outcomes.status2xx++
  else if (status >= 300 && status < 400) outcomes.status3xx++
  else if (status >= 400 && status < 500) outcomes.status4xx++
  else if (status >= 500 && status < 600) outcomes.status5xx++
  else outcomes.statusOther++
}

export function countFailure(outcomes: OutcomeCounts, kind: FailureKind): void {
  if (kind === 'socket-error') outcomes.socketErrors++
  else if (kind === 'timeout') outcomes.timeouts++
  else outcomes.otherErrors++
}

export function addOutcomes(into: OutcomeCounts, from: OutcomeCounts): void {
  for (const key of Object.keys(into) as (keyof OutcomeCounts)[]) into[key] += from[key]
}

export function responsesIn(outcomes: OutcomeCounts): number {
  return outcomes.status2xx + outcomes.status3xx + outcomes.status4xx + outcomes.status429 + outcomes.status5xx + outcomes.statusOther
}

export function failuresIn(outcomes: OutcomeCounts): number {
  return outcomes.socketErrors + outcomes.timeouts + outcomes.otherErrors
}

const TIMEOUT_CODES = new Set(['SCALELAB_REQUEST_TIMEOUT', 'ETIMEDOUT'])
const SOCKET_CODES = new Set([
  'SCALELAB_CONNECTION_CLOSED', 'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH',
  'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL',
])

/** Maps an error from the open engine's client, Node's sockets or autocannon to a failure kind. */
export function classifyError(error: unknown): FailureKind {
  const code = (error as {code?: unknown} | null)?.code
  if (typeof code === 'string') {
    if (TIMEOUT_CODES.has(code)) return 'timeout'
    if (SOCKET_CODES.has(code)) return 'socket-error'
  }
  const message = error instanceof Error ? error.message : String(error)
  // autocannon reports its per-request timeout as a bare Error with this message.
  if (message === 'request timed out') return 'timeout'
  // A parse error of the response means the peer spoke broken HTTP or cut the stream: a socket-level fault.
  if (typeof code === 'string' && code.startsWith('HPE_')) return 'socket-error'
  return 'other-error'
}
