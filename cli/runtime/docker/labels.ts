// What marks a Docker object as part of a lab: reverse-DNS labels of our own. `down` and `status`
// find everything by the project label, never by name, so a lab only ever touches what it created.
import {createHash} from 'node:crypto'

export const LABELS = {
  /** The project: one per state dir. */
  project: 'dev.scalelab.project',
  /** The service kind: redis, postgres, faultproxy, migrate, api, balancer, gateway. */
  service: 'dev.scalelab.service',
  /** The instance (chaos target) name: redis, api-2, ... */
  instance: 'dev.scalelab.instance',
  /** The state dir the lab belongs to (for a person reading `docker ps`). */
  stateDir: 'dev.scalelab.state-dir',
  /** On images: which role a scalelab-built image plays (app, node, redis, postgres). */
  image: 'dev.scalelab.image',
  /** On images: what the image was built from, to tell when it must be rebuilt. */
  source: 'dev.scalelab.source',
} as const

/** `scalelab-<8 hex>`: stable for a state dir, distinct between labs on one machine. */
export function projectName(stateDir: string): string {
  return `scalelab-${createHash('sha256').update(stateDir).digest('hex').slice(0, 8)}`
}

export function projectFilter(project: string): {label: string[]} {
  return {label: [`${LABELS.project}=${project}`]}
}
