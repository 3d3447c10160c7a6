// What each hop costs: the same trivial backends measured directly, through nginx, through our
// balancer, and through gateway + balancer (anonymous and API-key traffic, limits set too high to
// trigger), with one load generator, interleaved rounds and medians. Besides req/s it reports the
// CPU each hop's processes spent per request (user and system µs), which a busy machine blurs less.
//
//   node dist/bench/hops.js [--json] [--loadgen wrk|autocannon] [--rounds 3] [--duration 5]
//                           [--connections 50] [--nginx-workers 1] [--targets direct,nginx,...]
//                           [--baseline <dir of another build>] [--cpu-prof-dir <dir>]
//
// --baseline adds rows that run the balancer and gateway of another build (a directory holding its
// dist/), so before and after are measured in one run. Targets are a list of {key, name, start()}.
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import autocannon from 'autocannon'
import {freePort} from '../cli/runtime/local/datastores.js'
import {startTestPostgres, startTestRedis} from '../test/support/datastores.js'
import {API_KEY_HEADER} from '../contracts/identity.js'
import {SEED_API_KEYS} from '../contracts/seed.js'
import {ENTRY_POINTS} from '../contracts/topology.js'

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

// ---------- options ----------

interface Options {
  json: boolean
  loadgen: 'wrk' | 'autocannon'
  rounds: number
  durationSec: number
  warmupSec: number
  connections: number
  nginxWorkers: number
  /** Keys of the rows to run (all when absent). */
  targets?: string[]
  /** Root of another build whose balancer and gateway get "before" rows. */
  baseline?: string
  cpuProfDir?: string
}

function parseOptions(argv: string[]): Options {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag)
    return i === -1 ? undefined : argv[i + 1]
  }
  const int = (flag: string, def: number, min: number, max: number) => {
    const raw = value(flag)
    const n = raw === undefined ? def : Number(raw)
    if (!Number.isInteger(n) || n < min || n > max) usage(`${flag} must be a whole number from ${min} to ${max}`)
    return n
  }
  const loadgen = value('--loadgen') ?? (which('wrk') ? 'wrk' : 'autocannon')
  if (loadgen !== 'wrk' && loadgen !== 'autocannon') usage('--loadgen must be wrk or autocannon')
  if (loadgen === 'wrk' && !which('wrk')) usage('wrk is not installed: apt-get install -y wrk, or pass --loadgen autocannon')
  return {
    json: argv.includes('--json'),
    loadgen,
    rounds: int('--rounds', 3, 1, 20),
    durationSec: int('--duration', 5, 1, 60),
    warmupSec: int('--warmup', 2, 0, 30),
    connections: int('--connections', 50, 1, 1000),
    nginxWorkers: int('--nginx-workers', 1, 1, 16),
    targets: value('--targets')?.split(',').map((t) => t.trim()).filter(Boolean),
    baseline: baselineRoot(value('--baseline')),
    cpuProfDir: value('--cpu-prof-dir') && resolve(value('--cpu-prof-dir')!),
  }
}

function baselineRoot(dir: string | undefined): string | undefined {
  if (dir === undefined) return undefined
  const root = resolve(dir)
  for (const entry of [ENTRY_POINTS.balancer, ENTRY_POINTS.gateway]) {
    if (!existsSync(join(root, entry))) usage(`--baseline ${dir}: ${entry} is missing there; build that tree first (npx tsc -p tsconfig.json)`)
  }
  return root
}

function usage(message: string): never {
  console.error(`hops: ${message}`)
  process.exit(2)
}

function which(cmd: string): string | undefined {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/sbin', ...(process.env.PATH ?? '').split(':')]) {
    const p = join(dir, cmd)
    if (dir && existsSync(p)) return p
  }
  return undefined
}

// ---------- processes ----------

async function waitForHttp(url: string, timeoutMs: number, accept = (status: number, body: string) => status === 200 && body.length >= 0): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const res = await fetch(url, {signal: AbortSignal.timeout(500)})
      if (accept(res.status, await res.text())) return
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

interface Proc {
  child: ChildProcess
  stop(): Promise<void>
}

function startProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(cmd, args, {stdio: ['ignore', 'ignore', 'pipe'], env: {...process.env, ...env}})
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)))
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal === null && code !== null) console.error(`hops: ${cmd} exited with ${code}: ${stderr.trim()}`)
  })
  return {
    child,
    stop: () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null || child.signalCode !== null) return res()
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000)
        child.once('exit', () => {
          clearTimeout(kill)
          res()
        })
        child.kill('SIGTERM')
      }),
  }
}

