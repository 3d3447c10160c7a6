// The scenario file format (DESIGN contract 5), as a zod schema: structure here, cross-field rules
// (one load model per phase, known identities, parseable thresholds, known phases) in superRefine,
// so every mistake comes back as a field path and what was expected. The JSON Schema for editors
// is generated from this (scenario.schema.json); no transforms here, so it stays representable.
import {z} from 'zod'
import {TIERS} from '../../contracts/identity.js'
import {SEED_RESOURCE_COUNT} from '../../contracts/seed.js'
import {CompareLimitsSection} from '../report/compare.js'
import {parseThreshold, ThresholdSyntaxError} from '../report/thresholds.js'
import {DURATION_PATTERN} from './duration.js'

export const PLACEHOLDERS = ['id', 'seq', 'uuid'] as const
/** What the per-second samples carry, so what a knee condition may use. */
export const KNEE_METRICS: readonly string[] = ['p50', 'p95', 'p99', 'max', 'errorRate', 'rateLimitedRate', 'achievedRatio']
const PLACEHOLDER = /\{\{\s*([^}]*?)\s*\}\}/g

const Duration = z
  .string({error: 'expected a duration such as 30s, 2m or 1m30s'})
  .regex(new RegExp(DURATION_PATTERN), {error: 'expected a duration such as 30s, 2m, 1m30s or 500ms'})
  .describe('A duration: a number with ms, s, m or h, e.g. 30s, 2m, 1m30s.')

const Rate = z
  .union([z.number().positive(), z.strictObject({from: z.number().nonnegative(), to: z.number().nonnegative()})], {
    error: 'expected a rate in requests per second: a number > 0, or {from: N, to: M} for a ramp',
  })
  .describe('Open model: arrivals per second, constant (a number) or a linear ramp ({from, to}).')

const ThresholdExpression = z
  .string({error: 'expected a threshold expression such as "p95 < 100ms during baseline"'})
  .describe('"<metric> <op> <value> [during <phase>]"; metrics: p50 p90 p95 p99 p999 max mean (ms), error_rate, rate_429, cache_hit_rate (%), achieved_rate (% of target, or req/s).')

const Knee = z
  .strictObject({
    when: z.array(ThresholdExpression).min(1, {error: 'expected at least one condition, e.g. ["p99 > 250ms", "error_rate > 1%"]'}),
    for: Duration.optional().describe('How long a condition must hold to count (default 2s).'),
    stop: z.boolean().optional().describe('End the phase at the knee (default true).'),
  })
  .describe('Ramp phases: the knee is the first second from which any `when` condition holds for `for`; the report gives the rate there.')

export const PhaseSchema = z
  .strictObject({
    name: z.string({error: 'expected a phase name'}).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {error: 'expected a name of letters, digits, ".", "_" or "-"'}),
    duration: Duration,
    rate: Rate.optional(),
    connections: z.number().int().positive({error: 'expected a whole number of connections ≥ 1'}).optional().describe('Closed model: connections, each sending its next request when the last one answers.'),
    pipelining: z.number().int().positive({error: 'expected a whole number ≥ 1'}).optional().describe('Closed model: requests in flight per connection (default 1).'),
    knee: Knee.optional(),
  })
  .describe('One phase: `rate` (open model) or `connections` (closed model).')

const IdentitySchema = z
  .discriminatedUnion(
    'kind',
    [
      z.strictObject({kind: z.literal('anonymous')}),
      z.strictObject({
        kind: z.literal('api-key'),
        tier: z.enum(TIERS, {error: `expected a tier: ${TIERS.join(', ')}`}),
        key: z.string().min(1).optional().describe('Another key than the seeded one of this tier (for --target deployments).'),
      }),
      z.strictObject({
        kind: z.literal('user'),
        email: z.string({error: 'expected the email of a user to log in as'}).min(3),
        password: z.string({error: 'expected the password of that user'}).min(1),
      }),
    ],
    {error: 'expected an identity with kind anonymous, api-key (with tier) or user (with email and password)'},
  )
  .describe('Who sends a request: anonymous, an API key of a tier (seeded keys), or a user logged in once before the run.')

