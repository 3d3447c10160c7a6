import {randomBytes, scrypt as scryptCb, timingSafeEqual, createHash} from 'node:crypto'
import {promisify} from 'node:util'

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number, options: {N: number; r: number; p: number}) => Promise<Buffer>

// N=2^14 keeps a login near 30 ms on one core: realistic cost, and a login storm shows up as CPU.
const PARAMS = {N: 16384, r: 8, p: 1}
const KEY_LEN = 32

/** `scrypt$N$r$p$salt$hash` (base64 salt and hash). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const hash = await scrypt(password, salt, KEY_LEN, PARAMS)
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${hash.toString('base64')}`
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [, n, r, p, saltB64, hashB64] = parts
  const expected = Buffer.from(hashB64, 'base64')
  const actual = await scrypt(password, Buffer.from(saltB64, 'base64'), expected.length, {N: Number(n), r: Number(r), p: Number(p)})
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

/** API keys are stored as their SHA-256 (hex); the key itself is shown once, at creation. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}
