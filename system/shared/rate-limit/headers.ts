// Response fields per draft-ietf-httpapi-ratelimit-headers (-10): `RateLimit-Policy` names the
// quota policy (q = quota, w = window in seconds) and `RateLimit` the service limit for this
// request (r = remaining units, t = seconds until more quota is made available). Both are
// Structured Field lists whose items are strings; the policy name here is the tier.

export const RATELIMIT_POLICY_HEADER = 'RateLimit-Policy'
export const RATELIMIT_HEADER = 'RateLimit'
export const RETRY_AFTER_HEADER = 'Retry-After'

/** Policy names are tiers (lowercase letters), which need no escaping inside an sf-string. */
export function formatPolicy(name: string, quota: number, windowSeconds: number): string {
  return `"${name}";q=${quota};w=${windowSeconds}`
}

export function formatServiceLimit(name: string, remaining: number, resetSeconds: number): string {
  return `"${name}";r=${remaining};t=${resetSeconds}`
}

export interface ParsedLimitItem {
  name: string
  params: Record<string, number | string>
}

/** Parses the subset of SF lists these fields use (string items, integer or string params); for tests and the lab's clients. */
export function parseLimitField(value: string): ParsedLimitItem[] {
  return value.split(',').map((item) => {
    const [head, ...params] = item.trim().split(';')
    const name = head.trim().replace(/^"(.*)"$/, '$1')
    const parsed: Record<string, number | string> = {}
    for (const p of params) {
      const [k, v] = p.split('=')
      parsed[k.trim()] = /^-?\d+$/.test(v) ? Number(v) : v.replace(/^"(.*)"$/, '$1')
    }
    return {name, params: parsed}
  })
}
