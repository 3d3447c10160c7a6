import {describe, expect, it} from 'vitest'
import {formatDuration, parseDuration} from './duration.js'

describe('durations', () => {
  it.each([
    ['30s', 30_000],
    ['2m', 120_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['7.5s', 7_500],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms))

  it.each(['30', 's', '1 m', '-5s', '5x', ''])('%j is not a duration', (text) => expect(parseDuration(text)).toBeUndefined())

  it.each([
    [500, '500ms'],
    [30_000, '30s'],
    [90_000, '1m30s'],
    [7_500, '7.5s'],
    [3_600_000, '1h'],
  ])('%d ms reads %s, and parses back', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
    expect(parseDuration(text)).toBe(ms)
  })
})
