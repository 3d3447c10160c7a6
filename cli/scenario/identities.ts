// Turning a scenario's identities into the headers its requests carry: nothing for anonymous, the
// seeded key of a tier (x-api-key), or a session token from one login through the target's
// `POST /api/v1/auth/login` before the run (Authorization: Bearer …).
import {API_KEY_HEADER} from '../../contracts/identity.js'
import {SEED_API_KEYS} from '../../contracts/seed.js'
import {UserError} from '../errors.js'
import {joinPath, parseTarget} from '../load/connection-pool.js'
import type {IdentityHeaders} from './request-mix.js'
import type {IdentityFile} from './scenario-schema.js'

export const LOGIN_PATH = '/api/v1/auth/login'
const CONTROL_TIMEOUT_MS = 10_000

/** Headers for every identity in `names` (each user logs in once). */
export async function identityHeaders(identities: Record<string, IdentityFile>, names: Iterable<string>, target: string): Promise<IdentityHeaders> {
  const headers: IdentityHeaders = {}
  for (const name of new Set(names)) {
    const identity = identities[name]
    if (!identity) throw new UserError(`The scenario uses identity "${name}" but does not define it.`, {hint: 'Add it under identities.'})
    if (identity.kind === 'anonymous') headers[name] = {}
    else if (identity.kind === 'api-key') headers[name] = {[API_KEY_HEADER]: identity.key ?? SEED_API_KEYS[identity.tier]}
    else headers[name] = {authorization: `Bearer ${await login(target, identity.email, identity.password, `identity "${name}"`)}`}
  }
  return headers
}

/** Logs in and returns the session token; a UserError saying what went wrong otherwise. */
export async function login(target: string, email: string, password: string, who = email): Promise<string> {
  const url = new URL(joinPath(parseTarget(target).pathname.replace(/\/+$/, ''), LOGIN_PATH), target)
  const {status, body} = await controlRequest('POST', url.href, {body: {email, password}}, `log in ${who} (${email})`)
  const token = (body as {data?: {token?: unknown}} | undefined)?.data?.token
  if (status === 200 && typeof token === 'string') return token
  const reason =
    status === 401
      ? 'the email or password is wrong'
      : status === 429
        ? 'the login was rate limited (429); wait a minute or use an API-key identity'
        : `the target answered HTTP ${status}${errorMessage(body)}`
  throw new UserError(`Cannot log in ${who} as ${email} at ${url.href}: ${reason}.`, {hint: 'Check the identity in the scenario file, and that the target is a scalelab gateway or API.'})
}

export interface ControlResponse {
  status: number
  body: unknown
}

/** One JSON call outside the measured traffic (login, setup), with a timeout. */
export async function controlRequest(
  method: string,
  url: string,
  options: {body?: unknown; headers?: Record<string, string>},
  what: string,
): Promise<ControlResponse> {
  let response: Response
  try {
    response = await fetch(url, {
      method,
      headers: {accept: 'application/json', ...(options.body !== undefined ? {'content-type': 'application/json'} : {}), ...options.headers},
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS),
    })
  } catch (error) {
    const cause = (error as {cause?: {code?: string}}).cause?.code ?? (error as Error).name
    throw new UserError(`Cannot ${what}: ${url} did not answer (${cause}).`, {hint: 'Is the lab up (scalelab status) or the --target URL right?', cause: error})
  }
  const text = await response.text()
  let body: unknown = text
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {
    // not JSON: keep the text for the error message
  }
  return {status: response.status, body}
}

function errorMessage(body: unknown): string {
  const message = (body as {error?: {message?: unknown}} | undefined)?.error?.message
  return typeof message === 'string' ? ` (${message})` : ''
}
