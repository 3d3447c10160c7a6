// The chaos experiment file format (DESIGN contract 5), as a zod schema: structure here, the rules
// that span fields (one fault per step, toxic attributes, timing inside the run, the expression
// languages) in superRefine, so every mistake comes back as a field path and what was expected.
// The JSON Schema for editors (scenarios/chaos/experiment.schema.json) is generated from this.
import {z} from 'zod'
import {DURATION_PATTERN, parseDuration} from '../scenario/duration.js'
import {ScenarioSchema} from '../scenario/scenario-schema.js'
import {ExpressionError, parseAbortRule, parseCheck, parseExpectation, parseSignal} from './expressions.js'
import {LINKS, SERVICE_FAULTS, TOXIC_ATTRIBUTES, TOXIC_TYPES, type ToxicType} from './vocabulary.js'

/** A fault needs some baseline before it and some recovery after it to be measured at all. */
export const MIN_BASELINE_MS = 2_000
export const MIN_RECOVERY_MS = 3_000
export const FAULT_KINDS = ['kill', 'stop', 'pause', 'toxic', 'cut', 'http'] as const

const Duration = z
  .string({error: 'expected a duration such as 10s, 1m or 1m30s'})
  .regex(new RegExp(DURATION_PATTERN), {error: 'expected a duration such as 10s, 1m, 1m30s or 500ms'})

const Target = z
  .string({error: 'expected a service name such as redis, postgres, api-2, balancer or gateway'})
  .regex(/^[a-z][a-z0-9-]*$/, {error: 'expected a service name such as redis, postgres, api-2, balancer or gateway'})

const Link = z.enum(LINKS, {error: `expected a fault-proxy link: ${LINKS.join(', ')}`})

const ToxicSchema = z
  .strictObject({
    link: Link,
    type: z.enum(TOXIC_TYPES, {error: `expected a Toxiproxy toxic type: ${TOXIC_TYPES.join(', ')}`}),
    stream: z.enum(['upstream', 'downstream'], {error: 'expected upstream (client → server) or downstream (server → client)'}).optional().describe('Default downstream, as in Toxiproxy.'),
    toxicity: z.number().min(0).max(1, {error: 'expected a share of connections from 0 to 1'}).optional().describe('Share of connections the toxic affects (drawn once per connection); default 1.'),
    attributes: z.record(z.string(), z.number({error: 'expected numbers as toxic attributes'})).optional().describe('The toxic type’s attributes, as Toxiproxy takes them (latency ms, bandwidth KB/s, slicer delay µs).'),
  })
  .describe('Any Toxiproxy toxic on the redis or postgres link of the fault proxy.')

const HttpFaultSchema = z
  .strictObject({
    instance: z.string().regex(/^api-[1-9][0-9]*$/, {error: 'expected an API instance such as api-2'}),
    errorRate: z.number().min(0).max(1, {error: 'expected a share of requests from 0 to 1'}).optional().describe('Share of the instance’s /api/v1 requests answered with `status`.'),
    status: z.number().int().min(400).max(599, {error: 'expected an HTTP error status from 400 to 599'}).optional().describe('Default 500.'),
    delay: Duration.optional().describe('Added before a request is served (or failed).'),
    delayRate: z.number().min(0).max(1).optional().describe('Share of requests delayed (default 1).'),
    routes: z.string().regex(/^\/api\/v1(\/[A-Za-z0-9_\-/:.]*)?$/, {error: 'expected a path prefix under /api/v1, e.g. /api/v1/resources'}).optional(),
  })
  .describe('HTTP faults inside one API instance (PUT /api/v1/admin/faults): a share of requests answered with an error status, or delayed.')

