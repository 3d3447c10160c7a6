import {describe, expect, it} from 'vitest'
import {progressBar, sparkline} from './sparkline.js'

describe('sparkline', () => {
  it('scales from zero to the largest value shown', () => {
    expect(sparkline([0, 50, 100], 3)).toBe('▁▅█')
  })

  it('is exactly as wide as asked: the latest values, left-padded when there are fewer', () => {
    expect(sparkline([1, 2, 3, 4, 5, 6], 3)).toBe('▆▇█')
    expect(sparkline([4, 8], 5)).toBe('   ▅█')
    expect(sparkline([1, 2], 0)).toBe('')
  })

  it('leaves a gap for a second with nothing measured', () => {
    expect(sparkline([10, null, 10], 3)).toBe('█ █')
  })

  it('honours a given scale and clamps values outside it', () => {
    expect(sparkline([0.8, 0.9, 1, 0.5], 4, {min: 0.8, max: 1})).toBe('▁▅█▁')
  })

  it('draws a flat series at the bottom rather than dividing by zero', () => {
    expect(sparkline([0, 0], 2)).toBe('▁▁')
  })
})

describe('progressBar', () => {
  it('fills to the fraction with eighth-cell precision and keeps its width', () => {
    expect(progressBar(0, 4)).toBe('░░░░')
    expect(progressBar(1, 4)).toBe('████')
    expect(progressBar(0.5, 4)).toBe('██░░')
    expect(progressBar(0.53125, 4)).toBe('██▏░')
    expect(progressBar(7, 3)).toBe('███')
    expect(progressBar(Number.NaN, 3)).toBe('░░░')
  })
})
