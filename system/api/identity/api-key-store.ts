import {LRUCache} from 'lru-cache'
import {TIERS, type Role, type Tier} from '../../../contracts/identity.js'
import {hashApiKey} from '../../shared/passwords.js'
import type {Database} from '../dependencies/database.js'

export interface ApiKeyIdentity {
  apiKeyId: number
  tier: Tier
  userId: number | null
  email: string | null
  role: Role | null
}

// Keys are looked up by hash on every direct call; a short memory of the answers (including "no
// such key") keeps a key-authenticated load test from becoming a Postgres load test.
const NEGATIVE_TTL_MS = 5_000

/** API keys live in Postgres (api_keys.key_hash = hashApiKey(key)); revoked keys do not authenticate. */
export class ApiKeyStore {
  readonly #recent: LRUCache<string, {found: ApiKeyIdentity | null}> | undefined

  constructor(
    private readonly db: Database,
    cacheTtlMs: number,
  ) {
    this.#recent = cacheTtlMs > 0 ? new LRUCache({max: 10_000, ttl: cacheTtlMs}) : undefined
  }

  async lookup(key: string): Promise<ApiKeyIdentity | null> {
    if (key.length < 8 || key.length > 200) return null
    const hash = hashApiKey(key)
    const remembered = this.#recent?.get(hash)
    if (remembered) return remembered.found
    const {rows} = await this.db.query<{id: string; tier: string; user_id: string | null; email: string | null; role: string | null}>(
      'api_key_lookup',
      `SELECT k.id, k.tier, k.user_id, u.email, u.role
         FROM api_keys k LEFT JOIN users u ON u.id = k.user_id
        WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
      [hash],
      {readOnly: true},
    )
    const row = rows[0]
    const found: ApiKeyIdentity | null = row
      ? {
          apiKeyId: Number(row.id),
          tier: (TIERS as readonly string[]).includes(row.tier) ? (row.tier as Tier) : 'free',
          userId: row.user_id === null ? null : Number(row.user_id),
          email: row.email,
          role: row.role === 'admin' || row.role === 'user' ? row.role : null,
        }
      : null
    this.#recent?.set(hash, {found}, found ? undefined : {ttl: Math.min(NEGATIVE_TTL_MS, this.#recent.ttl)})
    return found
  }
}
