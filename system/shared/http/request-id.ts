import {randomUUID} from 'node:crypto'
import type {RequestHandler} from 'express'
import {REQUEST_ID_HEADER} from '../../../contracts/identity.js'

// Short, printable, no separators that could split a log line or a header.
const SANE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/

/** The caller's X-Request-Id when it is sane, otherwise a fresh UUID. */
export function acceptRequestId(value: string | string[] | undefined): string {
  return typeof value === 'string' && SANE_REQUEST_ID.test(value) ? value : randomUUID()
}

/** Sets `res.locals.requestId` and echoes it in the X-Request-Id response header. */
export function requestId(): RequestHandler {
  return (req, res, next) => {
    const id = acceptRequestId(req.headers[REQUEST_ID_HEADER])
    res.locals.requestId = id
    res.setHeader('X-Request-Id', id)
    next()
  }
}
