// Real HTTP servers on free ports for the traffic-engine tests (127.0.0.1 only).
import http, {type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

export interface TestHttpServer {
  url: string
  port: number
  /** Requests the server has received. */
  readonly received: number
  /** Most sockets open at once. */
  readonly maxOpenSockets: number
  /** Connections accepted in all. */
  readonly accepted: number
  close(): Promise<void>
}

export type TestHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void

export async function startTestHttpServer(handler: TestHandler): Promise<TestHttpServer> {
  let received = 0
  let openSockets = 0
  let maxOpenSockets = 0
  let accepted = 0
  const server = http.createServer((req, res) => {
    received++
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => handler(req, res, Buffer.concat(chunks).toString('utf8')))
  })
  server.keepAliveTimeout = 60_000
  server.on('connection', (socket) => {
    openSockets++
    accepted++
    maxOpenSockets = Math.max(maxOpenSockets, openSockets)
    socket.on('close', () => openSockets--)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get received() {
      return received
    },
    get maxOpenSockets() {
      return maxOpenSockets
    },
    get accepted() {
      return accepted
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export function reply(res: ServerResponse, status: number, body = 'ok'): void {
  res.writeHead(status, {'content-type': 'text/plain', 'content-length': Buffer.byteLength(body)})
  res.end(body)
}