interface CpuTime {
  user: number
  system: number
}

/** CPU seconds a live process and its children (nginx's workers) have used, from /proc. */
function cpuTime(pid: number | undefined): CpuTime | undefined {
  if (pid === undefined) return undefined
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // utime, stime in clock ticks (USER_HZ = 100)
    const t = {user: Number(fields[11]) / 100, system: Number(fields[12]) / 100}
    for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean)) {
      const c = cpuTime(Number(child))
      if (c) {
        t.user += c.user
        t.system += c.system
      }
    }
    return t
  } catch {
    return undefined
  }
}

/** Summed CPU of several processes; undefined when any cannot be read. */
function cpuOf(pids: number[]): CpuTime | undefined {
  let sum: CpuTime | undefined = {user: 0, system: 0}
  for (const pid of pids) {
    const t = cpuTime(pid)
    if (t === undefined || sum === undefined) return undefined
    sum = {user: sum.user + t.user, system: sum.system + t.system}
  }
  return sum
}

const cpuSeconds = (pid: number | undefined): number | undefined => {
  const t = cpuTime(pid)
  return t === undefined ? undefined : t.user + t.system
}

// A trivial backend: a small JSON answer, keep-alive, nothing else.
const TRIVIAL_BACKEND = `
const http = require('node:http')
const body = Buffer.from(JSON.stringify({ok: true, data: {id: 1, name: 'hops'}}))
http.createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    res.writeHead(200, {'content-type': 'application/json', 'content-length': body.length})
    res.end(body)
  })
}).listen(Number(process.argv[1]), '127.0.0.1')
`

// ---------- targets ----------

export interface TargetContext {
  backends: string[] // host:port of the trivial backends
  options: Options
  tmp: string
  /** A private Redis and a migrated, seeded Postgres, started on first use and shared by the rows. */
  datastores(): Promise<Datastores>
}

export interface RunningTarget {
  url: string
  /** Request headers every request of this row carries. */
  headers?: Record<string, string>
  /** The processes doing the hop(s), for their CPU use (empty for the direct row). */
  pids: number[]
  stop(): Promise<void>
}

export interface Target {
  /** Short name for --targets. */
  key: string
  name: string
  /** Why this row cannot run here (it is then skipped and says so), or undefined. */
  unavailable?(ctx: TargetContext): string | undefined
  start(ctx: TargetContext): Promise<RunningTarget>
}

/** Every row requests this path: the gateway routes only /api/v1/*, the others ignore it. */
const PATH = '/api/v1/resources/1'

const direct: Target = {
  key: 'direct',
  name: 'direct (one backend)',
  async start(ctx) {
    return {url: `http://${ctx.backends[0]}${PATH}`, pids: [], stop: async () => undefined}
  },
}

const nginx: Target = {
  key: 'nginx',
  name: 'nginx least_conn',
  unavailable: () => (which('nginx') ? undefined : 'nginx is not installed (apt-get install -y nginx-light)'),
  async start(ctx) {
    const port = await freePort()
    const dir = mkdtempSync(join(ctx.tmp, 'nginx-'))
    const conf = `
${process.getuid?.() === 0 ? 'user root root;' : ''}
worker_processes ${ctx.options.nginxWorkers};
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream backends {
    least_conn;
${ctx.backends.map((b) => `    server ${b};`).join('\n')}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://backends;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`
    writeFileSync(join(dir, 'nginx.conf'), conf)
    const proc = startProcess(which('nginx')!, ['-e', join(dir, 'error.log'), '-p', dir, '-c', join(dir, 'nginx.conf')])
    const url = `http://127.0.0.1:${port}${PATH}`
    await waitForHttp(url, 10_000)
    return {url, pids: [proc.child.pid!], stop: proc.stop}
  },
}

const missingBuild = (root: string) => () => (existsSync(join(root, ENTRY_POINTS.balancer)) && existsSync(join(root, ENTRY_POINTS.gateway)) ? undefined : `${ENTRY_POINTS.balancer} is missing: run npm run build`)

