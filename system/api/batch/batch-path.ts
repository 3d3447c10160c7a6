/** Only the API's own routes may be called from a batch. */
export const BATCH_PATH_PREFIX = '/api/v1/'
const BATCH_ROUTE = '/api/v1/batch'
const BASE = 'http://batch.invalid'

/**
 * Why a sub-request path is refused, or null when it is a plain relative path to one of this
 * API's own routes. The rules err on the side of refusing: no absolute or protocol-relative URLs,
 * no backslashes, whitespace or control characters, no percent-encoding in the path (nothing
 * legitimate needs it; encoded dots and slashes are how traversal hides), no `.`/`..`/empty
 * segments, no fragment, nothing that a URL parser would normalize, and no batch recursion.
 */
export function refuseSubRequestPath(path: string): string | null {
  if (path.length === 0 || path.length > 2048) return 'must be 1 to 2048 characters'
  if (/[\u0000-\u0020\u007f-\u009f\\]/.test(path)) return 'must not contain whitespace, control characters or backslashes'
  if (!path.startsWith(BATCH_PATH_PREFIX)) return `must be a relative path starting with ${BATCH_PATH_PREFIX}`
  if (path.includes('#')) return 'must not contain a fragment'
  const queryAt = path.indexOf('?')
  const pathname = queryAt === -1 ? path : path.slice(0, queryAt)
  if (pathname.includes('%')) return 'must not percent-encode the path'
  if (pathname.split('/').slice(1).some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return 'must not contain empty, "." or ".." segments'
  }
  let parsed: URL
  try {
    parsed = new URL(path, BASE)
  } catch {
    return 'is not a valid path'
  }
  if (parsed.origin !== BASE || parsed.pathname !== pathname) return 'must not change meaning when parsed as a URL'
  const lower = pathname.toLowerCase()
  if (lower === BATCH_ROUTE || lower.startsWith(`${BATCH_ROUTE}/`)) return 'must not call the batch endpoint itself'
  return null
}
