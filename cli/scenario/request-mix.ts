// The scenario's weighted request templates as the engines' RequestSource: each call picks a
// template by weight and fills its placeholders. Within one request `{{id}}` (and `{{uuid}}`) has one
// value wherever it appears, so a path and a body can name the same resource. `{{seq}}` counts
// requests of the whole run from 1. Templates without placeholders hand out one prepared request.
import {randomUUID} from 'node:crypto'
import type {RequestSource, RequestSpec} from '../load/types.js'
import {idGenerator, type IdGenerator} from './id-generators.js'
import type {ResolvedTemplate} from './resolve-scenario.js'
import type {Random} from './zipf.js'

type Part = string | {placeholder: 'id' | 'seq' | 'uuid'}
type Text = Part[]

/** Header sets per identity name (from logins and API keys). */
export type IdentityHeaders = Record<string, Record<string, string>>

interface RequestValues {
  seq: number
  id?: number
  uuid?: string
}

interface CompiledTemplate {
  name: string
  fixed?: RequestSpec
  render(values: RequestValues): RequestSpec
}

export interface RequestMixOptions {
  random?: Random
  uuid?: () => string
}

export interface RequestMix extends RequestSource {
  /** Requests handed out so far (the last {{seq}} given). */
  readonly count: number
}

export function buildRequestMix(templates: readonly ResolvedTemplate[], identities: IdentityHeaders, options: RequestMixOptions = {}): RequestMix {
  if (templates.length === 0) throw new Error('a request mix needs at least one template')
  const random = options.random ?? Math.random
  const uuid = options.uuid ?? randomUUID
  let seq = 0
  const compiled = templates.map((t) => compileTemplate(t, identities, random, uuid))
  const cumulative: number[] = []
  let sum = 0
  for (const t of templates) cumulative.push((sum += t.weight))

  const pick = (): CompiledTemplate => {
    if (compiled.length === 1) return compiled[0]
    const r = random() * sum
    let lo = 0
    let hi = cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cumulative[mid] > r) hi = mid
      else lo = mid + 1
    }
    return compiled[lo]
  }

  return {
    get count() {
      return seq
    },
    next(): RequestSpec {
      const template = pick()
      seq++
      if (template.fixed) return template.fixed
      return template.render({seq})
    },
  }
}

function compileTemplate(template: ResolvedTemplate, identities: IdentityHeaders, random: Random, uuid: () => string): CompiledTemplate {
  const identityHeaders = identities[template.identity]
  if (!identityHeaders) throw new Error(`no credentials for identity "${template.identity}"`)
  const path = parseText(template.path)
  const headerTexts = Object.entries(template.headers).map(([name, value]) => [name, parseText(value)] as const)
  const body = template.body === undefined ? undefined : parseText(template.body)
  const uses = new Set<string>()
  for (const text of [path, ...headerTexts.map(([, t]) => t), ...(body ? [body] : [])]) {
    for (const part of text) if (typeof part !== 'string') uses.add(part.placeholder)
  }
  const ids: IdGenerator | undefined = uses.has('id') ? idGenerator(template.ids, random) : undefined
  const tag = template.name

  const render = (values: RequestValues): RequestSpec => {
    if (ids && values.id === undefined) values.id = ids()
    const headers: Record<string, string> = {...identityHeaders}
    for (const [name, text] of headerTexts) headers[name] = fill(text, values, uuid)
    const spec: RequestSpec = {method: template.method, path: fill(path, values, uuid), headers, tag}
    if (body) spec.body = fill(body, values, uuid)
    return spec
  }

  if (uses.size === 0) {
    const fixed = render({seq: 0})
    return {name: template.name, fixed, render: () => fixed}
  }
  return {name: template.name, render}
}

function parseText(text: string): Text {
  const parts: Text = []
  let last = 0
  for (const match of text.matchAll(/\{\{\s*(id|seq|uuid)\s*\}\}/g)) {
    if (match.index > last) parts.push(text.slice(last, match.index))
    parts.push({placeholder: match[1] as 'id' | 'seq' | 'uuid'})
    last = match.index + match[0].length
  }
  if (last < text.length) parts.push(text.slice(last))
  return parts
}

function fill(text: Text, values: RequestValues, uuid: () => string): string {
  if (text.length === 1 && typeof text[0] === 'string') return text[0]
  let out = ''
  for (const part of text) {
    if (typeof part === 'string') out += part
    else if (part.placeholder === 'uuid') out += values.uuid ??= uuid()
    else out += String(values[part.placeholder])
  }
  return out
}
