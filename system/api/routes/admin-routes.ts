import express, {Router} from 'express'
import {sendData} from '../../shared/http/envelope.js'
import {markRoute} from '../../shared/http/access-log.js'
import {validate} from '../../shared/http/validation.js'
import {faultSpecSchema} from '../faults/http-faults.js'
import {RESOURCE_CACHE_NAMESPACE} from '../resources/resource-service.js'
import type {ApiServices} from '../services.js'

export function adminRoutes(s: ApiServices): Router {
  const router = Router()
  const json = express.json({limit: s.config.BODY_LIMIT_BYTES})
  const {config} = s

  router.get('/admin/circuit-breakers', markRoute, async (req, res) => {
    await s.access.requireAdmin(req, res)
    const settings = {consecutiveFailures: config.BREAKER_FAILURES, halfOpenAfterMs: config.BREAKER_HALF_OPEN_MS}
    const timeouts: Record<string, number> = {
      redis: config.REDIS_TIMEOUT_MS,
      postgres: config.POSTGRES_TIMEOUT_MS,
      postgres_replica: config.POSTGRES_TIMEOUT_MS,
      external: config.EXTERNAL_TIMEOUT_MS,
    }
    const breakers = [s.breakers.redis, s.breakers.postgres, s.breakers.external, s.breakers.postgresReplica].filter((b) => b !== undefined)
    sendData(
      res,
      Object.fromEntries(breakers.map((b) => [b.dependency, {state: b.state, trips: b.trips, ...settings, timeoutMs: timeouts[b.dependency]}])),
    )
  })

  router.get('/admin/cache', markRoute, async (req, res) => {
    await s.access.requireAdmin(req, res)
    sendData(res, {
      namespace: RESOURCE_CACHE_NAMESPACE,
      ...s.cache.stats(),
      settings: {
        l1TtlMs: config.CACHE_L1_TTL_MS,
        l2TtlMs: config.CACHE_L2_TTL_MS,
        negativeTtlMs: config.CACHE_NEGATIVE_TTL_MS,
        staleWindowMs: config.CACHE_STALE_WINDOW_MS,
      },
      invalidationBus: {subscribed: s.bus.subscribed},
    })
  })

  router.post('/admin/cache/clear', markRoute, async (req, res) => {
    await s.access.requireAdmin(req, res)
    sendData(res, await s.cache.clear())
  })

  router.get('/admin/faults', markRoute, async (req, res) => {
    await s.access.requireGatewayAdmin(req, res)
    sendData(res, {active: s.faults.active(), injected: s.faults.injected})
  })

  router.put('/admin/faults', markRoute, json, async (req, res) => {
    await s.access.requireGatewayAdmin(req, res)
    const spec = validate(faultSpecSchema, req.body)
    sendData(res, {active: s.faults.set(spec), injected: s.faults.injected})
  })

  router.delete('/admin/faults', markRoute, async (req, res) => {
    await s.access.requireGatewayAdmin(req, res)
    sendData(res, {cleared: s.faults.clear(), active: null, injected: s.faults.injected})
  })

  return router
}
