import {describe, expect, it} from 'vitest'
import {classifyError, countStatus, emptyOutcomes} from './outcomes.js'

describe('outcome classes', () => {
  it('puts every status in one class, 429 apart from the other 4xx', () => {
    const outcomes = emptyOutcomes()
    for (const status of [200, 204, 301, 304, 400, 404, 429, 429, 500, 503, 101, 600]) countStatus(outcomes, status)
    expect(outcomes).toEqual({status2xx: 2, status3xx: 2, status4xx: 2, status429: 2, status5xx: 2, statusOther: 2, socketErrors: 0, timeouts: 0, otherErrors: 0})
  })

  it('tells timeouts, socket faults and the generator’s own failures apart', () => {
    const coded = (code: string) => Object.assign(new Error(code), {code})
    expect(classifyError(coded('ECONNREFUSED'))).toBe('socket-error')
    expect(classifyError(coded('ECONNRESET'))).toBe('socket-error')
    expect(classifyError(coded('HPE_INVALID_RESPONSE'))).toBe('socket-error')
    expect(classifyError(coded('SCALELAB_REQUEST_TIMEOUT'))).toBe('timeout')
    expect(classifyError(new Error('request timed out'))).toBe('timeout')
    // Out of file descriptors is the generator's limit, not the system's fault.
    expect(classifyError(coded('EMFILE'))).toBe('other-error')
  })
})
