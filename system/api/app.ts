import compression from 'compression'
import express, {type Express, type RequestHandler} from 'express'
import {accessLog} from '../shared/http/access-log.js'
import {HttpError} from '../shared/http/envelope.js'
import {errorHandler, notFound} from '../shared/http/errors.js'
import {requestId} from '../shared/http/request-id.js'
import {DependencyError} from './dependencies/dependency-error.js'
import type {ResolvedIdentity} from './identity/identity-resolver.js'
import {adminRoutes} from './routes/admin-routes.js'
import {authRoutes} from './routes/auth-routes.js'
import {batchRoutes} from './routes/batch-routes.js'
import {externalRoutes} from './routes/external-routes.js'
import {healthRoutes, statusRoutes} from './routes/health-routes.js'
import {resourceRoutes} from './routes/resource-routes.js'
import type {ApiServices} from './services.js'

const DEPENDENCY_NAMES = {postgres: 'Postgres', redis: 'Redis', external: 'The external service'} as const

/** Dependency failures become a clean 503 the client can retry. */
function classify(err: unknown): HttpError | undefined {
  if (!(err instanceof DependencyError)) return undefined
  return new HttpError(503, 'dependency_unavailable', `${DEPENDENCY_NAMES[err.dependency]} is unavailable right now (${err.reason}); retry shortly.`, {
    details: {dependency: err.dependency, reason: err.reason},
    headers: {'Retry-After': '1'},
  })
}

/** Counts requests in flight and, while draining, asks clients to close their keep-alive connection. */
function lifecycleTracking(s: ApiServices): RequestHandler {
  return (_req, res, next) => {
    s.lifecycle.inFlight++
    let counted = true
    const done = () => {
      if (counted) s.lifecycle.inFlight--
      counted = false
    }
    res.once('finish', done)
    res.once('close', done)
    if (s.lifecycle.state === 'draining') res.setHeader('Connection', 'close')
    next()
  }
}

export function createApp(s: ApiServices): Express {
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  app.locals.instanceId = s.config.INSTANCE_ID

  app.use(requestId())
  app.use(
    accessLog({
      log: s.log,
      metrics: s.metrics,
      onFinished: (req, res, {status, durationMs}) => {
        const userId = (res.locals.resolvedIdentity as ResolvedIdentity | undefined)?.identity.userId ?? null
        s.requestLog.record({requestId: String(res.locals.requestId), method: req.method, path: req.path, status, durationMs, userId})
      },
    }),
  )
  app.use(lifecycleTracking(s))
  app.use(compression())

  app.use(healthRoutes(s))
  const api = express.Router()
  api.use(statusRoutes(s))
  api.use(resourceRoutes(s))
  api.use(authRoutes(s))
  api.use(externalRoutes(s))
  api.use(batchRoutes(s))
  api.use(adminRoutes(s))
  app.use('/api/v1', api)

  app.use(notFound())
  app.use(errorHandler({log: s.log, classify}))
  return app
}
