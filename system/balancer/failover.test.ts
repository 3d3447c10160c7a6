// End to end with real processes: a steady stream of GETs through the balancer while one backend
// process is killed and later started again on the same port.
import {spawn, type ChildProcess} from 'node:child_process'
import net from 'node:net'
import {afterAll, describe, expect, it} from 'vitest'
import {Agent, request} from 'undici'
import {freePort, waitFor} from '../../cli/runtime/local/datastores.js'
import {startBalancer, type RunningBalancer} from './balancer.js'
import {balancerConfig} from './config.js'

const BACKEND_PROCESS = `
const http = require('node:http')
const name = process.argv[2]
http.createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({backend: name}))
  })
}).listen(Number(process.argv[1]), '127.0.0.1')
`

const children = new Set<ChildProcess>()
let lb: RunningBalancer | undefined
const client = new Agent({connections: 8})

afterAll(async () => {
  await lb?.stop(500)
  await client.close()
  for (const child of children) child.kill('SIGKILL')
})

async function startBackendProcess(name: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', BACKEND_PROCESS, String(port), name], {stdio: 'ignore'})
  children.add(child)
  child.once('exit', () => children.delete(child))
  const listening = await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1')
        socket.once('connect', () => (socket.destroy(), resolve(true)))
        socket.once('error', () => resolve(false))
      }),
    10_000,
    25,
  )
  if (!listening) throw new Error(`backend ${name} did not start on ${port}`)
  return child
}

const backendStatus = (name: string) => lb!.status().backends.find((b) => b.name === name)!

describe('failover', () => {
  it('hides a killed backend behind retries, ejects it, and re-admits it when it is back', async () => {
    const ports = [await freePort(), await freePort(), await freePort()]
    const procs = await Promise.all(ports.map((p, i) => startBackendProcess(`api-${i + 1}`, p)))
    lb = await startBalancer(
      balancerConfig({
        PORT: '0',
        BACKENDS: ports.map((p, i) => `api-${i + 1}=127.0.0.1:${p}`).join(','),
        LOG_LEVEL: 'silent',
        LB_HEALTH_INTERVAL_MS: '200',
        LB_HEALTH_TIMEOUT_MS: '300',
        LB_HEALTHY_THRESHOLD: '2',
        LB_UNHEALTHY_THRESHOLD: '2',
        LB_OUTLIER_CONSECUTIVE_FAILURES: '3',
        LB_OUTLIER_BASE_EJECTION_MS: '1500',
        LB_OUTLIER_INTERVAL_MS: '100',
      }),
    )
    expect(lb.status().backends.every((b) => b.healthy)).toBe(true)

    // Three clients in a loop: never more failed requests at once than the budget's minimum (3).
    const statuses = new Map<number, number>()
    let stop = false
    const deadline = Date.now() + 20_000
    const loop = async () => {
      while (!stop && Date.now() < deadline) {
        const res = await request(`${lb!.url}/api/v1/items/1`, {dispatcher: client})
        await res.body.dump()
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      }
    }
    const clients = [loop(), loop(), loop()]
    try {
      await new Promise((r) => setTimeout(r, 500))
      procs[1].kill('SIGKILL')

      const ejected = await waitFor(async () => backendStatus('api-2').ejections >= 1, 5_000, 20)
      expect(ejected).toBe(true)
      expect(await waitFor(async () => !backendStatus('api-2').healthy, 5_000, 20)).toBe(true)
      const metrics = (await lb.metricsText()).body
      const failed = metrics.match(/scalelab_lb_backend_requests_total\{backend="api-2",outcome="error"[^}]*\} (\d+)/)
      expect(Number(failed?.[1] ?? 0)).toBeGreaterThan(0)
      const retried = [...metrics.matchAll(/scalelab_lb_retries_total\{reason="(connect_failure|reset)"[^}]*\} (\d+)/g)].reduce((n, m) => n + Number(m[2]), 0)
      expect(retried).toBe(Number(failed?.[1]))

      await startBackendProcess('api-2', ports[1])
      const readmitted = await waitFor(async () => backendStatus('api-2').healthy && !backendStatus('api-2').ejected, 10_000, 20)
      expect(readmitted).toBe(true)
      const before = backendStatus('api-2').requests
      await waitFor(async () => backendStatus('api-2').requests > before + 20, 5_000, 20)
      expect(backendStatus('api-2').requests).toBeGreaterThan(before + 20)
    } finally {
      stop = true
      await Promise.all(clients)
    }
    const total = [...statuses.values()].reduce((a, b) => a + b, 0)
    expect(total).toBeGreaterThan(300)
    expect(Object.fromEntries(statuses)).toEqual({200: total})
  })
})