const IdGeneratorSchema = z
  .strictObject({
    distribution: z.enum(['uniform', 'zipf'], {error: 'expected uniform or zipf'}),
    s: z.number().positive({error: 'expected the Zipf exponent s > 0 (1.0 to 1.2 is typical)'}).optional().describe('Zipf exponent (default 1.1).'),
    min: z.number().int().positive().optional().describe('Lowest id (default 1).'),
    max: z.number().int().positive().optional().describe(`Highest id (default ${SEED_RESOURCE_COUNT}, the seeded resources).`),
  })
  .describe('How {{id}} is drawn: uniform, or Zipf (rank 1 = the lowest id is the hottest).')

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const

const RequestTemplateSchema = z
  .strictObject({
    name: z.string().min(1).optional(),
    weight: z.number().positive({error: 'expected a weight > 0'}).optional().describe('Relative share of requests (default 1).'),
    method: z.enum(HTTP_METHODS, {error: `expected an HTTP method: ${HTTP_METHODS.join(', ')}`}).optional(),
    path: z.string({error: 'expected a path starting with /'}).startsWith('/', {error: 'expected a path starting with /'}),
    headers: z.record(z.string(), z.string({error: 'expected header values as strings'})).optional(),
    body: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())], {error: 'expected a body: a string, or an object/array sent as JSON'}).optional(),
    identity: z.string().min(1).optional().describe('A name from `identities` (default: anonymous).'),
    ids: IdGeneratorSchema.optional(),
  })
  .describe('A request template; {{id}}, {{seq}} and {{uuid}} in path, header values and body are filled per request.')

const SetupSchema = z
  .strictObject({
    flushCaches: z.boolean().optional().describe('Empty every API instance’s cache (L1 and Redis) before the first phase, through the admin endpoint.'),
    admin: z.strictObject({email: z.string().min(3), password: z.string().min(1)}).optional().describe('Admin login for setup (default: the seeded admin).'),
  })
  .describe('Done once before the first phase.')

