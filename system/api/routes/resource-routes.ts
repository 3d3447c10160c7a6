import express, {Router} from 'express'
import {HttpError, sendData} from '../../shared/http/envelope.js'
import {markRoute} from '../../shared/http/access-log.js'
import {validate} from '../../shared/http/validation.js'
import type {ApiServices} from '../services.js'
import {encodeCursor} from '../resources/cursor.js'
import {createResourceSchema, listQuerySchema, resourceIdSchema, updateResourceSchema} from '../resources/resource-schemas.js'

const notFound = (id: number) => new HttpError(404, 'not_found', `Resource ${id} does not exist.`)

export function resourceRoutes(s: ApiServices): Router {
  const router = Router()
  const route = [markRoute, s.faults.gate()]
  const json = express.json({limit: s.config.BODY_LIMIT_BYTES})
  const idOf = (params: Record<string, string | string[]>) => validate(resourceIdSchema, params.id, 'id')

  router.get('/resources', ...route, async (req, res) => {
    const query = validate(listQuerySchema, req.query)
    const page = await s.resources.list(query.cursor ?? 0, query.limit)
    sendData(res, {items: page.items, nextCursor: page.nextAfterId === null ? null : encodeCursor(page.nextAfterId)})
  })

  router.get('/resources/:id', ...route, async (req, res) => {
    const id = idOf(req.params)
    const {resource, source} = await s.resources.get(id)
    res.setHeader('X-Cache', source)
    if (source === 'STALE') res.locals.meta = {stale: true}
    if (!resource) throw notFound(id)
    sendData(res, resource)
  })

  router.post('/resources', ...route, json, async (req, res) => {
    const identity = await s.access.requireUser(req, res)
    const input = validate(createResourceSchema, req.body)
    const resource = await s.resources.create(input, identity.userId)
    res.setHeader('Location', `/api/v1/resources/${resource.id}`)
    sendData(res, resource, 201)
  })

  router.put('/resources/:id', ...route, json, async (req, res) => {
    await s.access.requireUser(req, res)
    const id = idOf(req.params)
    const patch = validate(updateResourceSchema, req.body)
    const outcome = await s.resources.update(id, patch)
    if (outcome.kind === 'not_found') throw notFound(id)
    if (outcome.kind === 'conflict') {
      throw new HttpError(409, 'version_conflict', `Resource ${id} is at version ${outcome.currentVersion}, not ${patch.version}; read it again and retry.`, {
        field: 'version',
        details: {currentVersion: outcome.currentVersion},
      })
    }
    sendData(res, outcome.resource)
  })

  router.delete('/resources/:id', ...route, async (req, res) => {
    await s.access.requireUser(req, res)
    const id = idOf(req.params)
    if (!(await s.resources.remove(id))) throw notFound(id)
    res.status(204).end()
  })

  return router
}
