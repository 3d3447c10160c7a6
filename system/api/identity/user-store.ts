import type {Role} from '../../../contracts/identity.js'
import {hashPassword, verifyPassword} from '../../shared/passwords.js'
import type {Database} from '../dependencies/database.js'

export interface User {
  id: number
  email: string
  role: Role
}

/** Users for password login. */
export class UserStore {
  #dummyHash: Promise<string> | undefined

  constructor(private readonly db: Database) {}

  /** The user when the password matches, else null; costs one scrypt either way (no user enumeration by timing). */
  async verifyCredentials(email: string, password: string): Promise<User | null> {
    const {rows} = await this.db.query<{id: string; email: string; role: Role; password_hash: string}>(
      'user_by_email',
      'SELECT id, email, role, password_hash FROM users WHERE lower(email) = lower($1)',
      [email],
    )
    const row = rows[0]
    if (!row) {
      this.#dummyHash ??= hashPassword('not a real password')
      await verifyPassword(password, await this.#dummyHash)
      return null
    }
    return (await verifyPassword(password, row.password_hash)) ? {id: Number(row.id), email: row.email, role: row.role} : null
  }
}
