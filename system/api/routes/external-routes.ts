import {Router} from 'express'
import {BrokenCircuitError, TaskCancelledError} from '../../shared/breaker.js'
import {HttpError, sendData} from '../../shared/http/envelope.js'
import {markRoute} from '../../shared/http/access-log.js'
import type {ApiServices} from '../services.js'

export function externalRoutes(s: ApiServices): Router {
  const router = Router()

  router.get('/external', markRoute, s.faults.gate(), async (_req, res) => {
    try {
      const result = await s.breakers.external.execute((signal) => s.downstream.call(signal))
      sendData(res, {ok: true, ...result})
    } catch (err) {
      if (err instanceof BrokenCircuitError) {
        throw new HttpError(503, 'circuit_open', 'The external service is failing; its circuit is open, retry in a few seconds.', {
          headers: {'Retry-After': String(Math.ceil(s.config.BREAKER_HALF_OPEN_MS / 1000))},
        })
      }
      if (err instanceof TaskCancelledError) {
        throw new HttpError(504, 'upstream_timeout', `The external service did not answer within ${s.config.EXTERNAL_TIMEOUT_MS} ms.`)
      }
      throw new HttpError(502, 'upstream_failed', 'The external service failed.', {cause: err})
    }
  })

  return router
}
