import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {UserError} from '../errors.js'
import {listExperiments} from './experiment-list.js'
import {loadExperiment} from './load-experiment.js'
import {resolveExperiment} from './resolve-experiment.js'

let cwd: string

const VALID = `name: mine
description: test experiment
duration: 30s
load:
  scenario: steady
  identities:
    writer: {kind: api-key, tier: enterprise}
  requests:
    - {name: write, method: POST, path: /api/v1/resources, identity: writer, body: {name: "x-{{seq}}"}}
  rate: 50
steadyState:
  checks: [error_rate < 1%, p99 < 250ms]
method:
  - {at: 9s, for: 12s, kill: redis}
expectations:
  - breaker redis opens within 5s of fault
abort: [error_rate > 50% for 5s]
`

function write(name: string, text: string): string {
  const path = join(cwd, 'scenarios', 'chaos', `${name}.yaml`)
  writeFileSync(path, text)
  return name
}

async function errorOf(reference: string): Promise<UserError> {
  const error = await loadExperiment(reference, {cwd}).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(UserError)
  return error as UserError
}

beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), 'scalelab-chaos-load-'))
  mkdirSync(join(cwd, 'scenarios', 'chaos'), {recursive: true})
})

afterAll(() => rmSync(cwd, {recursive: true, force: true}))

describe('shipped experiments', () => {
  it('all eight are there and valid, each with a description and writes in its load', async () => {
    const listings = await listExperiments({cwd: tmpdir()})
    const names = listings.map((l) => l.name)
    expect(names).toEqual(expect.arrayContaining(['kill-redis', 'kill-postgres', 'kill-api', 'slow-postgres', 'redis-flaky', 'partition-redis', 'api-errors', 'bandwidth-postgres']))
    for (const listing of listings) {
      expect(listing.error, listing.name).toBeUndefined()
      expect(listing.description!.length).toBeGreaterThan(40)
      const loaded = await loadExperiment(listing.name, {cwd: tmpdir()})
      expect(resolveExperiment(loaded).writeTemplates.length, listing.name).toBeGreaterThan(0)
    }
  })
})

describe('loading an experiment', () => {
  it('assembles the load from the scenario’s requests and its own, and resolves names, times and signals', async () => {
    const loaded = await loadExperiment(write('mine', VALID), {cwd})
    expect(loaded.file).toBe(join('scenarios', 'chaos', 'mine.yaml'))
    expect(loaded.loadScenarioFile).toMatch(/scenarios[\\/]steady\.yaml$/)
    const experiment = resolveExperiment(loaded)
    expect(experiment.load.requests.map((r) => r.name)).toEqual(['read-resource', 'list-resources', 'whoami', 'write'])
    expect(experiment.load.identities).toHaveProperty('writer')
    expect(experiment.load.phases).toEqual([{name: 'load', durationMs: 30_000, load: {model: 'open', rate: {kind: 'constant', perSecond: 50}}}])
    expect(experiment.writeTemplates).toEqual(['write'])
    expect(experiment.steps).toHaveLength(1)
    expect(experiment.steps[0]).toMatchObject({name: 'kill redis', atMs: 9000, forMs: 12_000, spec: {kind: 'service', verb: 'kill', target: 'redis'}})
    // Default signals of a dead Redis, and the expectation's signal watched once.
    expect(experiment.steps[0].detect.map((s) => s.text)).toEqual(['breaker redis open', 'gateway degraded', 'rate limiter fail-open'])
    expect(experiment.windowMs).toBe(3000)
    expect(experiment.abortRules[0].forMs).toBe(5000)
  })

  it('--duration scales every step, --rate replaces the rate, and the report gets the experiment as run', async () => {
    const loaded = await loadExperiment('mine', {cwd})
    const experiment = resolveExperiment(loaded, {durationMs: 15_000, rate: 20})
    expect(experiment.totalMs).toBe(15_000)
    expect(experiment.steps[0]).toMatchObject({atMs: 4500, forMs: 6000})
    expect(experiment.load.phases[0]).toMatchObject({durationMs: 15_000, load: {rate: {perSecond: 20}}})
    expect(experiment.asRun).toMatchObject({duration: '15s', load: {rate: 20}, method: [{at: '4.5s', for: '6s'}]})
    expect(() => resolveExperiment(loaded, {durationMs: 6_000})).toThrow('--duration 6s leaves step "kill redis" less than 3s of recovery')
  })

  it('builds each kind of fault from its step', async () => {
    write(
      'kinds',
      VALID.replace(
        '  - {at: 9s, for: 12s, kill: redis}',
        [
          '  - {name: slow, at: 3s, for: 4s, toxic: {link: postgres, type: latency, attributes: {latency: 300}}}',
          '  - {at: 3s, for: 4s, cut: redis}',
          '  - {at: 3s, for: 4s, http: {instance: api-2, errorRate: 0.5, delay: 100ms}}',
          '  - {at: 3s, for: 4s, pause: api-1, detect: [api-1 out of rotation]}',
        ].join('\n'),
      ),
    )
    const experiment = resolveExperiment(await loadExperiment('kinds', {cwd}))
    expect(experiment.steps.map((s) => s.spec)).toEqual([
      {kind: 'toxic', link: 'postgres', name: 'scalelab-chaos-mine-1', type: 'latency', stream: 'downstream', toxicity: 1, attributes: {latency: 300}},
      {kind: 'cut', link: 'redis'},
      {kind: 'http', instance: 'api-2', errorRate: 0.5, status: 500, delayMs: 100, delayRate: 1, expiresAfterMs: 34_000},
      {kind: 'service', verb: 'pause', target: 'api-1'},
    ])
    expect(experiment.steps.map((s) => s.name)).toEqual(['slow', 'cut redis', 'http 500 on api-2', 'pause api-1'])
    expect(experiment.steps[3].detect.map((s) => s.text)).toEqual(['api-1 out of rotation'])
  })
})

