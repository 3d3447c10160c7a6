// The built service (dist/system/faultproxy/main.js) as the runtimes start it: configured by env,
// proxies from FAULTPROXY_CONFIG, JSON logs on stdout, clean exit on SIGTERM.
import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Toxiproxy} from 'toxiproxy-node-client'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {freePort} from '../../cli/runtime/local/datastores.js'
import {ENTRY_POINTS} from '../../contracts/topology.js'
import {connect, sleep, startTestUpstream, type TestUpstream} from './tcp-test-fixtures.js'

const entry = join(import.meta.dirname, '../..', ENTRY_POINTS.faultproxy)
let dir: string
let upstream: TestUpstream

beforeAll(async () => {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`)
  dir = mkdtempSync(join(tmpdir(), 'scalelab-faultproxy-'))
  upstream = await startTestUpstream({echo: true})
})

afterAll(async () => {
  await upstream?.close()
  if (dir) rmSync(dir, {recursive: true, force: true})
})

interface Running {
  child: ChildProcess
  output: () => string
  exited: Promise<number | null>
}

function run(env: Record<string, string>): Running {
  const child = spawn(process.execPath, [entry], {env: {PATH: process.env.PATH, ...env}, stdio: ['ignore', 'pipe', 'pipe']})
  let output = ''
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return {child, output: () => output, exited}
}

async function waitForApi(url: string, running: Running): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (running.child.exitCode !== null) throw new Error(`fault proxy exited: ${running.output()}`)
    const ok = await fetch(`${url}/version`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) return
    await sleep(50)
  }
  throw new Error(`fault proxy API did not come up: ${running.output()}`)
}

describe('fault proxy service', () => {
  it('serves the API on HOST:PORT with the configured proxies, logs JSON, and stops on SIGTERM', async () => {
    const [apiPort, listenPort] = [await freePort(), await freePort()]
    const config = join(dir, 'proxies.json')
    writeFileSync(config, JSON.stringify([{name: 'redis', listen: `127.0.0.1:${listenPort}`, upstream: upstream.address}]))
    const running = run({HOST: '127.0.0.1', PORT: String(apiPort), LOG_LEVEL: 'info', FAULTPROXY_CONFIG: config, FAULTPROXY_SEED: '3'})
    try {
      const url = `http://127.0.0.1:${apiPort}`
      await waitForApi(url, running)
      const proxies = await new Toxiproxy(url).getAll()
      expect(proxies.redis).toMatchObject({listen: `127.0.0.1:${listenPort}`, upstream: upstream.address, enabled: true})
      const client = await connect(`127.0.0.1:${listenPort}`)
      client.destroy()

      running.child.kill('SIGTERM')
      expect(await running.exited).toBe(0)
      const lines = running.output().trim().split('\n').map((l) => JSON.parse(l))
      expect(lines[0]).toMatchObject({service: 'faultproxy', level: 'info'})
      expect(lines.map((l) => l.msg)).toContain('shutdown: done')
      await expect(connect(`127.0.0.1:${listenPort}`)).rejects.toMatchObject({code: 'ECONNREFUSED'})
    } finally {
      running.child.kill('SIGKILL')
    }
  })

  it('exits 1 with one clear sentence when FAULTPROXY_CONFIG cannot be read', async () => {
    const running = run({PORT: String(await freePort()), FAULTPROXY_CONFIG: join(dir, 'missing.json')})
    expect(await running.exited).toBe(1)
    expect(running.output()).toContain('FAULTPROXY_CONFIG names')
    expect(running.output()).toContain('fix the path or unset FAULTPROXY_CONFIG')
  })

  it('exits 1 naming the variable when PORT is not a port', async () => {
    const running = run({PORT: 'eighty'})
    expect(await running.exited).toBe(1)
    expect(running.output()).toContain('PORT')
  })
})