/** Node flags for a hop process: a V8 CPU profile per process when --cpu-prof-dir is given. */
const nodeArgs = (ctx: TargetContext, entry: string): string[] => (ctx.options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${ctx.options.cpuProfDir}`, entry] : [entry])

async function startBalancerProcess(ctx: TargetContext, root: string, instanceId: string): Promise<{url: string; proc: Proc}> {
  const port = await freePort()
  const proc = startProcess(process.execPath, nodeArgs(ctx, join(root, ENTRY_POINTS.balancer)), {
    HOST: '127.0.0.1',
    PORT: String(port),
    INSTANCE_ID: instanceId,
    BACKENDS: ctx.backends.map((b, i) => `api-${i + 1}=${b}`).join(','),
    LB_HEALTH_PATH: '/',
    LOG_LEVEL: 'warn',
  })
  const url = `http://127.0.0.1:${port}`
  await waitForHttp(`${url}/ready`, 10_000, (status, body) => status === 200 && body.includes('"ready"'))
  return {url, proc}
}

function balancerTarget(key: string, name: string, root: string): Target {
  return {
    key,
    name,
    unavailable: missingBuild(root),
    async start(ctx) {
      const {url, proc} = await startBalancerProcess(ctx, root, 'balancer-bench')
      return {url: url + PATH, pids: [proc.child.pid!], stop: proc.stop}
    },
  }
}

/** Limits far above what a run can send, so the rows measure the limiter's cost and never a 429. */
const UNREACHABLE_LIMITS = 'anonymous=1000000000,free=1000000000,pro=1000000000,enterprise=1000000000'

/** Gateway → its own balancer → the trivial backends; the hop CPU is both processes'. */
function gatewayTarget(key: string, name: string, root: string, headers: Record<string, string>, env: Record<string, string> = {}): Target {
  return {
    key,
    name,
    unavailable: (ctx) => missingBuild(root)() ?? datastoresUnavailable(ctx),
    async start(ctx) {
      const stores = await ctx.datastores()
      const lb = await startBalancerProcess(ctx, root, `balancer-${key}`)
      const port = await freePort()
      const gw = startProcess(process.execPath, nodeArgs(ctx, join(root, ENTRY_POINTS.gateway)), {
        HOST: '127.0.0.1',
        PORT: String(port),
        INSTANCE_ID: `gateway-${key}`,
        UPSTREAM_URL: lb.url,
        REDIS_URL: stores.redisUrl,
        DATABASE_URL: stores.databaseUrl,
        GATEWAY_SECRET: 'hops-bench-secret',
        RATE_LIMITS: UNREACHABLE_LIMITS,
        LOG_LEVEL: 'warn',
        ...env,
      })
      const url = `http://127.0.0.1:${port}`
      await waitForHttp(`${url}/ready`, 15_000, (status, body) => status === 200 && body.includes('"ready"'))
      return {
        url: url + PATH,
        headers,
        pids: [gw.child.pid!, lb.proc.child.pid!],
        stop: async () => {
          await gw.stop()
          await lb.proc.stop()
        },
      }
    },
  }
}

// ---------- datastores (gateway rows) ----------

interface Datastores {
  redisUrl: string
  databaseUrl: string
  stop(): Promise<void>
}

function datastoresUnavailable(_ctx: TargetContext): string | undefined {
  if (!which('redis-server')) return 'redis-server is not installed (apt-get install -y redis-server)'
  if (!which('postgres') && !existsSync('/usr/lib/postgresql')) return 'postgres is not installed (apt-get install -y postgresql)'
  return undefined
}

/** A private redis-server and a migrated, seeded postgres (the same ones the tests use). */
async function startDatastores(): Promise<Datastores> {
  const [redis, postgres] = await Promise.all([startTestRedis(), startTestPostgres({seedResources: 0})])
  return {redisUrl: redis.url, databaseUrl: postgres.url, stop: async () => void (await Promise.all([redis.stop(), postgres.stop()]))}
}

const GATEWAY_ANON = 'gw+lb anonymous'
const GATEWAY_KEY = 'gw+lb api key'
/** The same gateway with rate limiting off: what the limiter costs, apart from the hop itself. */
const NO_LIMITER = {RATE_LIMIT_MODE: 'off'}
const UNLIMITED = 'no limiter'
const apiKeyHeaders = {[API_KEY_HEADER]: SEED_API_KEYS.enterprise}

