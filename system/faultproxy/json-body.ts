// Decoding request bodies the way Toxiproxy's Go structs do: a missing or null field keeps its
// default, a field of the wrong JSON type is a 400 "bad request body", unknown fields are ignored.
import {ErrBadRequestBody, type ApiError} from './api-error.js'

type GoType = 'string' | 'bool' | 'int64' | 'float32'

function jsonTypeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array'
  if (value === null) return 'null'
  if (typeof value === 'boolean') return 'bool'
  return typeof value
}

function mismatch(value: unknown, where: string, goType: string): ApiError {
  let what = jsonTypeOf(value)
  if (typeof value === 'number') what = `number ${value}`
  return ErrBadRequestBody.because(`json: cannot unmarshal ${what} into Go ${where} of type ${goType}`)
}

/** Parses a body; an empty one is Go's "EOF". */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw ErrBadRequestBody.because('EOF')
  try {
    return JSON.parse(text)
  } catch (err) {
    throw ErrBadRequestBody.because((err as Error).message)
  }
}

/** The body must be a JSON object (null decodes to "nothing set", as in Go). */
export function asObject(value: unknown, goValueType: string): Record<string, unknown> {
  if (value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) throw mismatch(value, 'value', goValueType)
  return value as Record<string, unknown>
}

export function asArray(value: unknown, goValueType: string): unknown[] {
  if (value === null) return []
  if (!Array.isArray(value)) throw mismatch(value, 'value', goValueType)
  return value
}

/** Reads `field` as `type`, or returns `fallback` when it is absent or null. */
export function field(object: Record<string, unknown>, name: string, type: 'string', fallback: string, struct: string): string
export function field(object: Record<string, unknown>, name: string, type: 'bool', fallback: boolean, struct: string): boolean
export function field(object: Record<string, unknown>, name: string, type: 'int64' | 'float32', fallback: number, struct: string): number
export function field(
  object: Record<string, unknown>,
  name: string,
  type: GoType,
  fallback: string | boolean | number,
  struct: string,
): string | boolean | number {
  const value = object[name]
  if (value === undefined || value === null) return fallback
  const where = `struct field ${struct}.${name}`
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw mismatch(value, where, type)
      break
    case 'bool':
      if (typeof value !== 'boolean') throw mismatch(value, where, type)
      break
    case 'int64':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw mismatch(value, where, type)
      break
    case 'float32':
      if (typeof value !== 'number') throw mismatch(value, where, type)
      break
  }
  return value as string | boolean | number
}
