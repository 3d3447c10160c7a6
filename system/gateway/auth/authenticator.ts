import type {Redis} from 'ioredis'
import {LRUCache} from 'lru-cache'
import type pg from 'pg'
import type {Counter} from 'prom-client'
import {GATEWAY_HEADERS, ROLES, TIERS, sessionKey, type Identity, type Role, type Session, type Tier} from '../../../contracts/identity.js'
import {METRICS} from '../../../contracts/metrics.js'
import type {DependencyBreaker} from '../../shared/breaker.js'
import {systemClock, type Clock} from '../../shared/clock.js'
import type {Logger} from '../../shared/logger.js'
import type {ServiceMetrics} from '../../shared/metrics.js'
import {hashApiKey} from '../../shared/passwords.js'

/** Label values of scalelab_auth_decisions_total. */
export type AuthResult = 'anonymous' | 'session' | 'api_key' | 'cached' | 'rejected' | 'unavailable'

export type AuthOutcome =
  | {
      ok: true
      identity: Identity
      result: 'anonymous' | 'session' | 'api_key' | 'cached'
      /** Identity headers for the upstream as name/value pairs, secret included (not the client IP). */
      forwardHeaders: readonly string[]
      /** Rate-limit partition: the key, the user, or (anonymous) null for "by client IP". */
      partition: string | null
    }
  | {ok: false; status: 401 | 503; result: 'rejected' | 'unavailable'; message: string}

export interface Credentials {
  authorization?: string
  apiKey?: string
}

export interface AuthenticatorOptions {
  redis: Redis
  pool: pg.Pool
  redisBreaker: DependencyBreaker
  postgresBreaker: DependencyBreaker
  gatewaySecret: string
  sessionTiers: Record<Role, Tier>
  cacheTtlMs: number
  cacheStaleMs: number
  cacheMaxEntries: number
  clock?: Clock
  metrics?: ServiceMetrics
  log?: Logger
}

interface Validated {
  identity: Identity
  forwardHeaders: string[]
  partition: string
  validatedAt: number
}

/** The store answered, and the credential is not (or no longer) valid. */
const REJECTED = undefined