/** The rows, in order; --baseline adds the "before" rows of another build after them. */
export function targetsFor(options: Options): Target[] {
  const list: Target[] = [
    direct,
    nginx,
    balancerTarget('balancer', 'scalelab balancer', PACKAGE_ROOT),
    gatewayTarget('gateway-anon', GATEWAY_ANON, PACKAGE_ROOT, {}),
    gatewayTarget('gateway-key', GATEWAY_KEY, PACKAGE_ROOT, apiKeyHeaders),
    gatewayTarget('gateway-anon-nolimit', `${GATEWAY_ANON}, ${UNLIMITED}`, PACKAGE_ROOT, {}, NO_LIMITER),
    gatewayTarget('gateway-key-nolimit', `${GATEWAY_KEY}, ${UNLIMITED}`, PACKAGE_ROOT, apiKeyHeaders, NO_LIMITER),
  ]
  if (options.baseline) {
    list.push(
      balancerTarget('balancer-before', 'balancer (before)', options.baseline),
      gatewayTarget('gateway-anon-before', `${GATEWAY_ANON} (before)`, options.baseline, {}),
      gatewayTarget('gateway-key-before', `${GATEWAY_KEY} (before)`, options.baseline, apiKeyHeaders),
    )
  }
  if (!options.targets) return list
  const unknown = options.targets.filter((k) => !list.some((t) => t.key === k))
  if (unknown.length) usage(`--targets: unknown ${unknown.join(', ')} (choose from ${list.map((t) => t.key).join(', ')})`)
  return list.filter((t) => options.targets!.includes(t.key))
}

// ---------- load ----------

interface Sample {
  rps: number
  requests: number
  p50Ms: number
  p99Ms: number
  errors: number
  non2xx: number
  /** CPU use of the hop's processes and of the load generator, in cores (1 = one core busy). */
  targetCores?: number
  loadgenCores?: number
  /** CPU the hop's processes spent per request, µs. */
  userUsPerRequest?: number
  systemUsPerRequest?: number
}