export const ScenarioSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string({error: 'expected the scenario name'}).regex(/^[a-z0-9][a-z0-9._-]*$/, {error: 'expected a lowercase name of letters, digits, ".", "_" or "-"'}),
    description: z.string({error: 'expected a one-line description'}).min(1),
    target: z
      .union([z.enum(['gateway', 'balancer']), z.url({protocol: /^https?$/})], {error: 'expected gateway, balancer or an http(s):// URL'})
      .optional()
      .describe('Where the traffic goes: the lab’s gateway (default) or balancer, or a URL.'),
    identities: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/), IdentitySchema).optional(),
    ids: IdGeneratorSchema.optional().describe('Default for templates without their own `ids`.'),
    requests: z.array(RequestTemplateSchema, {error: 'expected a list of request templates'}).min(1, {error: 'expected at least one request template'}),
    phases: z.array(PhaseSchema, {error: 'expected a list of phases'}).min(1, {error: 'expected at least one phase'}),
    thresholds: z.array(ThresholdExpression).optional(),
    setup: SetupSchema.optional(),
    compare: CompareLimitsSection.optional().describe('Limits for `report compare`, in % (latency, achieved rate) or percentage points (errorRate, cacheHitRate).'),
  })
  .superRefine((scenario, ctx) => {
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({code: 'custom', path, message})
    const phaseNames = scenario.phases.map((p) => p.name)
    scenario.phases.forEach((phase, i) => {
      const hasRate = phase.rate !== undefined
      const hasConnections = phase.connections !== undefined
      if (hasRate === hasConnections) issue(['phases', i], 'expected either rate (open model) or connections (closed model), not both or neither')
      if (phase.pipelining !== undefined && !hasConnections) issue(['phases', i, 'pipelining'], 'pipelining needs connections (closed model)')
      if (typeof phase.rate === 'object' && phase.rate.from === 0 && phase.rate.to === 0) issue(['phases', i, 'rate'], 'expected a ramp with from or to > 0')
      if (phaseNames.indexOf(phase.name) !== i) issue(['phases', i, 'name'], `expected a unique phase name; "${phase.name}" is used twice`)
      phase.knee?.when.forEach((expression, j) => {
        const parsed = tryThreshold(expression)
        if (typeof parsed === 'string') issue(['phases', i, 'knee', 'when', j], parsed)
        else if (parsed.phase !== null) issue(['phases', i, 'knee', 'when', j], 'a knee condition applies to its own phase: leave out "during"')
        else if (!KNEE_METRICS.includes(parsed.metric)) issue(['phases', i, 'knee', 'when', j], 'a knee condition is measured per second: use p50, p95, p99, max, error_rate, rate_429 or achieved_rate in %')
      })
      if (phase.knee && (phase.rate === undefined || typeof phase.rate === 'number')) issue(['phases', i, 'knee'], 'a knee is looked for in a ramp: give the phase rate: {from, to}')
    })
    const identities = new Set(['anonymous', ...Object.keys(scenario.identities ?? {})])
    scenario.requests.forEach((request, i) => {
      if (request.identity !== undefined && !identities.has(request.identity)) {
        issue(['requests', i, 'identity'], `expected one of the identities: ${[...identities].join(', ')} (define "${request.identity}" under identities)`)
      }
      const ids = request.ids ?? scenario.ids
      if (ids && ids.min !== undefined && ids.max !== undefined && ids.min > ids.max) issue(['requests', i, 'ids'], 'expected min ≤ max')
      for (const [path, text] of templateTexts(request)) {
        for (const name of placeholdersIn(text)) {
          if (!(PLACEHOLDERS as readonly string[]).includes(name)) issue(['requests', i, ...path], `unknown placeholder {{${name}}}; use ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`)
        }
      }
    })
    scenario.thresholds?.forEach((expression, i) => {
      const parsed = tryThreshold(expression)
      if (typeof parsed === 'string') issue(['thresholds', i], parsed)
      else if (parsed.phase !== null && !phaseNames.includes(parsed.phase)) {
        issue(['thresholds', i], `"during ${parsed.phase}" names no phase; the phases are ${phaseNames.join(', ')}`)
      }
    })
  })

export type ScenarioFile = z.infer<typeof ScenarioSchema>
export type PhaseFile = z.infer<typeof PhaseSchema>
export type IdentityFile = z.infer<typeof IdentitySchema>
export type IdGeneratorFile = z.infer<typeof IdGeneratorSchema>
export type RequestTemplateFile = z.infer<typeof RequestTemplateSchema>

function tryThreshold(expression: string) {
  try {
    return parseThreshold(expression)
  } catch (error) {
    if (error instanceof ThresholdSyntaxError) return error.message
    throw error
  }
}

/** Every text of a template that may hold placeholders, with its path inside the template. */
function templateTexts(request: RequestTemplateFile): Array<[PropertyKey[], string]> {
  const texts: Array<[PropertyKey[], string]> = [[['path'], request.path]]
  for (const [name, value] of Object.entries(request.headers ?? {})) texts.push([['headers', name], value])
  if (request.body !== undefined) texts.push([['body'], typeof request.body === 'string' ? request.body : JSON.stringify(request.body)])
  return texts
}

export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1])
}

/** JSON Schema of scenario files (draft 2020-12), for editors: `# yaml-language-server: $schema=...`. */
export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ScenarioSchema, {target: 'draft-2020-12', io: 'input', unrepresentable: 'any'}) as Record<string, unknown>
  return {
    $schema: schema.$schema,
    title: 'scalelab scenario',
    ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema')),
  }
}
