// Pull progress (bytes summed over layers, at most a line a second on a fake clock) and the error a
// registry-less host gets.
import {describe, expect, it} from 'vitest'
import {UserError} from '../../errors.js'
import {cannotPull, pullProgress} from './lab-images.js'

describe('pull progress', () => {
  it('sums the layers and says so at most once a second', () => {
    let now = 0
    const lines: string[] = []
    const onEvent = pullProgress('redis:7', (l) => lines.push(l), () => now)
    now = 1_000
    onEvent({status: 'Pulling fs layer', id: 'a'})
    onEvent({status: 'Downloading', id: 'a', progressDetail: {current: 1_000_000, total: 4_000_000}})
    onEvent({status: 'Downloading', id: 'b', progressDetail: {current: 500_000, total: 1_000_000}})
    now = 1_500
    onEvent({status: 'Downloading', id: 'a', progressDetail: {current: 2_000_000, total: 4_000_000}})
    now = 2_100
    onEvent({status: 'Download complete', id: 'b'})
    expect(lines).toEqual(['pulling redis:7: 1.0 of 4.0 MB (1 layers)', 'pulling redis:7: 3.0 of 5.0 MB (2 layers)'])
  })
})

describe('a pull that cannot reach a registry', () => {
  it('is one sentence with the way to go offline', () => {
    const err = cannotPull('redis:7', new Error('(HTTP code 500) server error - Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host'))
    expect(err).toBeInstanceOf(UserError)
    expect(err.message).toBe('Cannot pull redis:7: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host.')
    expect(err.hint).toContain('scalelab images --offline')
    expect(err.hint).toContain('--runtime local')
    expect(err.exitCode).toBe(2)
  })
})