const WRK_REPORT = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('HOPS {"requests":%d,"durationUs":%d,"errors":%d,"non2xx":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
`

async function runWrk(url: string, headers: Record<string, string>, seconds: number, connections: number, tmp: string): Promise<Sample> {
  const script = join(tmp, 'report.lua')
  if (!existsSync(script)) writeFileSync(script, WRK_REPORT)
  const headerArgs = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`])
  const child = spawn(which('wrk')!, ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', '-s', script, ...headerArgs, url], {stdio: ['ignore', 'pipe', 'pipe']})
  let out = ''
  let lastCpu: number | undefined
  const poll = setInterval(() => (lastCpu = cpuSeconds(child.pid) ?? lastCpu), 200)
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const code = await new Promise<number | null>((res) => child.once('exit', res))
  clearInterval(poll)
  const line = out.split('\n').find((l) => l.startsWith('HOPS '))
  if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}): ${out.trim().slice(-500)}`)
  const r = JSON.parse(line.slice(5)) as {requests: number; durationUs: number; errors: number; non2xx: number; p50Us: number; p99Us: number}
  return {
    rps: r.requests / (r.durationUs / 1e6),
    requests: r.requests,
    p50Ms: r.p50Us / 1000,
    p99Ms: r.p99Us / 1000,
    errors: r.errors,
    non2xx: r.non2xx,
    loadgenCores: lastCpu === undefined ? undefined : lastCpu / seconds,
  }
}

async function runAutocannon(url: string, headers: Record<string, string>, seconds: number, connections: number): Promise<Sample> {
  const cpuBefore = process.cpuUsage()
  const result = await autocannon({url, headers, connections, duration: seconds, pipelining: 1})
  const cpu = process.cpuUsage(cpuBefore)
  return {
    rps: result.requests.total / seconds,
    requests: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    loadgenCores: (cpu.user + cpu.system) / 1e6 / seconds,
  }
}

async function measure(target: RunningTarget, seconds: number, options: Options, tmp: string): Promise<Sample> {
  const headers = target.headers ?? {}
  const cpuBefore = target.pids.length ? cpuOf(target.pids) : undefined
  const began = Date.now()
  const sample = options.loadgen === 'wrk' ? await runWrk(target.url, headers, seconds, options.connections, tmp) : await runAutocannon(target.url, headers, seconds, options.connections)
  const cpuAfter = target.pids.length ? cpuOf(target.pids) : undefined
  if (cpuBefore !== undefined && cpuAfter !== undefined) {
    const user = cpuAfter.user - cpuBefore.user
    const system = cpuAfter.system - cpuBefore.system
    sample.targetCores = (user + system) / ((Date.now() - began) / 1000)
    if (sample.requests > 0) {
      sample.userUsPerRequest = (user * 1e6) / sample.requests
      sample.systemUsPerRequest = (system * 1e6) / sample.requests
    }
  }
  return sample
}

// ---------- report ----------

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

interface Row {
  name: string
  skipped?: string
  rps?: number
  p50Ms?: number
  p99Ms?: number
  errors?: number
  targetCores?: number
  loadgenCores?: number
  userUsPerRequest?: number
  systemUsPerRequest?: number
  rounds?: Sample[]
}

function summarize(name: string, samples: Sample[]): Row {
  const opt = (xs: (number | undefined)[]) => (xs.every((x) => x !== undefined) ? median(xs as number[]) : undefined)
  return {
    name,
    rps: median(samples.map((s) => s.rps)),
    p50Ms: median(samples.map((s) => s.p50Ms)),
    p99Ms: median(samples.map((s) => s.p99Ms)),
    errors: samples.reduce((n, s) => n + s.errors + s.non2xx, 0),
    targetCores: opt(samples.map((s) => s.targetCores)),
    loadgenCores: opt(samples.map((s) => s.loadgenCores)),
    userUsPerRequest: opt(samples.map((s) => s.userUsPerRequest)),
    systemUsPerRequest: opt(samples.map((s) => s.systemUsPerRequest)),
    rounds: samples,
  }
}

interface Ratio {
  name: string
  value: number | null
  target: number
}

/**
 * The issue's targets: balancer ÷ nginx ≥ 0.6; gateway + balancer ÷ balancer ≥ 0.75 (both kinds of
 * traffic). And the limiter's own share: the gateway with its Redis-backed limiter ÷ the same
 * gateway without one (the rest is the hop: auth, proxying, a second process on the path).
 */
function ratiosOf(rows: Map<string, Row>): Ratio[] {
  const rps = (key: string) => rows.get(key)?.rps
  const ratio = (name: string, a: string, b: string, target: number): Ratio | undefined => {
    if (!rows.has(a) || !rows.has(b)) return undefined
    const x = rps(a)
    const y = rps(b)
    return {name, value: x !== undefined && y !== undefined && y > 0 ? x / y : null, target}
  }
  return [
    ratio('balancer ÷ nginx', 'balancer', 'nginx', 0.6),
    ratio(`${GATEWAY_ANON} ÷ balancer`, 'gateway-anon', 'balancer', 0.75),
    ratio(`${GATEWAY_KEY} ÷ balancer`, 'gateway-key', 'balancer', 0.75),
    ratio(`${GATEWAY_ANON} ÷ ${UNLIMITED}`, 'gateway-anon', 'gateway-anon-nolimit', 0.75),
    ratio(`${GATEWAY_KEY} ÷ ${UNLIMITED}`, 'gateway-key', 'gateway-key-nolimit', 0.75),
    ratio('balancer (before) ÷ nginx', 'balancer-before', 'nginx', 0.6),
    ratio(`${GATEWAY_ANON} (before) ÷ balancer (before)`, 'gateway-anon-before', 'balancer-before', 0.75),
    ratio(`${GATEWAY_KEY} (before) ÷ balancer (before)`, 'gateway-key-before', 'balancer-before', 0.75),
  ].filter((r): r is Ratio => r !== undefined)
}

function printTable(rows: Row[], ratios: Ratio[], options: Options): void {
  const f = (n: number | undefined, digits: number) => (n === undefined ? '-' : n.toFixed(digits))
  const w = 28
  const lines = [
    `hops: ${options.loadgen}, ${options.connections} connections, ${options.rounds} interleaved rounds of ${options.durationSec}s, medians; nginx ${options.nginxWorkers} worker(s)`,
    '',
    `${'target'.padEnd(w)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(7)} ${'hop cpu'.padStart(8)} ${'µs/req'.padStart(7)} ${'usr'.padStart(6)} ${'sys'.padStart(6)} ${'gen cpu'.padStart(8)}`,
  ]
  for (const r of rows) {
    if (r.skipped) {
      lines.push(`${r.name.padEnd(w)} skipped: ${r.skipped}`)
      continue
    }
    const perReq = r.userUsPerRequest === undefined || r.systemUsPerRequest === undefined ? undefined : r.userUsPerRequest + r.systemUsPerRequest
    lines.push(
      `${r.name.padEnd(w)} ${f(r.rps, 0).padStart(9)} ${f(r.p50Ms, 2).padStart(8)} ${f(r.p99Ms, 2).padStart(8)} ${String(r.errors).padStart(7)} ${f(r.targetCores, 2).padStart(8)} ${f(perReq, 1).padStart(7)} ${f(r.userUsPerRequest, 1).padStart(6)} ${f(r.systemUsPerRequest, 1).padStart(6)} ${f(r.loadgenCores, 2).padStart(8)}`,
    )
  }
  lines.push('')
  for (const r of ratios) {
    const verdict = r.value === null ? 'n/a (a row was skipped)' : `${r.value.toFixed(2)} (target ≥ ${r.target.toFixed(2)}${r.value >= r.target ? ', met' : ', not met'})`
    lines.push(`${`${r.name} (req/s):`.padEnd(52)} ${verdict}`)
  }
  lines.push('hop cpu: cores used by the hop processes (gateway rows: gateway + its balancer); µs/req = usr + sys CPU per request.')
  console.log(lines.join('\n'))
}

// ---------- main ----------

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2))
  const tmp = mkdtempSync(join(tmpdir(), 'scalelab-hops-'))
  const processes: Proc[] = []
  const running = new Map<Target, RunningTarget>()
  let stores: Promise<Datastores> | undefined
  const log = (msg: string) => {
    if (!options.json) process.stderr.write(`${msg}\n`)
  }
  const cleanup = async () => {
    await Promise.all([...running.values()].map((t) => t.stop().catch(() => undefined)))
    const started = await stores?.catch(() => undefined)
    await Promise.all([...processes.map((p) => p.stop()), started?.stop()])
    rmSync(tmp, {recursive: true, force: true})
  }
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)))
  try {
    const backends: string[] = []
    for (let i = 0; i < 2; i++) {
      const port = await freePort()
      processes.push(startProcess(process.execPath, ['-e', TRIVIAL_BACKEND, String(port)]))
      backends.push(`127.0.0.1:${port}`)
      await waitForHttp(`http://127.0.0.1:${port}/`, 10_000)
    }
    const ctx: TargetContext = {backends, options, tmp, datastores: () => (stores ??= startDatastores())}
    const targets = targetsFor(options)
    const rows = new Map<Target, Row>()
    for (const target of targets) {
      const reason = target.unavailable?.(ctx)
      if (reason) {
        rows.set(target, {name: target.name, skipped: reason})
        log(`skipping ${target.name}: ${reason}`)
        continue
      }
      log(`starting ${target.name}`)
      running.set(target, await target.start(ctx))
    }
    if (options.warmupSec > 0) {
      for (const [target, run] of running) {
        log(`warming up ${target.name} (${options.warmupSec}s)`)
        await measure(run, options.warmupSec, options, tmp)
      }
    }
    const samples = new Map<Target, Sample[]>([...running.keys()].map((t) => [t, []]))
    for (let round = 1; round <= options.rounds; round++) {
      // Rotate the order each round so no target always runs first (or right after the heaviest).
      const order = [...running.keys()]
      for (let k = 0; k < round - 1; k++) order.push(order.shift()!)
      for (const target of order) {
        const s = await measure(running.get(target)!, options.durationSec, options, tmp)
        samples.get(target)!.push(s)
        log(`round ${round}/${options.rounds} ${target.name}: ${s.rps.toFixed(0)} req/s, p50 ${s.p50Ms.toFixed(2)} ms, p99 ${s.p99Ms.toFixed(2)} ms`)
      }
    }
    for (const [target, list] of samples) rows.set(target, summarize(target.name, list))
    const ordered = targets.map((t) => rows.get(t)!).filter(Boolean)
    const ratios = ratiosOf(new Map(targets.filter((t) => rows.has(t)).map((t) => [t.key, rows.get(t)!])))
    if (options.json) {
      console.log(
        JSON.stringify({
          loadgen: options.loadgen,
          connections: options.connections,
          rounds: options.rounds,
          durationSec: options.durationSec,
          nginxWorkers: options.nginxWorkers,
          rows: ordered,
          ratios,
          ratioBalancerToNginx: ratios.find((r) => r.name === 'balancer ÷ nginx')?.value ?? null,
          target: 0.6,
        }),
      )
    } else {
      printTable(ordered, ratios, options)
    }
  } finally {
    await cleanup()
  }
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (invokedDirectly) {
  main().catch((err: unknown) => {
    console.error(`hops: ${(err as Error).message}`)
    process.exit(1)
  })
}
