// What the gateway decides on by path (admin or not, login or not, the metrics route label) must
// match what the API's router will see: Express matches case-insensitively and after decoding,
// so `/api/v1/ADMIN/x`, `/api/v1//admin/x` or `/api/v1/x/../admin` are admin paths too.

export const API_PREFIX = '/api/v1'
const PLAIN = /^[a-z0-9\-_/]*$/

/** Lowercased, decoded, dot segments resolved, repeated and trailing slashes removed; null if undecodable. */
export function normalizeApiPath(path: string): string | null {
  if (PLAIN.test(path) && !path.includes('//')) return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path
  let decoded: string
  try {
    decoded = decodeURIComponent(path)
  } catch {
    return null
  }
  const resolved = new URL(decoded.replace(/\/{2,}/g, '/').replace(/\\/g, '/'), 'http://gateway.invalid').pathname
  const lower = decodeURIComponent(resolved).toLowerCase()
  return lower.length > 1 && lower.endsWith('/') ? lower.slice(0, -1) : lower
}

export function isApiPath(normalized: string): boolean {
  return normalized === API_PREFIX || normalized.startsWith(`${API_PREFIX}/`)
}

export function isAdminPath(normalized: string): boolean {
  return normalized === `${API_PREFIX}/admin` || normalized.startsWith(`${API_PREFIX}/admin/`)
}

export const LOGIN_PATH = `${API_PREFIX}/auth/login`

/** Route label for metrics: `/api/v1/<first segment>`, with a bound on how many distinct ones are kept. */
export function createRouteLabeler(maxSegments = 64): (normalized: string) => string {
  const seen = new Set<string>()
  const SEGMENT = /^[a-z][a-z0-9-]{0,31}$/
  return (normalized) => {
    const rest = normalized.slice(API_PREFIX.length + 1)
    const slash = rest.indexOf('/')
    const segment = slash === -1 ? rest : rest.slice(0, slash)
    if (!SEGMENT.test(segment)) return `${API_PREFIX}/*`
    if (!seen.has(segment)) {
      if (seen.size >= maxSegments) return `${API_PREFIX}/*`
      seen.add(segment)
    }
    return `${API_PREFIX}/${segment}`
  }
}
