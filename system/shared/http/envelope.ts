// The response envelopes of contracts/http.ts, written the same way by every HTTP service.
import type {Response} from 'express'
import type {DataEnvelope, ErrorEnvelope, Meta} from '../../../contracts/http.js'

export interface HttpErrorOptions {
  field?: string
  details?: unknown
  headers?: Record<string, string>
  cause?: unknown
}

/** An error that becomes exactly this status and error envelope (thrown from handlers). */
export class HttpError extends Error {
  readonly status: number
  readonly code: string
  readonly field?: string
  readonly details?: unknown
  readonly headers?: Record<string, string>

  constructor(status: number, code: string, message: string, options: HttpErrorOptions = {}) {
    super(message, {cause: options.cause})
    this.name = 'HttpError'
    this.status = status
    this.code = code
    this.field = options.field
    this.details = options.details
    this.headers = options.headers
  }
}

/** requestId from the request-id middleware, instance from `app.locals.instanceId`, plus `res.locals.meta`. */
export function responseMeta(res: Response): Meta {
  const extra = (res.locals.meta ?? {}) as Record<string, unknown>
  return {
    requestId: String(res.locals.requestId ?? ''),
    instance: res.app?.locals.instanceId as string | undefined,
    ...extra,
  }
}

export function sendData<T>(res: Response, data: T, status = 200): void {
  const body: DataEnvelope<T> = {data, meta: responseMeta(res)}
  res.status(status).json(body)
}

export function sendError(res: Response, err: HttpError): void {
  if (err.headers) for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value)
  const error: ErrorEnvelope['error'] = {code: err.code, message: err.message}
  if (err.field !== undefined) error.field = err.field
  if (err.details !== undefined) error.details = err.details
  const body: ErrorEnvelope = {error, meta: responseMeta(res)}
  res.status(err.status).json(body)
}
