import {randomBytes} from 'node:crypto'
import type {Redis} from 'ioredis'
import {ROLES, sessionKey, type Session} from '../../../contracts/identity.js'
import type {DependencyBreaker} from '../../shared/breaker.js'
import {DependencyError} from '../dependencies/dependency-error.js'

/** A bearer token as we issue them (32 random bytes, base64url); anything else is refused unseen. */
export const SESSION_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/

/** Login sessions in Redis under `sessionKey(token)` as `Session` JSON, expiring after the TTL. */
export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly breaker: DependencyBreaker,
    private readonly ttlSeconds: number,
  ) {}

  async create(user: {userId: number; email: string; role: Session['role']}): Promise<{token: string; expiresInSeconds: number}> {
    const token = randomBytes(32).toString('base64url')
    const session: Session = {...user, createdAt: new Date().toISOString()}
    try {
      await this.breaker.execute(() => this.redis.set(sessionKey(token), JSON.stringify(session), 'EX', this.ttlSeconds))
    } catch (err) {
      throw new DependencyError('redis', err)
    }
    return {token, expiresInSeconds: this.ttlSeconds}
  }

  /** The session for a token, or null when there is none (expired, never issued). */
  async get(token: string): Promise<Session | null> {
    if (!SESSION_TOKEN_PATTERN.test(token)) return null
    let raw: string | null
    try {
      raw = await this.breaker.execute(() => this.redis.get(sessionKey(token)))
    } catch (err) {
      throw new DependencyError('redis', err)
    }
    if (raw === null) return null
    try {
      const s = JSON.parse(raw) as Session
      if (typeof s.userId !== 'number' || typeof s.email !== 'string' || !ROLES.includes(s.role)) return null
      return s
    } catch {
      return null
    }
  }
}
