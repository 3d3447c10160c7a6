import type {Database} from '../dependencies/database.js'
import type {CreateResource, UpdateResource} from './resource-schemas.js'

export interface Resource {
  id: number
  name: string
  description: string
  data: Record<string, unknown>
  ownerId: number | null
  version: number
  createdAt: string
  updatedAt: string
}

interface ResourceRow {
  id: string
  name: string
  description: string
  data: Record<string, unknown>
  owner_id: string | null
  version: number
  created_at: Date
  updated_at: Date
}

const COLUMNS = 'id, name, description, data, owner_id, version, created_at, updated_at'

function toResource(row: ResourceRow): Resource {
  return {
    id: Number(row.id),
    name: row.name,
    description: row.description,
    data: row.data,
    ownerId: row.owner_id === null ? null : Number(row.owner_id),
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }
}

export type UpdateOutcome = {kind: 'updated'; resource: Resource} | {kind: 'not_found'} | {kind: 'conflict'; currentVersion: number}

/** The resources table. Reads may go to the replica; writes always to the primary. */
export class ResourceStore {
  constructor(private readonly db: Database) {}

  async get(id: number): Promise<Resource | null> {
    const {rows} = await this.db.query<ResourceRow>('resource_get', `SELECT ${COLUMNS} FROM resources WHERE id = $1`, [id], {readOnly: true})
    return rows[0] ? toResource(rows[0]) : null
  }

  /** Keyset page: ids after `afterId`, ascending; `nextAfterId` is null on the last page. */
  async list(afterId: number, limit: number): Promise<{items: Resource[]; nextAfterId: number | null}> {
    const {rows} = await this.db.query<ResourceRow>(
      'resource_list',
      `SELECT ${COLUMNS} FROM resources WHERE id > $1 ORDER BY id LIMIT $2`,
      [afterId, limit + 1],
      {readOnly: true},
    )
    const items = rows.slice(0, limit).map(toResource)
    return {items, nextAfterId: rows.length > limit ? items[items.length - 1].id : null}
  }

  async create(input: CreateResource, ownerId: number | null): Promise<Resource> {
    const {rows} = await this.db.query<ResourceRow>(
      'resource_create',
      `INSERT INTO resources (name, description, data, owner_id) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
      [input.name, input.description, JSON.stringify(input.data), ownerId],
    )
    return toResource(rows[0])
  }

  async update(id: number, patch: UpdateResource): Promise<UpdateOutcome> {
    const {rows} = await this.db.query<ResourceRow>(
      'resource_update',
      `UPDATE resources
          SET name = COALESCE($2, name),
              description = COALESCE($3, description),
              data = COALESCE($4::jsonb, data),
              version = version + 1,
              updated_at = now()
        WHERE id = $1 AND ($5::int IS NULL OR version = $5)
        RETURNING ${COLUMNS}`,
      [id, patch.name ?? null, patch.description ?? null, patch.data === undefined ? null : JSON.stringify(patch.data), patch.version ?? null],
    )
    if (rows[0]) return {kind: 'updated', resource: toResource(rows[0])}
    if (patch.version === undefined) return {kind: 'not_found'}
    const current = await this.db.query<{version: number}>('resource_version', 'SELECT version FROM resources WHERE id = $1', [id])
    return current.rows[0] ? {kind: 'conflict', currentVersion: current.rows[0].version} : {kind: 'not_found'}
  }

  async remove(id: number): Promise<boolean> {
    const {rowCount} = await this.db.query('resource_delete', 'DELETE FROM resources WHERE id = $1', [id])
    return (rowCount ?? 0) > 0
  }
}
