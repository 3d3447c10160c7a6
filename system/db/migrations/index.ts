import * as m001 from './001-init.js'

export interface Migration {
  id: string
  sql: string
}

/** In order; a migration, once released, is never edited: add the next one. */
export const MIGRATIONS: readonly Migration[] = [m001]
