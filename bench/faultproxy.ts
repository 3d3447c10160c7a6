// Fault proxy overhead with no toxic: Redis PING round trips (sequential p50/p99) and pipelined
// throughput, direct vs through the proxy, against a private redis-server, interleaved over a
// few rounds and reported as medians. The proxy runs as its own process, as in the lab. A bare
// Node socket.pipe() proxy (own process too) is measured alongside as the floor a Node proxy can
// reach, so "close to a plain socket pipe" is a measured figure.
//
//   node dist/bench/faultproxy.js [--json] [--rounds N] [--seconds S]
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import net from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import * as hdr from 'hdr-histogram-js'
import {Toxiproxy} from 'toxiproxy-node-client'
import {freePort, pingRedis, spawnRedis, waitFor, type SpawnedProcess} from '../cli/runtime/local/datastores.js'

interface Options {
  json: boolean
  rounds: number
  /** Length of each pipelined throughput run. */
  seconds: number
  sequentialPings: number
  connections: number
  depth: number
}

interface Figures {
  p50Ms: number
  p99Ms: number
  opsPerSecond: number
}

const BUDGET_MS = 55_000

/** The reference: the least a Node TCP proxy can do (no toxics, no API, no bookkeeping). */
const PLAIN_PIPE_SOURCE = `
const net = require('node:net')
const [upstreamPort] = process.argv.slice(1).map(Number)
const server = net.createServer({noDelay: true}, (client) => {
  const upstream = net.connect({host: '127.0.0.1', port: upstreamPort, noDelay: true})
  client.pipe(upstream)
  upstream.pipe(client)
  client.on('error', () => upstream.destroy())
  upstream.on('error', () => client.destroy())
})
server.listen(0, '127.0.0.1', () => console.log(server.address().port))
`
const PONG = '+PONG\r\n'.length

