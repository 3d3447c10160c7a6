// The benchmark's target: the smallest useful node:http server, run in its own process so it does
// not share the load generator's event loop. Tells its parent the port over IPC.
import http from 'node:http'
import type {AddressInfo} from 'node:net'

const body = Buffer.from('ok')
const server = http.createServer((_req, res) => {
  res.writeHead(200, {'content-type': 'text/plain', 'content-length': body.length})
  res.end(body)
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  const {port} = server.address() as AddressInfo
  process.send?.({port})
})
// Leave with the parent, whatever way it ends.
process.on('disconnect', () => process.exit(0))
