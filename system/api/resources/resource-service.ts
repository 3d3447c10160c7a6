import type {TwoLevelCache, CacheSource} from '../../shared/cache/two-level-cache.js'
import type {CreateResource, UpdateResource} from './resource-schemas.js'
import type {Resource, ResourceStore, UpdateOutcome} from './resource-store.js'

export const RESOURCE_CACHE_NAMESPACE = 'resource'

/** Resource reads through the two-level cache; every write invalidates the id everywhere before it answers. */
export class ResourceService {
  constructor(
    private readonly store: ResourceStore,
    private readonly cache: TwoLevelCache<Resource>,
  ) {}

  async get(id: number): Promise<{resource: Resource | null; source: CacheSource}> {
    const {value, source} = await this.cache.get(String(id), () => this.store.get(id))
    return {resource: value, source}
  }

  list(afterId: number, limit: number) {
    return this.store.list(afterId, limit)
  }

  async create(input: CreateResource, ownerId: number | null): Promise<Resource> {
    const resource = await this.store.create(input, ownerId)
    // The id may be remembered as "not found" (someone asked for it before it existed).
    await this.cache.invalidate([String(resource.id)])
    return resource
  }

  async update(id: number, patch: UpdateResource): Promise<UpdateOutcome> {
    const outcome = await this.store.update(id, patch)
    if (outcome.kind === 'updated') await this.cache.invalidate([String(id)])
    return outcome
  }

  async remove(id: number): Promise<boolean> {
    const removed = await this.store.remove(id)
    if (removed) await this.cache.invalidate([String(id)])
    return removed
  }
}
