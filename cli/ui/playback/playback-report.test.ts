import {describe, expect, it} from 'vitest'
import {Report} from '../../report/schema.js'
import {FIXTURE_NAMES, loadFixture} from '../fixtures/recorded-snapshots.js'
import {playbackReport} from './playback-report.js'

describe('playbackReport', () => {
  it.each(FIXTURE_NAMES)('builds a report the schema accepts from the %s snapshot', (name) => {
    const report = playbackReport(loadFixture(name), {interrupted: false, startedAt: new Date(0), finishedAt: new Date(60_000)})
    expect(() => Report.parse(report)).not.toThrow()
    expect(report.scenario.description).toMatch(/playback/)
  })

  it('fails the verdict on a failing check and carries the stop', () => {
    const report = playbackReport(loadFixture('chaos'), {interrupted: true, startedAt: new Date(0), finishedAt: new Date(1000)})
    expect(report.interrupted).toBe(true)
    expect(report.verdict).toEqual({passed: false, failures: ['error rate < 1%: 4.5% over the last 10 s']})
  })
})
