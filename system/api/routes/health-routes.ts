import {Router} from 'express'
import type {InstanceStatus, ReadyBody} from '../../../contracts/http.js'
import {sendData} from '../../shared/http/envelope.js'
import {markRoute} from '../../shared/http/access-log.js'
import type {ApiServices} from '../services.js'

/** Liveness, readiness and metrics, at the root (never faulted, never authenticated). */
export function healthRoutes(s: ApiServices): Router {
  const router = Router()

  router.get('/health', markRoute, (_req, res) => {
    sendData(res, {status: 'alive', uptimeSeconds: Math.round((Date.now() - s.lifecycle.startedAt) / 1000)})
  })

  // 503 only while starting or draining: with Redis or Postgres down the instance still serves what it can.
  router.get('/ready', markRoute, async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store')
    if (s.lifecycle.state !== 'serving') {
      const body: ReadyBody = {status: 'unavailable', degraded: [], checks: {}}
      res.status(503).json(body)
      return
    }
    const checks = await s.probe.check()
    const degraded = Object.entries(checks)
      .filter(([, c]) => c.state === 'down')
      .map(([name]) => name)
    const body: ReadyBody = {status: degraded.length ? 'degraded' : 'ready', degraded, checks}
    res.status(200).json(body)
  })

  router.get('/metrics', markRoute, async (_req, res) => {
    const {contentType, body} = await s.metrics.text()
    res.setHeader('Content-Type', contentType)
    res.send(body)
  })

  return router
}

/** GET /api/v1/status: what this instance is and how its dependencies, breakers and cache are doing. */
export function statusRoutes(s: ApiServices): Router {
  const router = Router()
  router.get('/status', markRoute, async (_req, res) => {
    const breaker = (b: {state: InstanceStatus['breakers']['redis']['state']; trips: number}) => ({state: b.state, trips: b.trips})
    const status: InstanceStatus = {
      instanceId: s.config.INSTANCE_ID,
      uptimeSeconds: Math.round((Date.now() - s.lifecycle.startedAt) / 1000),
      pid: process.pid,
      inFlight: s.lifecycle.inFlight,
      dependencies: await s.probe.check(),
      breakers: {redis: breaker(s.breakers.redis), postgres: breaker(s.breakers.postgres), external: breaker(s.breakers.external)},
      cache: s.cache.stats(),
    }
    sendData(res, status)
  })
  return router
}