function parseArgs(argv: string[]): Options {
  const value = (name: string, fallback: number) => {
    const i = argv.indexOf(name)
    if (i < 0) return fallback
    const n = Number(argv[i + 1])
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} takes a positive number, e.g. ${name} ${fallback}`)
    return n
  }
  return {json: argv.includes('--json'), rounds: value('--rounds', 3), seconds: value('--seconds', 2), sequentialPings: 2000, connections: 4, depth: 64}
}

function connectTo(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({host: '127.0.0.1', port, noDelay: true}, () => resolve(socket))
    socket.once('error', reject)
  })
}

/** One connection, one PING at a time; round trips in microseconds into an HDR histogram. */
async function sequentialPings(port: number, count: number): Promise<{p50Ms: number; p99Ms: number}> {
  const socket = await connectTo(port)
  const histogram = hdr.build({lowestDiscernibleValue: 1, highestTrackableValue: 10_000_000, numberOfSignificantValueDigits: 3})
  let received = 0
  let wake: (() => void) | undefined
  socket.on('data', (d: Buffer) => {
    received += d.length
    wake?.()
  })
  try {
    for (let i = 1; i <= count; i++) {
      const began = process.hrtime.bigint()
      await new Promise<void>((resolve) => {
        wake = () => {
          if (received >= i * PONG) resolve()
        }
        socket.write('PING\r\n')
      })
      histogram.recordValue(Number(process.hrtime.bigint() - began) / 1000)
    }
    return {p50Ms: histogram.getValueAtPercentile(50) / 1000, p99Ms: histogram.getValueAtPercentile(99) / 1000}
  } finally {
    socket.destroy()
    histogram.destroy()
  }
}

/** `connections` sockets each keeping `depth` PINGs in flight for `seconds`; completed per second. */
async function pipelinedThroughput(port: number, connections: number, depth: number, seconds: number): Promise<number> {
  const sockets = await Promise.all(Array.from({length: connections}, () => connectTo(port)))
  const deadline = performance.now() + seconds * 1000
  const batch = (n: number) => 'PING\r\n'.repeat(n)
  let completedInTime = 0
  try {
    await Promise.all(
      sockets.map(
        (socket) =>
          new Promise<void>((resolve) => {
            let bytes = 0
            let completed = 0
            let sent = depth
            socket.on('data', (d: Buffer) => {
              bytes += d.length
              const now = Math.floor(bytes / PONG)
              const fresh = now - completed
              completed = now
              if (performance.now() < deadline) {
                completedInTime += fresh
                sent += fresh
                socket.write(batch(fresh))
              } else if (completed === sent) {
                resolve()
              }
            })
            socket.write(batch(depth))
          }),
      ),
    )
    return completedInTime / seconds
  } finally {
    for (const s of sockets) s.destroy()
  }
}

async function measure(port: number, options: Options): Promise<Figures> {
  const sequential = await sequentialPings(port, options.sequentialPings)
  const opsPerSecond = await pipelinedThroughput(port, options.connections, options.depth, options.seconds)
  return {...sequential, opsPerSecond}
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

function medians(rounds: Figures[]): Figures {
  return {
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    opsPerSecond: median(rounds.map((r) => r.opsPerSecond)),
  }
}

function stop(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill(signal)
  })
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2))
  const began = performance.now()
  const dir = mkdtempSync(join(tmpdir(), 'scalelab-bench-faultproxy-'))
  let redis: SpawnedProcess | undefined
  let faultProxy: ChildProcess | undefined
  let plainPipe: ChildProcess | undefined
  const cleanup = async () => {
    await stop(plainPipe, 'SIGTERM')
    await stop(faultProxy, 'SIGTERM')
    await stop(redis?.child, 'SIGTERM')
    rmSync(dir, {recursive: true, force: true})
  }
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)))
  try {
    const redisPort = await freePort()
    redis = spawnRedis({dir, port: redisPort, detached: false, appendOnly: false})
    if (!(await waitFor(() => pingRedis('127.0.0.1', redisPort, 300), 10_000, 50))) throw new Error('redis-server did not start; is it installed (apt-get install redis-server)?')

    const apiPort = await freePort()
    const entry = join(import.meta.dirname, '..', 'system', 'faultproxy', 'main.js')
    faultProxy = spawn(process.execPath, [entry], {env: {...process.env, HOST: '127.0.0.1', PORT: String(apiPort), LOG_LEVEL: 'warn'}, stdio: 'ignore'})
    const api = new Toxiproxy(`http://127.0.0.1:${apiPort}`)
    const apiUp = await waitFor(() => api.getVersion().then(() => true, () => false), 10_000, 50)
    if (!apiUp) throw new Error(`the fault proxy did not start from ${entry}; run \`npm run build\` first`)
    const proxy = await api.createProxy({name: 'redis', listen: '127.0.0.1:0', upstream: `127.0.0.1:${redisPort}`})
    const proxyPort = Number(proxy.listen.split(':')[1])

    plainPipe = spawn(process.execPath, ['-e', PLAIN_PIPE_SOURCE, String(redisPort)], {stdio: ['ignore', 'pipe', 'ignore']})
    const plainPort = await new Promise<number>((resolve, reject) => {
      plainPipe!.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())))
      plainPipe!.once('exit', () => reject(new Error('the plain pipe reference proxy did not start')))
    })

    const direct: Figures[] = []
    const proxied: Figures[] = []
    const plain: Figures[] = []
    const targets: [number, Figures[]][] = [
      [redisPort, direct],
      [proxyPort, proxied],
      [plainPort, plain],
    ]
    for (const [port] of targets) await measure(port, {...options, sequentialPings: 200, seconds: 0.3}) // warm up
    const roundMs = 3 * (options.seconds * 1000 + 1000)
    for (let round = 0; round < options.rounds; round++) {
      // Rotate which goes first so drift on a shared machine does not favour one side.
      for (let i = 0; i < targets.length; i++) {
        const [port, results] = targets[(i + round) % targets.length]
        results.push(await measure(port, options))
      }
      if (performance.now() - began + roundMs > BUDGET_MS) break
    }

    const d = medians(direct)
    const p = medians(proxied)
    const pipe = medians(plain)
    const result = {
      bench: 'faultproxy',
      workload: {
        sequentialPings: options.sequentialPings,
        pipelined: {connections: options.connections, depth: options.depth, seconds: options.seconds},
        rounds: direct.length,
      },
      direct: d,
      proxy: p,
      plainPipe: pipe,
      ratio: {p50: p.p50Ms / d.p50Ms, p99: p.p99Ms / d.p99Ms, throughput: p.opsPerSecond / d.opsPerSecond},
      ratioToPlainPipe: {p50: p.p50Ms / pipe.p50Ms, p99: p.p99Ms / pipe.p99Ms, throughput: p.opsPerSecond / pipe.opsPerSecond},
      addedMs: {p50: p.p50Ms - d.p50Ms, p99: p.p99Ms - d.p99Ms},
      rounds: direct.map((r, i) => ({direct: r, proxy: proxied[i], plainPipe: plain[i]})),
      elapsedSeconds: (performance.now() - began) / 1000,
    }
    if (options.json) {
      console.log(JSON.stringify(result))
      return
    }
    const row = (label: string, values: number[], digits: number, ratios: number[]) =>
      label.padEnd(28) + values.map((v) => v.toFixed(digits).padStart(12)).join('') + ratios.map((r) => `${r.toFixed(2)}x`.padStart(14)).join('')
    const heads = ['direct', 'proxy', 'plain pipe'].map((h) => h.padStart(12)).join('') + ['proxy/direct', 'proxy/pipe'].map((h) => h.padStart(14)).join('')
    console.log(`fault proxy overhead, Redis PING, no toxics (medians of ${direct.length} interleaved rounds)`)
    console.log(`${''.padEnd(28)}${heads}`)
    console.log(row('sequential p50 (ms)', [d.p50Ms, p.p50Ms, pipe.p50Ms], 3, [result.ratio.p50, result.ratioToPlainPipe.p50]))
    console.log(row('sequential p99 (ms)', [d.p99Ms, p.p99Ms, pipe.p99Ms], 3, [result.ratio.p99, result.ratioToPlainPipe.p99]))
    console.log(
      row(`pipelined ops/s (${options.connections}x${options.depth})`, [d.opsPerSecond, p.opsPerSecond, pipe.opsPerSecond], 0, [result.ratio.throughput, result.ratioToPlainPipe.throughput]),
    )
    console.log(
      `added by the proxy: p50 +${result.addedMs.p50.toFixed(3)} ms, p99 +${result.addedMs.p99.toFixed(3)} ms; ` +
        `throughput ${(result.ratio.throughput * 100).toFixed(0)}% of direct, ${(result.ratioToPlainPipe.throughput * 100).toFixed(0)}% of a plain Node pipe (${result.elapsedSeconds.toFixed(1)} s)`,
    )
  } finally {
    await cleanup()
  }
}

main().catch((err: unknown) => {
  console.error(`bench faultproxy: ${(err as Error).message}`)
  process.exitCode = 1
})
