/**
 * Which name lengths occur in a set of field names: a prefilter that rules out most fields of a
 * message without lowercasing or hashing their names (the hot loops that rewrite heads use it).
 */
export function nameLengths(names: Iterable<string>): Uint8Array {
  const table = new Uint8Array(256)
  for (const n of names) if (n.length < 256) table[n.length] = 1
  return table
}

/** Whether a name may be one of those `table` was made from (false: it certainly is not). */
export function mayBeOneOf(table: Uint8Array, name: string): boolean {
  return name.length < 256 && table[name.length] === 1
}
