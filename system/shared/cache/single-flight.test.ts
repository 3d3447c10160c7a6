import {describe, expect, it} from 'vitest'
import {SingleFlight} from './single-flight.js'

describe('SingleFlight', () => {
  it('shares one running call per key and starts a new one after it settles', async () => {
    const flights = new SingleFlight<number>()
    let calls = 0
    const work = async () => {
      calls++
      await new Promise((r) => setTimeout(r, 10))
      return calls
    }
    const [a, b] = await Promise.all([flights.run('k', work), flights.run('k', work)])
    expect([a, b, calls]).toEqual([1, 1, 1])
    expect(flights.size).toBe(0)
    expect(await flights.run('k', work)).toBe(2)
  })

  it('keeps different keys apart', async () => {
    const flights = new SingleFlight<string>()
    const [a, b] = await Promise.all([flights.run('a', async () => 'A'), flights.run('b', async () => 'B')])
    expect([a, b]).toEqual(['A', 'B'])
  })

  it('cleans up after a call that throws synchronously, and shares the rejection', async () => {
    const flights = new SingleFlight<number>()
    const boom = () => {
      throw new Error('boom')
    }
    const runs = [flights.run('k', boom), flights.run('k', boom)]
    await expect(runs[0]).rejects.toThrow('boom')
    await expect(runs[1]).rejects.toThrow('boom')
    expect(flights.size).toBe(0)
  })

  it('forget: later callers start afresh and the running call learns it is no longer current', async () => {
    const flights = new SingleFlight<boolean>()
    let release: () => void = () => {}
    const first = flights.run('k', async (isCurrent) => {
      await new Promise<void>((r) => (release = r))
      return isCurrent()
    })
    await new Promise((r) => setTimeout(r, 0))
    flights.forget('k')
    const second = flights.run('k', async (isCurrent) => isCurrent())
    release()
    expect(await first).toBe(false)
    expect(await second).toBe(true)
  })
})
