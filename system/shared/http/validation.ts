import type {z} from 'zod'
import {HttpError} from './envelope.js'

/**
 * Parses untrusted input with a zod schema; the first problem becomes a 400 naming the field
 * (`root` prefixes it: `query`, `body`, `params` callers usually pass nothing and name fields directly).
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown, root?: string): z.infer<S> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const path = issue.path.map(String)
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) path.push(issue.keys[0])
  const field = [root, ...path].filter((p): p is string => Boolean(p)).join('.') || 'body'
  const message =
    issue.code === 'unrecognized_keys'
      ? `${field} is not a known field`
      : value === undefined && field === 'body'
        ? 'body is missing: send JSON with Content-Type: application/json'
        : `${field}: ${issue.message}`
  throw new HttpError(400, 'validation_failed', message, {field})
}
