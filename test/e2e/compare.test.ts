// `report compare` on real runs: two sets of `bench steady --repeat 3` from the same code compare
// as no regression (exit 0); a third set run while a latency toxic slows every request through the
// gateway's Redis link compares as a regression (exit 4). A private lab on a random port range with
// its state in a temp dir. Needs `npm run build` first (npm test does it).
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {execa} from 'execa'
import {Toxiproxy} from 'toxiproxy-node-client'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Comparison} from '../../cli/report/compare.js'
import {freePortBase, tempStateDir} from '../support/fixture-lab.js'

const root = join(import.meta.dirname, '..', '..')
let home: ReturnType<typeof tempStateDir>
let cwd: string
let portBase: number

function scalelab(args: string[], timeout = 180_000) {
  return execa(process.execPath, [join(root, 'bin', 'run.js'), ...args], {
    cwd,
    reject: false,
    env: {SCALELAB_HOME: home.dir, SCALELAB_PORT_BASE: String(portBase), NO_COLOR: '1', CI: '1', GITHUB_STEP_SUMMARY: undefined},
    timeout,
  })
}

/** Three short repeats of `steady` into `dir` (threshold verdicts do not matter here, only the figures). */
async function benchSet(dir: string): Promise<void> {
  const r = await scalelab(['bench', 'steady', '--duration', '8s', '--repeat', '3', '--no-up', '--no-ui', '--out', join(cwd, dir)])
  expect([0, 3], `bench exit ${r.exitCode}: ${r.stderr}`).toContain(r.exitCode)
}

async function compare(baseline: string, current: string) {
  const r = await scalelab(['report', 'compare', join(cwd, baseline), join(cwd, current), '--json'])
  return {exitCode: r.exitCode, comparison: JSON.parse(r.stdout) as Comparison, stderr: r.stderr}
}

beforeAll(async () => {
  home = tempStateDir()
  cwd = mkdtempSync(join(tmpdir(), 'scalelab-compare-cwd-'))
  portBase = await freePortBase(3)
  const up = await scalelab(['up', '--runtime', 'local'])
  if (up.exitCode !== 0) throw new Error(`scalelab up failed:\n${up.stdout}\n${up.stderr}`)
}, 180_000)

afterAll(async () => {
  if (home) {
    await scalelab(['down', '--purge'])
    home.remove()
  }
  if (cwd) rmSync(cwd, {recursive: true, force: true})
}, 120_000)

describe('report compare on real repeated runs', () => {
  it('two sets from the same code: no regression, exit 0; a set slowed by a latency toxic: regression, exit 4', async () => {
    await benchSet('a')
    await benchSet('b')
    const same = await compare('a', 'b')
    expect(same.exitCode, same.stderr).toBe(0)
    expect(same.comparison.regression).toBe(false)
    expect(same.comparison.counts.regression).toBe(0)
    expect(same.comparison.baseline.runs).toHaveLength(3)
    expect(same.comparison.current.runs).toHaveLength(3)

    // Every request through the gateway makes one rate-limit call to Redis: 40 ms more on that link
    // slows every request by at least that much.
    const toxiproxy = new Toxiproxy(`http://127.0.0.1:${portBase + 2}`)
    const redisLink = await toxiproxy.get('redis')
    await redisLink.addToxic({name: 'slow', type: 'latency', stream: 'downstream', toxicity: 1, attributes: {latency: 40, jitter: 0}})
    try {
      await benchSet('slow')
    } finally {
      await toxiproxy.reset()
    }
    const slowed = await compare('a', 'slow')
    expect(slowed.exitCode, slowed.stderr).toBe(4)
    expect(slowed.comparison.regression).toBe(true)
    const p50 = slowed.comparison.metrics.find((m) => m.metric === 'p50' && m.phase === 'steady')
    expect(p50?.status).toBe('regression')
    expect(p50?.current.median).toBeGreaterThan(40)
  }, 420_000)
})
