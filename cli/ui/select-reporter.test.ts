import {describe, expect, it} from 'vitest'
import {chooseReporterKind, createReporter, isCi} from './select-reporter.js'
import {InkReporter} from './ink-reporter.js'
import {NdjsonReporter} from './ndjson-reporter.js'
import {PlainReporter} from './plain-reporter.js'
import {SilentReporter} from './json-reporter.js'

const tty = {stdoutIsTTY: true, env: {}}

describe('chooseReporterKind', () => {
  it.each([
    [{}, tty, 'ink'],
    [{ui: false}, tty, 'plain'],
    [{json: true}, tty, 'json'],
    [{ndjson: true}, tty, 'ndjson'],
    [{}, {stdoutIsTTY: false, env: {}}, 'plain'],
    [{}, {stdoutIsTTY: true, env: {CI: 'true'}}, 'plain'],
    [{}, {stdoutIsTTY: true, env: {CI: '1'}}, 'plain'],
    [{}, {stdoutIsTTY: true, env: {CI: 'false'}}, 'ink'],
    [{json: true}, {stdoutIsTTY: false, env: {CI: 'true'}}, 'json'],
    [{ndjson: true, ui: false}, {stdoutIsTTY: false, env: {}}, 'ndjson'],
  ] as const)('%j on %j → %s', (flags, environment, kind) => {
    expect(chooseReporterKind(flags, environment)).toBe(kind)
  })

  it('CI counts when set to anything but 0 or false, even empty, as Ink itself decides it', () => {
    expect(isCi({CI: 'yes'})).toBe(true)
    // Ink (is-in-ci) draws only the last frame when CI is set at all: a dashboard there stays blank.
    expect(isCi({CI: ''})).toBe(true)
    expect(isCi({CONTINUOUS_INTEGRATION: 'true'})).toBe(true)
    expect(isCi({CI: '0'})).toBe(false)
    expect(isCi({CI: 'false'})).toBe(false)
    expect(isCi({})).toBe(false)
  })

  it('creates the matching reporter', async () => {
    expect(await createReporter('ink')).toBeInstanceOf(InkReporter)
    expect(await createReporter('plain')).toBeInstanceOf(PlainReporter)
    expect(await createReporter('ndjson')).toBeInstanceOf(NdjsonReporter)
    expect(await createReporter('json')).toBeInstanceOf(SilentReporter)
  })
})
