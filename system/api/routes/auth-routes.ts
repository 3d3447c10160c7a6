import express, {Router} from 'express'
import {z} from 'zod'
import {HttpError, sendData} from '../../shared/http/envelope.js'
import {markRoute} from '../../shared/http/access-log.js'
import {validate} from '../../shared/http/validation.js'
import type {ApiServices} from '../services.js'

const loginSchema = z.strictObject({
  email: z.string().trim().max(254).pipe(z.email('must be an email address')),
  password: z.string().min(1, 'must not be empty').max(200),
})

export function authRoutes(s: ApiServices): Router {
  const router = Router()
  const route = [markRoute, s.faults.gate()]
  const json = express.json({limit: s.config.BODY_LIMIT_BYTES})

  router.post('/auth/login', ...route, json, async (req, res) => {
    const {email, password} = validate(loginSchema, req.body)
    const user = await s.users.verifyCredentials(email, password)
    if (!user) throw new HttpError(401, 'invalid_credentials', 'Email or password is wrong.')
    const session = await s.sessions.create({userId: user.id, email: user.email, role: user.role})
    sendData(res, {token: session.token, tokenType: 'Bearer', expiresInSeconds: session.expiresInSeconds, user})
  })

  router.get('/me', ...route, async (req, res) => {
    const identity = await s.access.requireUser(req, res)
    sendData(res, identity)
  })

  return router
}
