import http, {type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import type {BackendSpec} from '../backend.js'

export interface EchoBody {
  backend: string
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  body: string
}

export interface TestBackend {
  name: string
  port: number
  spec: BackendSpec
  /** Requests it has received (all paths, health checks included). */
  hits: number
  /** Requests other than health checks. */
  traffic: number
  close(): Promise<void>
}

export type Behaviour = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void

/** Answers every request with a JSON echo of what it received. */
export const echo =
  (name: string): Behaviour =>
  (req, res, body) => {
    const reply: EchoBody = {backend: name, method: req.method!, url: req.url!, headers: req.headers, body: body.toString('utf8')}
    res.setHeader('content-type', 'application/json')
    res.setHeader('x-backend', name)
    res.end(JSON.stringify(reply))
  }

/** A real HTTP server on 127.0.0.1 and a free port; `/ready` answers 200 unless the behaviour takes it. */
export async function startTestBackend(name: string, behaviour: Behaviour = echo(name), weight = 1): Promise<TestBackend> {
  const backend = {name, port: 0, hits: 0, traffic: 0} as TestBackend
  const server = http.createServer((req, res) => {
    backend.hits++
    if (req.url !== '/ready') backend.traffic++
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => behaviour(req, res, Buffer.concat(chunks)))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  backend.port = (server.address() as AddressInfo).port
  backend.spec = {name, host: '127.0.0.1', port: backend.port, weight}
  backend.close = async () => {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  }
  return backend
}
