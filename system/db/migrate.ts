// A small migration runner: numbered SQL migrations compiled into the build, applied in order,
// each in its own transaction, under an advisory lock so concurrent `up`s cannot race. A library
// (node-pg-migrate) would bring its own file layout and CLI for what is twenty lines here.
import type pg from 'pg'
import {MIGRATIONS, type Migration} from './migrations/index.js'

const LOCK_KEY = 7_400_001

export async function migrate(client: pg.Client | pg.PoolClient, migrations: readonly Migration[] = MIGRATIONS): Promise<string[]> {
  await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY])
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`)
    const {rows} = await client.query<{id: string}>('SELECT id FROM schema_migrations')
    const done = new Set(rows.map((r) => r.id))
    const applied: string[] = []
    for (const m of migrations) {
      if (done.has(m.id)) continue
      await client.query('BEGIN')
      try {
        await client.query(m.sql)
        await client.query('INSERT INTO schema_migrations (id) VALUES ($1)', [m.id])
        await client.query('COMMIT')
      } catch (err) {
        await client.query('ROLLBACK')
        throw new Error(`migration ${m.id} failed: ${(err as Error).message}`, {cause: err})
      }
      applied.push(m.id)
    }
    return applied
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY])
  }
}
