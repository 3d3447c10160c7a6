import express, {Router} from 'express'
import {sendData} from '../../shared/http/envelope.js'
import {markRoute} from '../../shared/http/access-log.js'
import {validate} from '../../shared/http/validation.js'
import {batchSchema} from '../batch/batch-runner.js'
import type {ApiServices} from '../services.js'

export function batchRoutes(s: ApiServices): Router {
  const router = Router()
  const json = express.json({limit: s.config.BODY_LIMIT_BYTES})

  router.post('/batch', markRoute, s.faults.gate(), json, async (req, res) => {
    const {requests} = validate(batchSchema, req.body)
    const results = await s.batch.run(requests, req.headers, String(res.locals.requestId))
    sendData(res, {results})
  })

  return router
}