export const StepSchema = z
  .strictObject({
    name: z.string().min(1).optional().describe('Shown in the dashboard and the report (default: what the step does).'),
    at: Duration.describe('When the fault is injected, from the start of the load.'),
    for: Duration.describe('How long it lasts; then it is rolled back (and always at the end, on abort, Ctrl-C or an error).'),
    kill: Target.optional().describe('SIGKILL a service (rollback: start it).'),
    stop: Target.optional().describe('Stop a service gracefully (rollback: start it).'),
    pause: Target.optional().describe('Freeze a service (SIGSTOP / docker pause; rollback: resume it).'),
    toxic: ToxicSchema.optional(),
    cut: Link.optional().describe('Cut a fault-proxy link (enabled: false; rollback: enabled again).'),
    http: HttpFaultSchema.optional(),
    detect: z.array(z.string()).optional().describe('Signals that show the system noticed, timed from the injection (default: those of the fault kind), e.g. "breaker redis open", "api-2 out of rotation", "gateway degraded".'),
  })
  .describe('One fault: exactly one of kill, stop, pause, toxic, cut, http.')

const LoadSchema = z
  .strictObject({
    scenario: z.string().min(1).optional().describe('A traffic scenario (name, or a path relative to this file) whose identities and requests are sent; its phases are not used.'),
    identities: ScenarioSchema.shape.identities.describe('Identities added to the scenario’s (same format as in scenario files).'),
    requests: z.array(ScenarioSchema.shape.requests.element).optional().describe('Request templates added to the scenario’s (same format as in scenario files).'),
    rate: z.number({error: 'expected the background load in requests per second, e.g. 150'}).positive({error: 'expected a rate > 0 requests per second'}).describe('Open model: arrivals per second for the whole run.'),
  })
  .describe('The background load: a scenario’s requests (plus these) at a constant rate. It must write: POST /api/v1/resources, whose acknowledged ids are read back after recovery.')

const SteadyStateSchema = z
  .strictObject({
    checks: z.array(z.string(), {error: 'expected a list of checks'}).min(1, {error: 'expected at least one check, e.g. "error_rate < 1%"'}),
    window: Duration.optional().describe('Each check is judged every second on this many last seconds (default 3s).'),
    holdFor: Duration.optional().describe('Recovered = every check passes for this long after the rollback (default 3s).'),
  })
  .describe('The steady-state hypothesis: must hold in the baseline, and again after the rollback.')

export const ExperimentSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string({error: 'expected the experiment name'}).regex(/^[a-z0-9][a-z0-9._-]*$/, {error: 'expected a lowercase name of letters, digits, ".", "_" or "-"'}),
    description: z.string({error: 'expected a one-line description of what the experiment demonstrates'}).min(1),
    duration: Duration.describe('The whole run: baseline, faults and recovery.'),
    load: LoadSchema,
    steadyState: SteadyStateSchema,
    method: z.array(StepSchema, {error: 'expected a list of fault steps'}).min(1, {error: 'expected at least one fault step'}),
    expectations: z.array(z.string()).optional().describe('Judged after the run; a failed one fails the run (exit 3).'),
    abort: z.array(z.string()).optional().describe('"<check> for <duration>": stop early (rolling every fault back) when it holds that long, e.g. "error_rate > 50% for 5s".'),
  })
  .superRefine((experiment, ctx) => {
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({code: 'custom', path, message})
    const parse = (path: PropertyKey[], text: string, parser: (t: string) => unknown) => {
      try {
        parser(text)
      } catch (error) {
        if (error instanceof ExpressionError) issue(path, error.message)
        else throw error
      }
    }
    // Unparseable durations are reported on their own fields; timing rules need all three.
    const totalMs = typeof experiment.duration === 'string' ? parseDuration(experiment.duration) : undefined
    if (experiment.load.scenario === undefined && !experiment.load.requests?.length) {
      issue(['load'], 'expected a scenario (whose requests are sent) or requests of its own')
    }
    const names = new Set<string>()
    experiment.method.forEach((step, i) => {
      const kinds = FAULT_KINDS.filter((k) => step[k] !== undefined)
      if (kinds.length !== 1) issue(['method', i], `expected exactly one fault (${FAULT_KINDS.join(', ')})${kinds.length ? `, not ${kinds.join(' and ')}` : ''}`)
      const at = parseDuration(step.at)
      const length = parseDuration(step.for)
      if (at !== undefined && at < MIN_BASELINE_MS) issue(['method', i, 'at'], `expected at least ${MIN_BASELINE_MS / 1000}s of baseline before a fault`)
      if (length !== undefined && length <= 0) issue(['method', i, 'for'], 'expected a fault that lasts longer than 0')
      if (totalMs !== undefined && at !== undefined && length !== undefined && at + length > totalMs - MIN_RECOVERY_MS) {
        issue(['method', i, 'for'], `expected the fault to be rolled back at least ${MIN_RECOVERY_MS / 1000}s before the end (duration ${experiment.duration}), to see the recovery`)
      }
      if (step.name !== undefined) {
        if (names.has(step.name)) issue(['method', i, 'name'], `expected a unique step name; "${step.name}" is used twice`)
        names.add(step.name)
      }
      if (step.toxic) toxicAttributeIssues(step.toxic.type, step.toxic.attributes ?? {}).forEach(([key, message]) => issue(['method', i, 'toxic', 'attributes', ...key], message))
      if (step.http && !(step.http.errorRate ?? 0) && !step.http.delay) issue(['method', i, 'http'], 'expected errorRate > 0 or a delay: this fault injects nothing')
      step.detect?.forEach((text, j) => parse(['method', i, 'detect', j], text, parseSignal))
    })
    experiment.steadyState.checks.forEach((text, i) => parse(['steadyState', 'checks', i], text, parseCheck))
    const stepNames = experiment.method.map((step) => step.name ?? stepName(step))
    experiment.expectations?.forEach((text, i) =>
      parse(['expectations', i], text, (t) => {
        const expectation = parseExpectation(t)
        if (expectation.kind === 'detected' && expectation.step !== null && !stepNames.includes(expectation.step)) {
          throw new ExpressionError(`"${t}": "of ${expectation.step}" names no step; the steps are ${stepNames.map((n) => `"${n}"`).join(', ')} (or write "of fault" for the first).`)
        }
      }),
    )
    experiment.abort?.forEach((text, i) => parse(['abort', i], text, parseAbortRule))
  })

