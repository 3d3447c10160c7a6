// Real HTTP servers on free ports that stand in for parts of the system not in this branch (the
// balancer, API instances): they record what reached them and answer what the test scripts.
import {createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

export interface RecordedRequest {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
}

export type StandInHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void | Promise<void>

export interface HttpStandIn {
  url: string
  port: number
  /** host:port, as the balancer reports backends. */
  address: string
  requests: RecordedRequest[]
  /** Replaces the handler for the given path (exact match on the path without query). */
  on(path: string, handler: StandInHandler): void
  close(): Promise<void>
}

/** Answers 200 `{data: {path, method}}` unless a route was set with `on`. */
export async function startHttpStandIn(): Promise<HttpStandIn> {
  const routes = new Map<string, StandInHandler>()
  const requests: RecordedRequest[] = []
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    try {
      for await (const c of req) chunks.push(c as Buffer)
    } catch {
      return // the caller went away mid-body (what some tests do on purpose)
    }
    const body = Buffer.concat(chunks).toString()
    requests.push({method: req.method ?? '', url: req.url ?? '', headers: req.headers, body})
    const path = (req.url ?? '/').split('?')[0]
    const handler = routes.get(path)
    if (handler) {
      try {
        await handler(req, res, body)
      } catch {
        res.destroy()
      }
      return
    }
    const payload = JSON.stringify({data: {path, method: req.method}, meta: {requestId: req.headers['x-request-id'] ?? null}})
    res.writeHead(200, {'content-type': 'application/json', 'content-length': Buffer.byteLength(payload)})
    res.end(payload)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    address: `127.0.0.1:${port}`,
    requests,
    on: (path, handler) => void routes.set(path, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body)
  res.writeHead(status, {'content-type': 'application/json', 'content-length': Buffer.byteLength(payload)})
  res.end(payload)
}