const API_KEY_QUERY = {
  name: 'gateway-api-key-by-hash',
  text: `SELECT k.id, k.tier, k.user_id, u.email, u.role
           FROM api_keys k LEFT JOIN users u ON u.id = k.user_id
          WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
}

export interface Authenticator {
  authenticate(credentials: Credentials): Promise<AuthOutcome>
  /** The outcome when it needs no store call (anonymous, malformed, freshly cached), else undefined. */
  authenticateNow(credentials: Credentials): AuthOutcome | undefined
  /** Credentials held in the in-process cache (fresh or stale). */
  readonly cacheEntries: number
}

/**
 * Turns a session token (Redis) or an API key (Postgres) into an Identity. Validated credentials
 * are kept in an in-process LRU: fresh for `cacheTtlMs` (no store call at all), then revalidated;
 * if the store cannot be asked (error, timeout, open breaker) an entry validated within
 * `cacheStaleMs` is still accepted (result `cached`). Unknown credentials fail closed: 401 when
 * the store said no, 503 when it could not be asked. Concurrent lookups of one credential share
 * one store call (lru-cache fetch).
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const {redis, pool, redisBreaker, postgresBreaker, gatewaySecret, sessionTiers, log} = options
  const clock = options.clock ?? systemClock
  const counter = options.metrics?.counter(METRICS.authDecisions)
  const children = new Map<AuthResult, Counter.Internal>()
  const count = (result: AuthResult) => {
    if (!counter) return
    let child = children.get(result)
    if (!child) children.set(result, (child = counter.labels({result})))
    child.inc()
  }

  const validated = (identity: Identity, partition: string): Validated => ({
    identity,
    partition,
    validatedAt: clock.now(),
    forwardHeaders: identityHeaders(identity, gatewaySecret),
  })

  async function lookupSession(token: string): Promise<Validated | undefined> {
    const raw = await redisBreaker.execute(() => redis.get(sessionKey(token)))
    if (raw === null) return REJECTED
    const session = parseSession(raw)
    if (!session) {
      log?.warn('auth: malformed session record in redis; treating the token as unknown')
      return REJECTED
    }
    const identity: Identity = {
      kind: 'session',
      userId: session.userId,
      email: session.email,
      role: session.role,
      tier: sessionTiers[session.role],
      apiKeyId: null,
    }
    return validated(identity, `user:${session.userId}`)
  }

  async function lookupApiKey(key: string): Promise<Validated | undefined> {
    const {rows} = await postgresBreaker.execute(() =>
      pool.query<{id: string; tier: Tier; user_id: string | null; email: string | null; role: Role | null}>({...API_KEY_QUERY, values: [hashApiKey(key)]}),
    )
    const row = rows[0]
    if (!row || !(TIERS as readonly string[]).includes(row.tier)) return REJECTED
    const identity: Identity = {
      kind: 'api-key',
      userId: row.user_id === null ? null : Number(row.user_id),
      email: row.email,
      role: row.role,
      tier: row.tier,
      apiKeyId: Number(row.id),
    }
    return validated(identity, `key:${row.id}`)
  }

  const cache = new LRUCache<string, Validated>({
    max: options.cacheMaxEntries,
    ttl: options.cacheTtlMs,
    // After ttl an entry is revalidated; when that fails it stays, for the outage fallback below.
    // (Not allowStaleOnFetchRejection: that resolves `undefined` for an unknown credential, which
    // would read as "the store said no" and turn a 503 into a 401.)
    noDeleteOnFetchRejection: true,
    noDeleteOnStaleGet: true,
    perf: clock,
    ttlResolution: 0,
    fetchMethod: (cacheKey) => (cacheKey.charCodeAt(0) === 115 /* s */ ? lookupSession(cacheKey.slice(2)) : lookupApiKey(cacheKey.slice(2))),
  })

  const anonymousOutcome: AuthOutcome = {ok: true, identity: ANONYMOUS, result: 'anonymous', forwardHeaders: identityHeaders(ANONYMOUS, gatewaySecret), partition: null}

  return {
    get cacheEntries() {
      return cache.size
    },
    authenticateNow(credentials: Credentials): AuthOutcome | undefined {
      const cacheKey = cacheKeyOf(credentials)
      if (typeof cacheKey !== 'string') return cacheKey
      const entry = cache.get(cacheKey)
      if (entry === undefined) return undefined
      const result = cacheKey.charCodeAt(0) === 115 ? 'session' : 'api_key'
      count(result)
      return {ok: true, identity: entry.identity, result, forwardHeaders: entry.forwardHeaders, partition: entry.partition}
    },
    async authenticate(credentials: Credentials): Promise<AuthOutcome> {
      const cacheKey = cacheKeyOf(credentials)
      if (typeof cacheKey !== 'string') return cacheKey
      const kind = cacheKey.charCodeAt(0) === 115 ? 'session' : 'api_key'
      // A fresh entry straight from the cache (no promise); otherwise validate (one store call per credential).
      let entry: Validated | undefined = cache.get(cacheKey)
      let result: 'session' | 'api_key' | 'cached' = kind
      try {
        entry ??= await cache.fetch(cacheKey)
      } catch (err) {
        // The store could not be asked: fall back on a recent validation, or fail closed.
        const stale = cache.peek(cacheKey, {allowStale: true})
        if (!stale || clock.now() - stale.validatedAt > options.cacheStaleMs) {
          count('unavailable')
          log?.warn({err: (err as Error).message, kind}, 'auth: credential store unreachable and credential not validated recently')
          return {ok: false, status: 503, result: 'unavailable', message: `cannot validate the ${kind === 'session' ? 'session token' : 'API key'} right now; retry shortly`}
        }
        entry = stale
        result = 'cached'
      }
      if (!entry) {
        return reject(kind === 'session' ? 'unknown or expired session token; log in again' : 'unknown or revoked API key')
      }
      count(result)
      return {ok: true, identity: entry.identity, result, forwardHeaders: entry.forwardHeaders, partition: entry.partition}
    },
  }

  /** The cache key for the credentials, or the outcome when none is needed (anonymous, malformed). */
  function cacheKeyOf({authorization, apiKey}: Credentials): string | AuthOutcome {
    if (apiKey !== undefined) {
      if (!apiKey) return reject('empty X-API-Key header; send a valid API key or none')
      return `k:${apiKey}`
    }
    if (authorization !== undefined) {
      const token = bearerToken(authorization)
      if (!token) return reject('Authorization must be "Bearer <session token>"; log in at POST /api/v1/auth/login to get one')
      return `s:${token}`
    }
    count('anonymous')
    return anonymousOutcome
  }

  function reject(message: string): AuthOutcome {
    count('rejected')
    return {ok: false, status: 401, result: 'rejected', message}
  }
}

export const ANONYMOUS: Identity = Object.freeze({kind: 'anonymous', userId: null, email: null, role: null, tier: 'anonymous', apiKeyId: null})

function bearerToken(header: string): string | undefined {
  const match = /^Bearer[ ]+([\x21-\x7e]{1,512})\s*$/i.exec(header)
  return match?.[1]
}

function parseSession(raw: string): Session | undefined {
  try {
    const s = JSON.parse(raw) as Partial<Session>
    if (typeof s.userId !== 'number' || typeof s.email !== 'string' || !(ROLES as readonly string[]).includes(s.role as string)) return undefined
    return s as Session
  } catch {
    return undefined
  }
}

/** GATEWAY_HEADERS for an identity as flat name/value pairs; the API trusts them only with the secret. */
export function identityHeaders(identity: Identity, secret: string): string[] {
  const h: string[] = [GATEWAY_HEADERS.secret, secret, GATEWAY_HEADERS.tier, identity.tier]
  if (identity.userId !== null) h.push(GATEWAY_HEADERS.userId, String(identity.userId))
  if (identity.email !== null) h.push(GATEWAY_HEADERS.email, identity.email)
  if (identity.role !== null) h.push(GATEWAY_HEADERS.role, identity.role)
  if (identity.apiKeyId !== null) h.push(GATEWAY_HEADERS.apiKeyId, String(identity.apiKeyId))
  return h
}
