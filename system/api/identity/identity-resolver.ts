import {createHash, timingSafeEqual} from 'node:crypto'
import type {IncomingHttpHeaders} from 'node:http'
import {API_KEY_HEADER, GATEWAY_HEADERS, ROLES, TIERS, type Identity, type Role, type Tier} from '../../../contracts/identity.js'
import {HttpError} from '../../shared/http/envelope.js'
import type {ApiKeyStore} from './api-key-store.js'
import type {SessionStore} from './session-store.js'

/** An identity and whether it came from the gateway (trusted headers) or was checked here. */
export interface ResolvedIdentity {
  identity: Identity
  viaGateway: boolean
}

export const ANONYMOUS: Identity = {kind: 'anonymous', userId: null, email: null, role: null, tier: 'anonymous', apiKeyId: null}

/** Direct logins carry no tier of their own; the gateway decides tiers when it is in front. */
const SESSION_TIER: Tier = 'free'

const digest = (value: string) => createHash('sha256').update(value).digest()

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name]
  return typeof v === 'string' ? v : undefined
}

function positiveInt(value: string | undefined): number | null {
  return value !== undefined && /^[1-9][0-9]{0,15}$/.test(value) ? Number(value) : null
}

const unauthorized = (message: string) =>
  new HttpError(401, 'unauthorized', message, {headers: {'WWW-Authenticate': 'Bearer realm="scalelab"'}})

/**
 * Who is calling. With the gateway's shared secret the gateway's identity headers are taken as
 * they are; without it they are ignored and the caller's own credentials are checked here:
 * `Authorization: Bearer <session token>` (Redis) or `X-API-Key` (Postgres). No credentials:
 * anonymous. Credentials that do not check out: 401.
 */
export class IdentityResolver {
  readonly #secretDigest: Buffer | undefined

  constructor(
    gatewaySecret: string,
    private readonly sessions: SessionStore,
    private readonly apiKeys: ApiKeyStore,
  ) {
    this.#secretDigest = gatewaySecret ? digest(gatewaySecret) : undefined
  }

  /** Constant-time comparison of the presented gateway secret; never true when no secret is configured. */
  isFromGateway(headers: IncomingHttpHeaders): boolean {
    const presented = header(headers, GATEWAY_HEADERS.secret)
    return Boolean(this.#secretDigest && presented && timingSafeEqual(digest(presented), this.#secretDigest))
  }

  async resolve(headers: IncomingHttpHeaders): Promise<ResolvedIdentity> {
    if (this.isFromGateway(headers)) return {identity: fromGatewayHeaders(headers), viaGateway: true}

    const authorization = header(headers, 'authorization')
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
      if (!match) throw unauthorized('Authorization must be "Bearer <token>" with a token from POST /api/v1/auth/login.')
      const session = await this.sessions.get(match[1])
      if (!session) throw unauthorized('The session token is unknown or expired; log in again at POST /api/v1/auth/login.')
      return {
        identity: {kind: 'session', userId: session.userId, email: session.email, role: session.role, tier: SESSION_TIER, apiKeyId: null},
        viaGateway: false,
      }
    }

    const apiKey = header(headers, API_KEY_HEADER)
    if (apiKey !== undefined) {
      const key = await this.apiKeys.lookup(apiKey)
      if (!key) throw unauthorized('The API key is unknown or revoked; check the X-API-Key header.')
      return {
        identity: {kind: 'api-key', userId: key.userId, email: key.email, role: key.role, tier: key.tier, apiKeyId: key.apiKeyId},
        viaGateway: false,
      }
    }

    return {identity: ANONYMOUS, viaGateway: false}
  }
}

/** The gateway's headers, read strictly: unknown roles or tiers count as none. */
export function fromGatewayHeaders(headers: IncomingHttpHeaders): Identity {
  const userId = positiveInt(header(headers, GATEWAY_HEADERS.userId))
  const apiKeyId = positiveInt(header(headers, GATEWAY_HEADERS.apiKeyId))
  const role = header(headers, GATEWAY_HEADERS.role)
  const tier = header(headers, GATEWAY_HEADERS.tier)
  return {
    kind: apiKeyId !== null ? 'api-key' : userId !== null ? 'session' : 'anonymous',
    userId,
    email: header(headers, GATEWAY_HEADERS.email) ?? null,
    role: (ROLES as readonly string[]).includes(role ?? '') ? (role as Role) : null,
    tier: (TIERS as readonly string[]).includes(tier ?? '') ? (tier as Tier) : 'anonymous',
    apiKeyId,
  }
}
