// Toxiproxy's HTTP API over a ProxyCollection: same routes, JSON shapes and status codes, so
// toxiproxy-node-client (and toxiproxy-cli) drive it unchanged. Plain node:http rather than
// Express: thirteen routes, and every body and status must match Toxiproxy's byte for byte.
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {Logger} from '../shared/logger.js'
import {ApiError, asApiError} from './api-error.js'
import {parseJsonBody} from './json-body.js'
import {decodeProxy, type ProxyCollection} from './proxy-collection.js'

/** The Toxiproxy release whose API this implements; build metadata says it is not the Go server. */
export const TOXIPROXY_API_VERSION = '2.12.0+scalelab-faultproxy'

const MAX_BODY_BYTES = 1 << 20

type Params = Record<string, string>
type Handler = (params: Params, req: IncomingMessage) => Promise<Reply>

interface Reply {
  status: number
  body?: unknown
  /** Verbatim text instead of JSON. */
  text?: string
  contentType?: string
}

const json = (body: unknown, status = 200): Reply => ({status, body})
const noContent = (): Reply => ({status: 204})

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw new ApiError('bad request body: larger than 1 MiB', 400)
    chunks.push(chunk)
  }
  return parseJsonBody(Buffer.concat(chunks).toString('utf8'))
}

interface Route {
  method: string
  pattern: RegExp
  names: string[]
  handler: Handler
}

/** Compiles `/proxies/{proxy}` into a matcher; a variable is one path segment, as in gorilla/mux. */
function route(method: string, path: string, handler: Handler): Route {
  const names: string[] = []
  const source = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name)
    return '([^/]+)'
  })
  return {method, pattern: new RegExp(`^${source}$`), names, handler}
}

export function createApiHandler(collection: ProxyCollection, log: Logger): (req: IncomingMessage, res: ServerResponse) => void {
  const routes: Route[] = [
    route('POST', '/reset', async () => {
      await collection.reset()
      return noContent()
    }),
    route('GET', '/proxies', async () => json(Object.fromEntries(collection.all().map((p) => [p.name, p])))),
    route('POST', '/proxies', async (_, req) => {
      const input = decodeProxy(await readBody(req), {name: '', listen: '', upstream: '', enabled: true})
      return json(await collection.create(input), 201)
    }),
    route('POST', '/populate', async (_, req) => {
      const {proxies, error} = await collection.populate(await readBody(req))
      return json({...error?.toJSON(), proxies}, error?.status ?? 201)
    }),
    route('GET', '/proxies/{proxy}', async ({proxy}) => json(collection.get(proxy))),
    ...['POST', 'PATCH'].map((method) =>
      route(method, '/proxies/{proxy}', async ({proxy}, req) => {
        const target = collection.get(proxy)
        const {name, listen, upstream, enabled} = target
        await target.update(decodeProxy(await readBody(req), {name, listen, upstream, enabled}))
        return json(target)
      }),
    ),
    route('DELETE', '/proxies/{proxy}', async ({proxy}) => {
      await collection.remove(proxy)
      return noContent()
    }),
    route('GET', '/proxies/{proxy}/toxics', async ({proxy}) => json(collection.get(proxy).toxics.list())),
    route('POST', '/proxies/{proxy}/toxics', async ({proxy}, req) => {
      const toxics = collection.get(proxy).toxics
      return json(toxics.add(await readBody(req)))
    }),
    route('GET', '/proxies/{proxy}/toxics/{toxic}', async ({proxy, toxic}) => json(collection.get(proxy).toxics.get(toxic))),
    ...['POST', 'PATCH'].map((method) =>
      route(method, '/proxies/{proxy}/toxics/{toxic}', async ({proxy, toxic}, req) => {
        const toxics = collection.get(proxy).toxics
        toxics.get(toxic)
        return json(toxics.update(toxic, await readBody(req)))
      }),
    ),
    route('DELETE', '/proxies/{proxy}/toxics/{toxic}', async ({proxy, toxic}) => {
      collection.get(proxy).toxics.remove(toxic)
      return noContent()
    }),
    route('GET', '/version', async () => ({
      status: 200,
      text: `{"version": "${TOXIPROXY_API_VERSION}"}\n`,
      contentType: 'application/json;charset=utf-8',
    })),
  ]

  // One request at a time: creating, replacing and stopping proxies awaits sockets, and
  // Toxiproxy's locks make each call atomic; a queue gives the same guarantee.
  let queue: Promise<unknown> = Promise.resolve()

  const dispatch = async (req: IncomingMessage): Promise<Reply> => {
    // Toxiproxy refuses browsers so a web page cannot drive it (CSRF).
    if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) return {status: 403, text: 'User agent not allowed\n', contentType: 'text/plain; charset=utf-8'}
    const path = new URL(req.url ?? '/', 'http://faultproxy').pathname
    let pathMatched = false
    for (const r of routes) {
      const match = r.pattern.exec(path)
      if (!match) continue
      pathMatched = true
      if (r.method !== req.method) continue
      const params: Params = {}
      r.names.forEach((name, i) => (params[name] = decodeURIComponent(match[i + 1])))
      try {
        return await r.handler(params, req)
      } catch (err) {
        const apiError = asApiError(err)
        if (apiError.status >= 500) log.warn({err}, 'request failed')
        return {status: apiError.status, text: `${JSON.stringify(apiError)}\n`}
      }
    }
    if (pathMatched) return {status: 405, text: ''}
    return {status: 404, text: '404 page not found\n', contentType: 'text/plain; charset=utf-8'}
  }

  return (req, res) => {
    const began = process.hrtime.bigint()
    const reply = queue.then(() => dispatch(req))
    queue = reply.catch(() => undefined)
    void reply
      .catch((err: unknown) => ({status: 500, text: `${JSON.stringify(asApiError(err))}\n`}) as Reply)
      .then((r) => {
        const body = r.text ?? (r.body === undefined ? '' : JSON.stringify(r.body))
        if (r.status === 204) res.writeHead(204).end()
        else res.writeHead(r.status, {'content-type': r.contentType ?? 'application/json', 'content-length': Buffer.byteLength(body)}).end(body)
        log.debug({method: req.method, url: req.url, status: r.status, ms: Number(process.hrtime.bigint() - began) / 1e6}, 'api request')
      })
  }
}
