// A scenario's setup, done once before its first phase, outside the measured traffic.
import {SEED_USERS} from '../../contracts/seed.js'
import {UserError} from '../errors.js'
import type {ResolvedScenario} from '../scenario/resolve-scenario.js'
import {controlRequest, login} from '../scenario/identities.js'

export const CACHE_CLEAR_PATH = '/api/v1/admin/cache/clear'

/** Runs the setup steps; returns one line per step for the reporter. */
export async function runSetup(scenario: ResolvedScenario, target: string): Promise<string[]> {
  const lines: string[] = []
  if (scenario.setup.flushCaches) lines.push(await flushCaches(target, scenario.setup.admin))
  return lines
}

/**
 * Empties the caches through the admin endpoint: the instance that takes the call clears its L1 and
 * the Redis namespace and tells every other instance (over the invalidation bus) to drop its L1.
 */
export async function flushCaches(target: string, admin?: {email: string; password: string}): Promise<string> {
  const seededAdmin = SEED_USERS.find((u) => u.role === 'admin')!
  const credentials = admin ?? {email: seededAdmin.email, password: seededAdmin.password}
  const token = await login(target, credentials.email, credentials.password, 'the setup admin')
  const url = new URL(CACHE_CLEAR_PATH.slice(1), target.endsWith('/') ? target : `${target}/`).href
  const {status, body} = await controlRequest('POST', url, {headers: {authorization: `Bearer ${token}`}}, 'clear the caches')
  if (status !== 200) {
    throw new UserError(`Cannot clear the caches: ${url} answered HTTP ${status}.`, {hint: 'setup.flushCaches needs an admin login on a scalelab gateway or API.'})
  }
  const data = (body as {data?: {l1Dropped?: number; l2Deleted?: number | null; broadcast?: boolean}}).data ?? {}
  const l2 = data.l2Deleted === null || data.l2Deleted === undefined ? 'Redis not reachable' : `${data.l2Deleted} Redis keys deleted`
  return `setup: caches cleared (${l2}; ${data.broadcast ? 'every instance told to drop its L1' : 'only one instance’s L1 dropped: the broadcast failed'})`
}
