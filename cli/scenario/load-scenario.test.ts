import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {UserError} from '../errors.js'
import {packageRoot} from '../runtime/package-root.js'
import {listScenarioFiles, loadScenario, parseScenarioText, resolveScenarioPath} from './load-scenario.js'

const VALID = `name: tiny
description: A small valid scenario.
identities:
  reader: {kind: api-key, tier: pro}
requests:
  - path: /api/v1/resources/{{id}}
    identity: reader
phases:
  - {name: warm, duration: 5s, rate: 10}
  - {name: main, duration: 1m, rate: {from: 10, to: 100}}
thresholds:
  - p95 < 100ms during main
`

function errorOf(text: string, file = 'scenarios/bad.yaml'): UserError {
  try {
    parseScenarioText(text, file)
  } catch (error) {
    if (error instanceof UserError) return error
    throw error
  }
  throw new Error('expected the scenario to be rejected')
}

describe('scenario files: errors name the file, the field path (with its line) and what was expected', () => {
  it('accepts a valid file', () => {
    const scenario = parseScenarioText(VALID, 'tiny.yaml')
    expect(scenario.phases.map((p) => p.name)).toEqual(['warm', 'main'])
  })

  it.each([
    ['a rate that is not a number', VALID.replace('rate: 10}', 'rate: fast}'), 'phases[0].rate (line 9): expected a rate in requests per second'],
    ['a bad duration', VALID.replace('duration: 5s', 'duration: 5 seconds'), 'phases[0].duration (line 9): expected a duration such as 30s, 2m, 1m30s or 500ms'],
    ['neither rate nor connections', VALID.replace(', rate: 10}', '}'), 'phases[0] (line 9): expected either rate (open model) or connections (closed model), not both or neither'],
    ['both rate and connections', VALID.replace('rate: 10}', 'rate: 10, connections: 5}'), 'phases[0] (line 9): expected either rate'],
    ['an unknown field', VALID.replace('  - {name: warm,', '  - {nmae: x, name: warm,'), 'phases[0].nmae (line 9): unknown field'],
    ['a missing field', VALID.replace('description: A small valid scenario.\n', ''), 'description (line 1): missing: expected a one-line description'],
    ['an unknown identity', VALID.replace('identity: reader', 'identity: writer'), 'requests[0].identity (line 7): expected one of the identities: anonymous, reader (define "writer" under identities)'],
    ['a bad tier', VALID.replace('tier: pro', 'tier: gold'), 'identities.reader.tier (line 4): expected a tier: anonymous, free, pro, enterprise'],
    ['a bad identity kind', VALID.replace('kind: api-key, tier: pro', 'kind: robot'), 'identities.reader.kind (line 4): expected an identity with kind anonymous, api-key (with tier) or user'],
    ['an unknown placeholder', VALID.replace('{{id}}', '{{ident}}'), 'requests[0].path (line 6): unknown placeholder {{ident}}; use {{id}}, {{seq}}, {{uuid}}'],
    ['a threshold that does not parse', VALID.replace('p95 < 100ms during main', 'p95 under 100ms'), 'thresholds[0] (line 12): "p95 under 100ms" is not a threshold: expected "<metric> <op> <value> [during <phase>]"'],
    ['a threshold on a phase that does not exist', VALID.replace('during main', 'during spike'), 'thresholds[0] (line 12): "during spike" names no phase; the phases are warm, main'],
    ['a threshold with an unknown metric', VALID.replace('p95 <', 'p42 <'), 'thresholds[0] (line 12): "p42 < 100ms during main": unknown metric "p42"'],
    ['a duplicate phase name', VALID.replace('name: main', 'name: warm'), 'phases[1].name (line 10): expected a unique phase name; "warm" is used twice'],
    ['a knee on a constant rate', VALID.replace('rate: 10}', 'rate: 10, knee: {when: ["p99 > 100ms"]}}'), 'phases[0].knee (line 9): a knee is looked for in a ramp'],
    ['a compare limit that is not a number', `${VALID}compare: {p99: fast}\n`, 'compare.p99 (line 13): expected number, received string'],
  ])('%s', (_what, text, message) => {
    const error = errorOf(text)
    expect(error.exitCode).toBe(2)
    expect(error.message).toContain('Invalid scenario file scenarios/bad.yaml: ')
    expect(error.message).toContain(message)
  })

  it('reports broken YAML with its line', () => {
    const error = errorOf('name: x\nphases: [\n  {name: a\n')
    expect(error.message).toMatch(/^Scenario file scenarios\/bad.yaml:\d+ is not valid YAML: /)
  })

  it('lists several problems, one a line', () => {
    const error = errorOf(VALID.replace('duration: 5s', 'duration: soon').replace('tier: pro', 'tier: gold'))
    expect(error.message.split('\n')).toHaveLength(2)
  })
})

describe('finding scenarios', () => {
  let cwd: string
  beforeAll(() => {
    cwd = mkdtempSync(join(tmpdir(), 'scalelab-scenarios-'))
    mkdirSync(join(cwd, 'scenarios'))
    writeFileSync(join(cwd, 'scenarios', 'tiny.yaml'), VALID)
    writeFileSync(join(cwd, 'scenarios', 'steady.yaml'), VALID.replace('name: tiny', 'name: steady'))
    writeFileSync(join(cwd, 'elsewhere.yml'), VALID)
  })
  afterAll(() => rmSync(cwd, {recursive: true, force: true}))

  it('a name resolves to ./scenarios first, then the package; a path works too', async () => {
    expect(resolveScenarioPath('tiny', {cwd})).toBe(join(cwd, 'scenarios', 'tiny.yaml'))
    expect(resolveScenarioPath('steady', {cwd})).toBe(join(cwd, 'scenarios', 'steady.yaml'))
    expect(resolveScenarioPath('spike-10x', {cwd})).toBe(join(packageRoot(), 'scenarios', 'spike-10x.yaml'))
    expect(resolveScenarioPath('elsewhere.yml', {cwd})).toBe(join(cwd, 'elsewhere.yml'))
    expect((await loadScenario('./elsewhere.yml', {cwd})).file).toBe('elsewhere.yml')
  })

  it('an unknown name lists the known ones', () => {
    expect(() => resolveScenarioPath('nope', {cwd})).toThrow(UserError)
    try {
      resolveScenarioPath('nope', {cwd})
    } catch (error) {
      expect((error as UserError).hint).toContain('tiny')
      expect((error as UserError).hint).toContain('spike-10x')
    }
    expect(() => resolveScenarioPath('./missing.yaml', {cwd})).toThrow('Scenario file ./missing.yaml does not exist.')
  })

  it('every shipped scenario is valid', async () => {
    const files = listScenarioFiles({cwd: packageRoot()})
    expect(files.map((f) => f.split('/').pop())).toEqual(
      expect.arrayContaining(['steady.yaml', 'ramp.yaml', 'spike-10x.yaml', 'soak.yaml', 'cache-cold.yaml', 'rate-limit-abuse.yaml', 'closed-max.yaml']),
    )
    for (const file of files) await expect(loadScenario(file, {cwd: packageRoot()})).resolves.toBeTruthy()
  })
})
