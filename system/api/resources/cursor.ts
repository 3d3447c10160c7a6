// Opaque keyset cursors: base64url of "r:<last id>". Opaque so clients cannot build or depend on
// them; the prefix makes a random base64 string fail to decode.
const PREFIX = 'r:'

export function encodeCursor(afterId: number): string {
  return Buffer.from(`${PREFIX}${afterId}`, 'utf8').toString('base64url')
}

/** The id a cursor continues after, or null if it is not one of ours. */
export function decodeCursor(cursor: string): number | null {
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(cursor)) return null
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  const match = /^r:([1-9][0-9]{0,15})$/.exec(text)
  if (!match) return null
  const id = Number(match[1])
  return Number.isSafeInteger(id) ? id : null
}
