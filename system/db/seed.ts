import type pg from 'pg'
import {SEED_API_KEYS, SEED_RESOURCE_COUNT, SEED_USERS} from '../../contracts/seed.js'
import {TIERS} from '../../contracts/identity.js'
import {hashApiKey, hashPassword} from '../shared/passwords.js'

export interface SeedResult {
  users: number
  apiKeys: number
  resources: number
}

/** Idempotent: users and keys by unique columns, resources only into an empty table. */
export async function seed(client: pg.Client | pg.PoolClient, resourceCount = SEED_RESOURCE_COUNT): Promise<SeedResult> {
  const userIds = new Map<string, number>()
  for (const u of SEED_USERS) {
    const existing = await client.query<{id: string}>('SELECT id FROM users WHERE email = $1', [u.email])
    if (existing.rowCount) {
      userIds.set(u.email, Number(existing.rows[0].id))
      continue
    }
    const {rows} = await client.query<{id: string}>('INSERT INTO users (email, password_hash, role) VALUES ($1, $2, $3) RETURNING id', [
      u.email,
      await hashPassword(u.password),
      u.role,
    ])
    userIds.set(u.email, Number(rows[0].id))
  }
  const owner = userIds.get('user@example.com') ?? null
  for (const tier of TIERS) {
    const key = SEED_API_KEYS[tier]
    await client.query(
      `INSERT INTO api_keys (key_hash, prefix, tier, user_id, name) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key_hash) DO NOTHING`,
      [hashApiKey(key), key.slice(0, 12), tier, owner, `seed ${tier} key`],
    )
  }
  const {rows: countRows} = await client.query<{n: string}>('SELECT count(*) AS n FROM resources')
  if (Number(countRows[0].n) === 0 && resourceCount > 0) {
    // ~400 bytes of JSON per resource, so cache memory bounds and payload sizes mean something.
    await client.query(
      `INSERT INTO resources (name, description, data, owner_id)
       SELECT 'resource-' || g,
              'Seeded resource number ' || g,
              jsonb_build_object('n', g, 'group', g % 100, 'tags', jsonb_build_array('t' || (g % 7), 't' || (g % 13)),
                                 'payload', repeat(md5(g::text), 10)),
              $2
       FROM generate_series(1, $1::int) AS g`,
      [resourceCount, owner],
    )
  }
  const counts = await client.query<{u: string; k: string; r: string}>(
    'SELECT (SELECT count(*) FROM users) AS u, (SELECT count(*) FROM api_keys) AS k, (SELECT count(*) FROM resources) AS r',
  )
  return {users: Number(counts.rows[0].u), apiKeys: Number(counts.rows[0].k), resources: Number(counts.rows[0].r)}
}