describe('what is wrong with a file, and where', () => {
  it('a field of the wrong form: file, path, line, what was expected (exit 2)', async () => {
    const error = await errorOf(write('bad-duration', VALID.replace('duration: 30s', 'duration: half a minute')))
    expect(error.exitCode).toBe(2)
    expect(error.message).toBe('Invalid experiment file scenarios/chaos/bad-duration.yaml: duration (line 3): expected a duration such as 10s, 1m, 1m30s or 500ms')
    expect(error.hint).toContain('experiment.schema.json')
  })

  it('a step with two faults, or one that ends too late', async () => {
    const two = await errorOf(write('two', VALID.replace('{at: 9s, for: 12s, kill: redis}', '{at: 9s, for: 12s, kill: redis, cut: postgres}')))
    expect(two.message).toContain('method[0] (line 14): expected exactly one fault (kill, stop, pause, toxic, cut, http), not kill and cut')
    const late = await errorOf(write('late', VALID.replace('for: 12s', 'for: 20s')))
    expect(late.message).toContain('method[0].for (line 14): expected the fault to be rolled back at least 3s before the end (duration 30s), to see the recovery')
  })

  it('toxic attributes per type', async () => {
    const error = await errorOf(write('toxic', VALID.replace('{at: 9s, for: 12s, kill: redis}', '{at: 9s, for: 12s, toxic: {link: redis, type: bandwidth, attributes: {latency: 5}}}')))
    expect(error.message).toContain('method[0].toxic.attributes (line 14): missing rate: a bandwidth toxic takes rate in KB/s')
    expect(error.message).toContain('method[0].toxic.attributes.latency (line 14): unknown attribute of a bandwidth toxic; it takes rate')
  })

  it('expressions: checks, expectations naming no step, abort rules', async () => {
    const error = await errorOf(
      write(
        'expressions',
        VALID.replace('checks: [error_rate < 1%, p99 < 250ms]', 'checks: [error_rate < 1%, all good]')
          .replace('breaker redis opens within 5s of fault', 'breaker redis opens within 5s of kill postgres')
          .replace('[error_rate > 50% for 5s]', '[error_rate > 50%]'),
      ),
    )
    expect(error.message).toContain('steadyState.checks[1] (line 12): "all good" is not a steady-state check')
    expect(error.message).toContain('expectations[0] (line 16): "breaker redis opens within 5s of kill postgres": "of kill postgres" names no step; the steps are "kill redis"')
    expect(error.message).toContain('abort[0] (line 17): "error_rate > 50%" is not an abort rule')
  })

  it('a load without writes, an unknown identity, an unknown scenario', async () => {
    const noWrites = await errorOf(write('nowrites', VALID.replace('method: POST, path: /api/v1/resources', 'method: GET, path: /api/v1/resources')))
    expect(noWrites.message).toMatch(/load \(line 5\): expected writes in the background load: a request template with method: POST and path: \/api\/v1\/resources \(.*steady\.yaml has none\)/)
    const identity = await errorOf(write('identity', VALID.replace('identity: writer, body', 'identity: nobody, body')))
    expect(identity.message).toContain('load.requests[0].identity (line 9): expected one of the identities:')
    const scenario = await errorOf(write('noscenario', VALID.replace('scenario: steady', 'scenario: nonesuch')))
    expect(scenario.message).toContain('load.scenario (line 5): No scenario named "nonesuch".')
  })

  it('an unknown name lists the known ones', async () => {
    const error = await errorOf('kill-everything')
    expect(error.message).toBe('No chaos experiment named "kill-everything".')
    expect(error.hint).toContain('kill-redis')
  })
})
