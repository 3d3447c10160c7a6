import {describe, expect, it} from 'vitest'
import {fit, formatClock, formatCount, formatMs, formatPercent, formatRate} from './format.js'

describe('dashboard formatting', () => {
  it('shows milliseconds with a decimal only where it carries information', () => {
    expect(formatMs(2.14)).toBe('2.1')
    expect(formatMs(99.94)).toBe('99.9')
    expect(formatMs(241.7)).toBe('242')
    expect(formatMs(1204)).toBe('1,204')
    expect(formatMs(12_500)).toBe('12.5s')
  })

  it('shows a dash, not zero, for a figure that was not measured', () => {
    expect(formatMs(null)).toBe('–')
    expect(formatPercent(null)).toBe('–')
    expect(formatRate(null)).toBe('–')
  })

  it('compacts long counts and rates', () => {
    expect(formatCount(31_877)).toBe('31,877')
    expect(formatCount(123_456)).toBe('123.5k')
    expect(formatCount(2_500_000)).toBe('2500k')
    expect(formatCount(12_300_000)).toBe('12.3M')
    expect(formatRate(1620)).toBe('1,620/s')
    expect(formatRate(2.5)).toBe('2.5/s')
    expect(formatRate(25_000)).toBe('25.0k/s')
  })

  it('shows ratios as percentages and seconds as a clock', () => {
    expect(formatPercent(0.931)).toBe('93.1%')
    expect(formatPercent(1)).toBe('100%')
    expect(formatPercent(0.33, 0)).toBe('33%')
    expect(formatClock(84)).toBe('1:24')
    expect(formatClock(3725)).toBe('1:02:05')
    expect(formatClock(-3)).toBe('0:00')
  })

  it('cuts names to a column with an ellipsis', () => {
    expect(fit('api-12', 10)).toBe('api-12')
    expect(fit('postgres-primary', 8)).toBe('postgre…')
    expect(fit('x', 0)).toBe('')
  })
})