export type ExperimentFile = z.infer<typeof ExperimentSchema>
export type StepFile = z.infer<typeof StepSchema>

function toxicAttributeIssues(type: ToxicType, attributes: Record<string, number>): Array<[PropertyKey[], string]> {
  const spec = TOXIC_ATTRIBUTES[type]
  const known: readonly string[] = [...spec.required, ...spec.optional]
  const issues: Array<[PropertyKey[], string]> = []
  for (const name of spec.required) if (attributes[name] === undefined) issues.push([[], `missing ${name}: a ${type} toxic takes ${spec.help}`])
  for (const [name, value] of Object.entries(attributes)) {
    if (!known.includes(name)) issues.push([[name], `unknown attribute of a ${type} toxic; it takes ${known.join(', ') || 'none'} (${spec.help})`])
    else if (value < 0) issues.push([[name], 'expected a number ≥ 0'])
  }
  return issues
}

export function serviceVerbOf(step: StepFile): keyof typeof SERVICE_FAULTS | undefined {
  return step.kill !== undefined ? 'kill' : step.stop !== undefined ? 'stop' : step.pause !== undefined ? 'pause' : undefined
}

/** "kill redis", "latency on postgres", "cut redis", "http 500 on api-2". */
export function stepName(step: StepFile): string {
  const verb = serviceVerbOf(step)
  if (verb) return `${verb} ${step[verb]}`
  if (step.toxic) return `${step.toxic.type} on ${step.toxic.link}`
  if (step.cut) return `cut ${step.cut}`
  const http = step.http!
  return http.errorRate ? `http ${http.status ?? 500} on ${http.instance}` : `http delay on ${http.instance}`
}

/** JSON Schema of experiment files (draft 2020-12), for editors: `# yaml-language-server: $schema=./experiment.schema.json`. */
export function experimentJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ExperimentSchema, {target: 'draft-2020-12', io: 'input', unrepresentable: 'any'}) as Record<string, unknown>
  return {
    $schema: schema.$schema,
    title: 'scalelab chaos experiment',
    ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema')),
  }
}
