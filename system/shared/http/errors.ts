import type {ErrorRequestHandler, RequestHandler} from 'express'
import type {Logger} from '../logger.js'
import {HttpError, sendError} from './envelope.js'

/** The 404 envelope for anything no route matched. */
export function notFound(): RequestHandler {
  return (req, res) => {
    res.locals.route ??= 'unmatched'
    sendError(res, new HttpError(404, 'not_found', `No route for ${req.method} ${req.path}; see the API's endpoint list.`))
  }
}

interface BodyParserError extends Error {
  type?: string
  status?: number
  limit?: number
}

/** Errors raised by express.json (body-parser), mapped to envelopes a client can act on. */
function fromBodyParser(err: BodyParserError): HttpError | undefined {
  switch (err.type) {
    case 'entity.too.large':
      return new HttpError(413, 'payload_too_large', `Request body is larger than the limit of ${err.limit} bytes; send less.`, {field: 'body'})
    case 'entity.parse.failed':
      return new HttpError(400, 'invalid_json', 'Request body is not valid JSON.', {field: 'body'})
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError(415, 'unsupported_encoding', err.message)
    case 'request.aborted':
      return new HttpError(400, 'request_aborted', 'The request body was not received completely.')
    default:
      return undefined
  }
}

export interface ErrorHandlerOptions {
  log: Logger
  /** Service-specific mapping (e.g. an open circuit → 503) tried before the generic rules. */
  classify?: (err: unknown) => HttpError | undefined
}

/** Last middleware: every error becomes an envelope; only unexpected ones are logged with a stack. */
export function errorHandler({log, classify}: ErrorHandlerOptions): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err)
      return
    }
    const known =
      err instanceof HttpError
        ? err
        : (classify?.(err) ?? (err instanceof Error && 'type' in err ? fromBodyParser(err as BodyParserError) : undefined))
    if (known) {
      sendError(res, known)
      return
    }
    log.error({err, requestId: res.locals.requestId, method: req.method, url: req.originalUrl}, 'unhandled error')
    sendError(res, new HttpError(500, 'internal', 'Internal error; the server log has the details under this request id.'))
  }
}
