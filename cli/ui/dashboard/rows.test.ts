import {describe, expect, it} from 'vitest'
import {fitRows} from './rows.js'

const rows = ['a', 'b', 'c', 'd', 'e']
const vowels = (r: string) => 'aeiou'.includes(r)

describe('fitRows', () => {
  it('shows everything that fits', () => {
    expect(fitRows(rows, 5, vowels)).toEqual({shown: rows, omitted: 0, noteLine: false})
  })

  it('keeps rows that need attention first, in their order, and leaves a line to say what is missing', () => {
    expect(fitRows(rows, 3, vowels)).toEqual({shown: ['a', 'e'], omitted: 3, noteLine: true})
    expect(fitRows(rows, 4, vowels)).toEqual({shown: ['a', 'b', 'e'], omitted: 2, noteLine: true})
  })

  it('with one line shows the most urgent row and no note', () => {
    expect(fitRows(['x', 'y', 'e'], 1, vowels)).toEqual({shown: ['e'], omitted: 2, noteLine: false})
  })
})
