import type {Request, RequestHandler, Response} from 'express'
import type {Logger} from '../logger.js'
import type {ServiceMetrics} from '../metrics.js'

/** Route template for metrics and logs: set by `markRoute` when a route matched, else 'unmatched'. */
export function routeLabel(res: Response): string {
  return typeof res.locals.route === 'string' ? res.locals.route : 'unmatched'
}

/** First handler of a route: records its template (e.g. /api/v1/resources/:id) before anything can fail. */
export const markRoute: RequestHandler = (req, res, next) => {
  if (req.route) res.locals.route = `${req.baseUrl}${String(req.route.path)}`
  next()
}

export interface AccessLogOptions {
  log: Logger
  metrics: ServiceMetrics
  /** Called once per finished request (e.g. to sample it into a request log table). */
  onFinished?: (req: Request, res: Response, info: {route: string; status: number; durationMs: number}) => void
}

/**
 * One structured log line and one metrics observation per request, when the response has been
 * sent or the client went away (status 499 then, as nginx logs it).
 */
export function accessLog({log, metrics, onFinished}: AccessLogOptions): RequestHandler {
  return (req, res, next) => {
    const began = process.hrtime.bigint()
    const observe = metrics.http.start()
    let done = false
    const finish = (aborted: boolean) => {
      if (done) return
      done = true
      const status = aborted && !res.writableFinished ? 499 : res.statusCode
      const route = routeLabel(res)
      const durationMs = Number(process.hrtime.bigint() - began) / 1e6
      observe(route, req.method, status)
      const line = {requestId: res.locals.requestId, method: req.method, url: req.originalUrl, route, status, durationMs: Math.round(durationMs * 100) / 100}
      if (status >= 500) log.warn(line, 'request')
      else log.info(line, 'request')
      onFinished?.(req, res, {route, status, durationMs})
    }
    res.once('finish', () => finish(false))
    res.once('close', () => finish(true))
    next()
  }
}
