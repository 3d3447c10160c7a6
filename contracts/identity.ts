// How identity travels: clients authenticate at the gateway (or directly at an API instance with
// a session token); the gateway forwards the identity in headers the API trusts only when the
// shared secret header matches.

export const TIERS = ['anonymous', 'free', 'pro', 'enterprise'] as const
export type Tier = (typeof TIERS)[number]

export const ROLES = ['admin', 'user'] as const
export type Role = (typeof ROLES)[number]

/** Requests per minute per tier (anonymous by client IP, the others by API key or user). */
export const TIER_LIMITS_PER_MINUTE: Record<Tier, number> = {
  anonymous: 100,
  free: 1_000,
  pro: 10_000,
  enterprise: 100_000,
}

export const API_KEY_HEADER = 'x-api-key'
export const REQUEST_ID_HEADER = 'x-request-id'

/** Headers set by the gateway; the API ignores them unless `secret` matches its GATEWAY_SECRET. */
export const GATEWAY_HEADERS = {
  secret: 'x-scalelab-gateway-secret',
  userId: 'x-scalelab-user-id',
  email: 'x-scalelab-user-email',
  role: 'x-scalelab-role',
  tier: 'x-scalelab-tier',
  apiKeyId: 'x-scalelab-api-key-id',
  clientIp: 'x-scalelab-client-ip',
} as const

/** A login session as stored in Redis under `sessionKey(token)` (JSON), with a TTL. */
export interface Session {
  userId: number
  email: string
  role: Role
  createdAt: string
}

export const SESSION_TTL_SECONDS = 3600
export const sessionKey = (token: string): string => `session:${token}`

/** The identity a request carries once authenticated, whichever way it came. */
export interface Identity {
  kind: 'anonymous' | 'session' | 'api-key'
  userId: number | null
  email: string | null
  role: Role | null
  tier: Tier
  apiKeyId: number | null
}
