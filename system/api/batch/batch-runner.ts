import type {IncomingHttpHeaders} from 'node:http'
import {Pool} from 'undici'
import {z} from 'zod'
import {API_KEY_HEADER, GATEWAY_HEADERS, REQUEST_ID_HEADER} from '../../../contracts/identity.js'
import {HttpError} from '../../shared/http/envelope.js'
import {refuseSubRequestPath} from './batch-path.js'

export const MAX_BATCH_REQUESTS = 20

export const batchSchema = z.strictObject({
  requests: z
    .array(
      z.strictObject({
        method: z.enum(['GET', 'POST', 'PUT', 'DELETE']),
        path: z.string(),
        body: z.unknown().optional(),
      }),
    )
    .min(1, 'must hold at least one request')
    .max(MAX_BATCH_REQUESTS, `must hold at most ${MAX_BATCH_REQUESTS} requests`),
})

export type BatchRequest = z.infer<typeof batchSchema>['requests'][number]

export interface BatchResult {
  index: number
  method: string
  path: string
  status: number
  /** X-Cache of the sub-response, when it had one. */
  cache?: string
  body: unknown
}

// The caller's credentials, so each sub-request is authorized exactly as the caller would be.
const FORWARDED_HEADERS = ['authorization', API_KEY_HEADER, ...Object.values(GATEWAY_HEADERS)]

/** Throws a 400 naming the first sub-request whose path is not a plain /api/v1 path of this API. */
export function checkBatchPaths(requests: BatchRequest[]): void {
  requests.forEach((r, index) => {
    const reason = refuseSubRequestPath(r.path)
    if (reason) {
      throw new HttpError(400, 'validation_failed', `requests[${index}].path ${reason}.`, {field: `requests.${index}.path`, details: {index}})
    }
  })
}

/**
 * Runs sub-requests against this same instance over loopback HTTP, in parallel, so each goes
 * through exactly the middleware, auth and routes a direct call would (no second dispatcher).
 * The target is fixed to this instance; only already-checked relative paths reach it.
 */
export class BatchRunner {
  #pool: Pool | undefined

  constructor(private readonly selfUrl: () => string) {}

  async run(requests: BatchRequest[], headers: IncomingHttpHeaders, requestId: string): Promise<BatchResult[]> {
    checkBatchPaths(requests)
    this.#pool ??= new Pool(this.selfUrl(), {connections: 64, headersTimeout: 30_000, bodyTimeout: 30_000})
    const pool = this.#pool
    const forwarded: Record<string, string> = {}
    for (const name of FORWARDED_HEADERS) {
      const value = headers[name]
      if (typeof value === 'string') forwarded[name] = value
    }
    return Promise.all(
      requests.map(async (r, index): Promise<BatchResult> => {
        const withBody = r.body !== undefined && (r.method === 'POST' || r.method === 'PUT')
        try {
          const response = await pool.request({
            method: r.method,
            path: r.path,
            headers: {
              ...forwarded,
              [REQUEST_ID_HEADER]: `${requestId.slice(0, 120)}.${index}`,
              ...(withBody ? {'content-type': 'application/json'} : {}),
            },
            body: withBody ? JSON.stringify(r.body) : undefined,
          })
          const text = await response.body.text()
          const cache = response.headers['x-cache']
          return {index, method: r.method, path: r.path, status: response.statusCode, ...(typeof cache === 'string' ? {cache} : {}), body: parseJson(text)}
        } catch (err) {
          return {
            index,
            method: r.method,
            path: r.path,
            status: 502,
            body: {error: {code: 'subrequest_failed', message: `Sub-request could not be completed: ${(err as Error).message}`}},
          }
        }
      }),
    )
  }

  async close(): Promise<void> {
    await this.#pool?.close()
  }
}

function parseJson(text: string): unknown {
  if (text === '') return null
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
