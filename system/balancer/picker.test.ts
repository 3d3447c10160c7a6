import {describe, expect, it} from 'vitest'
import {Backend} from './backend.js'
import {LeastRequestPicker} from './picker.js'
import {seededRandom, sequenceRandom} from './testing/fake-clock.js'

const backend = (name: string, weight = 1, inFlight = 0): Backend => {
  const b = new Backend({name, host: '127.0.0.1', port: 1, weight}, true)
  b.inFlight = inFlight
  return b
}

const countPicks = (picker: LeastRequestPicker, list: Backend[], n: number, exclude: Backend | null = null) => {
  const counts = new Map<string, number>(list.map((b) => [b.name, 0]))
  for (let i = 0; i < n; i++) {
    const b = picker.pick(list, exclude)
    if (b) counts.set(b.name, counts.get(b.name)! + 1)
  }
  return counts
}

describe('power of two choices (equal weights)', () => {
  it('takes the less busy of the two backends it samples', () => {
    const list = [backend('a', 1, 5), backend('b', 1, 0), backend('c', 1, 2)]
    // First draw → index 0 (a); second → index 1 of the remaining two → c.
    const picker = new LeastRequestPicker({random: sequenceRandom([0.0, 0.5]), activeRequestBias: 1, maxInFlight: 100})
    picker.reset(list)
    expect(picker.algorithm).toBe('p2c-least-request')
    expect(picker.pick(list, null)?.name).toBe('c')
  })

  it('never sends to the busiest backend while another is less busy', () => {
    const list = [backend('a', 1, 10), backend('b', 1, 1), backend('c', 1, 1)]
    const picker = new LeastRequestPicker({random: seededRandom(7), activeRequestBias: 1, maxInFlight: 100})
    picker.reset(list)
    expect(countPicks(picker, list, 1000).get('a')).toBe(0)
  })

  it('spreads evenly over idle backends', () => {
    const list = [backend('a'), backend('b'), backend('c')]
    const picker = new LeastRequestPicker({random: seededRandom(42), activeRequestBias: 1, maxInFlight: 100})
    picker.reset(list)
    for (const n of countPicks(picker, list, 3000).values()) expect(n).toBeGreaterThan(850)
  })

  it('never returns the excluded backend (a retry moves elsewhere)', () => {
    const list = [backend('a'), backend('b', 1, 50), backend('c', 1, 50)]
    const picker = new LeastRequestPicker({random: seededRandom(1), activeRequestBias: 1, maxInFlight: 100})
    picker.reset(list)
    expect(countPicks(picker, list, 500, list[0]).get('a')).toBe(0)
    expect(picker.pick([list[0]], list[0])).toBeNull()
  })

  it('skips backends at the in-flight limit and gives up when all are', () => {
    const list = [backend('a', 1, 3), backend('b', 1, 3), backend('c', 1, 2)]
    const picker = new LeastRequestPicker({random: sequenceRandom([0.0, 0.0]), activeRequestBias: 1, maxInFlight: 3})
    picker.reset(list)
    // Samples a and b, both full: the fallback scan finds c.
    expect(picker.pick(list, null)?.name).toBe('c')
    list[2].inFlight = 3
    expect(picker.pick(list, null)).toBeNull()
  })
})

describe('weighted least request (unequal weights)', () => {
  it('follows the weights when nothing is in flight', () => {
    const list = [backend('heavy', 3), backend('light', 1)]
    const picker = new LeastRequestPicker({random: seededRandom(3), activeRequestBias: 1, maxInFlight: 100})
    picker.reset(list)
    expect(picker.algorithm).toBe('weighted-least-request')
    const counts = countPicks(picker, list, 400)
    expect(Math.abs(counts.get('heavy')! - 300)).toBeLessThanOrEqual(1)
    expect(Math.abs(counts.get('light')! - 100)).toBeLessThanOrEqual(1)
  })

  it('lowers a busy backend\'s share by (inFlight + 1)^bias', () => {
    // heavy: 4 / (3 + 1) = 1 → an even split with light (weight 1, idle).
    const list = [backend('heavy', 4, 3), backend('light', 1, 0)]
    const picker = new LeastRequestPicker({random: seededRandom(5), activeRequestBias: 1, maxInFlight: 100})
    picker.reset(list)
    const counts = countPicks(picker, list, 400)
    expect(Math.abs(counts.get('heavy')! - 200)).toBeLessThanOrEqual(2)

    // bias 0 ignores in-flight requests: back to 4:1.
    const plain = new LeastRequestPicker({random: seededRandom(5), activeRequestBias: 0, maxInFlight: 100})
    plain.reset(list)
    expect(Math.abs(countPicks(plain, list, 500).get('heavy')! - 400)).toBeLessThanOrEqual(2)
  })

  it('skips the excluded backend and those at their limit', () => {
    const list = [backend('a', 5), backend('b', 1), backend('c', 2, 2)]
    const picker = new LeastRequestPicker({random: seededRandom(9), activeRequestBias: 1, maxInFlight: 2})
    picker.reset(list)
    const counts = countPicks(picker, list, 100, list[0])
    expect(counts.get('a')).toBe(0)
    expect(counts.get('c')).toBe(0)
    expect(counts.get('b')).toBe(100)
  })
})
