/**
 * The client's address. With `trustedProxies` = N, the N-th address from the right of
 * X-Forwarded-For is the client (each trusted proxy appends the address it saw); entries further
 * left are whatever the client sent and are ignored. With 0 the socket's peer is the client.
 */
export function clientIpOf(remoteAddress: string, forwardedFor: string | undefined, trustedProxies: number): string {
  const peer = normalize(remoteAddress)
  if (trustedProxies <= 0) return peer
  if (!forwardedFor) return peer
  const hops = forwardedFor.split(',')
  const entry = hops[hops.length - trustedProxies]?.trim()
  return entry ? normalize(entry) : normalize(hops[0].trim()) || peer
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are one client. */
function normalize(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip
}
