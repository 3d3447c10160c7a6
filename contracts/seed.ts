// The seed data every lab starts with. Scenarios and tests refer to these; the keys are fixed so a
// scenario file can name them (this is a lab: none of it is a secret).
import type {Role, Tier} from './identity.js'

export interface SeedUser {
  email: string
  password: string
  role: Role
}

export const SEED_USERS: readonly SeedUser[] = [
  {email: 'admin@example.com', password: 'admin123', role: 'admin'},
  {email: 'user@example.com', password: 'user123', role: 'user'},
]

/** One API key per tier; only a hash is stored in Postgres. */
export const SEED_API_KEYS: Readonly<Record<Tier, string>> = {
  anonymous: 'sl_anonymous_0000000000000000000000000000',
  free: 'sl_free_00000000000000000000000000000000000',
  pro: 'sl_pro_000000000000000000000000000000000000',
  enterprise: 'sl_enterprise_00000000000000000000000000000',
}

export const SEED_RESOURCE_COUNT = 10_000
