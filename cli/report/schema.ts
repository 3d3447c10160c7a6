// The run report: versioned JSON written for every bench and chaos run, the single source that
// the Markdown, HTML and JUnit writers and `report compare` read. Latencies in milliseconds,
// rates in requests per second, ratios in 0..1. Every figure is one measured in that run; a figure
// that could not be measured is null, never a made-up constant.
import {z} from 'zod'

export const REPORT_SCHEMA_VERSION = 1

const ms = z.number().nonnegative()
const ratio = z.number().min(0).max(1)

export const Percentiles = z.object({
  p50: ms,
  p90: ms,
  p95: ms,
  p99: ms,
  p999: ms,
  max: ms,
  mean: ms,
})
export type Percentiles = z.infer<typeof Percentiles>

/**
 * Outcome counts. `errors` = serverErrors + socketErrors + timeouts: failures of the system or the
 * transport. 429s and other 4xx are counted apart and are not errors.
 */
export const Outcomes = z.object({
  total: z.number().int().nonnegative(),
  ok: z.number().int().nonnegative(),
  redirects: z.number().int().nonnegative(),
  clientErrors: z.number().int().nonnegative(),
  rateLimited: z.number().int().nonnegative(),
  serverErrors: z.number().int().nonnegative(),
  socketErrors: z.number().int().nonnegative(),
  timeouts: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
})
export type Outcomes = z.infer<typeof Outcomes>

export const GeneratorFigures = z.object({
  /** Requests that could not be sent at their intended time (open model); 0 for closed phases. */
  behind: z.number().int().nonnegative(),
  cpuPercentMean: z.number().nonnegative(),
  cpuPercentMax: z.number().nonnegative(),
  /** The load generator, not the system, was the bottleneck during this phase. */
  saturated: z.boolean(),
})

export const PhaseReport = z.object({
  name: z.string(),
  model: z.enum(['open', 'closed']),
  /** Seconds from the start of the run. */
  startOffsetS: z.number().nonnegative(),
  durationS: z.number().nonnegative(),
  /** Open model: the arrival rate asked for (from → to when ramping); null for closed phases. */
  targetRate: z.object({from: z.number(), to: z.number(), mean: z.number()}).nullable(),
  /** Closed model: connections and pipelining; null for open phases. */
  connections: z.number().int().positive().nullable(),
  pipelining: z.number().int().positive().nullable(),
  achievedRate: z.number().nonnegative(),
  outcomes: Outcomes,
  errorRate: ratio,
  rateLimitedRate: ratio,
  latencyMs: Percentiles.nullable(),
  generator: GeneratorFigures,
  /** Cache hit rate measured from the system's metrics during this phase. */
  cacheHitRate: ratio.nullable(),
  /**
   * Phases with a knee rule (ramps): where the first condition started to hold for its whole
   * window; null when it never did within the phase. Absent for phases without a rule.
   */
  knee: z
    .object({
      /** Seconds from the start of the run. */
      atS: z.number().nonnegative(),
      /** Arrival rate asked for in that second. */
      targetRate: z.number().nonnegative().nullable(),
      /** Requests sent per second in that second. */
      achievedRate: z.number().nonnegative(),
      /** The condition that held, as written (e.g. "p99 > 250ms"). */
      condition: z.string(),
      /** The last second before it: the highest rate the system took within the rule. */
      lastGood: z.object({atS: z.number().nonnegative(), targetRate: z.number().nonnegative().nullable(), achievedRate: z.number().nonnegative()}).nullable(),
    })
    .nullable()
    .optional(),
})
export type PhaseReport = z.infer<typeof PhaseReport>

/** One second of the run as the load generator saw it. */
export const LoadSecond = z.object({
  t: z.number().int().nonnegative(),
  phase: z.string(),
  targetRate: z.number().nullable(),
  rate: z.number().nonnegative(),
  ok: z.number().int().nonnegative(),
  rateLimited: z.number().int().nonnegative(),
  clientErrors: z.number().int().nonnegative(),
  serverErrors: z.number().int().nonnegative(),
  socketErrors: z.number().int().nonnegative(),
  timeouts: z.number().int().nonnegative(),
  behind: z.number().int().nonnegative(),
  p50: ms.nullable(),
  p95: ms.nullable(),
  p99: ms.nullable(),
  max: ms.nullable(),
  cpuPercent: z.number().nonnegative(),
  /** Resident memory of the load generator (the scalelab process) at the end of this second, MiB. */
  rssMb: z.number().nonnegative().optional(),
})
export type LoadSecond = z.infer<typeof LoadSecond>

export const BreakerStateName = z.enum(['closed', 'half-open', 'open'])

/** One second of the system as its own /metrics told it (deltas over that second). */
export const SystemSecond = z.object({
  t: z.number().int().nonnegative(),
  cacheHitRate: ratio.nullable(),
  l1HitRate: ratio.nullable(),
  l2HitRate: ratio.nullable(),
  staleServes: z.number().int().nonnegative(),
  breakerTrips: z.number().int().nonnegative(),
  /** instance → dependency → state, as last scraped. */
  breakerStates: z.record(z.string(), z.record(z.string(), BreakerStateName)),
  rateLimit: z.object({allowed: z.number(), limited: z.number(), failOpen: z.number()}),
  /** API instance → requests it served in this second. */
  perInstanceRequests: z.record(z.string(), z.number()),
  ejections: z.number().int().nonnegative(),
  ejected: z.array(z.string()),
  poolWaiting: z.number().nonnegative(),
  /** Services whose /metrics did not answer in this second. */
  down: z.array(z.string()),
  /** Resident memory (RSS) per service instance, MB, as scraped. */
  residentMemoryMb: z.record(z.string(), z.number().nonnegative()).optional(),
})
export type SystemSecond = z.infer<typeof SystemSecond>

export const SystemReport = z.object({
  /** False when the system's metrics could not be read at all (e.g. --target without metrics URLs). */
  available: z.boolean(),
  reason: z.string().optional(),
  /** Sources scraped: service/instance name → metrics URL. */
  sources: z.record(z.string(), z.string()),
  totals: z.object({
    cacheHitRate: ratio.nullable(),
    cacheHitRateByLayer: z.object({l1: ratio.nullable(), l2: ratio.nullable()}),
    cacheLookups: z.number().int().nonnegative(),
    staleServes: z.number().int().nonnegative(),
    breakerTrips: z.number().int().nonnegative(),
    breakerTripsByDependency: z.record(z.string(), z.number().int().nonnegative()),
    rateLimit: z.object({allowed: z.number(), limited: z.number(), failOpen: z.number()}),
    perInstanceRequests: z.record(z.string(), z.number()),
    ejections: z.number().int().nonnegative(),
    maxPoolWaiting: z.number().nonnegative(),
    /** Resident memory per instance over the run (MB): first and last scrape, highest seen. */
    residentMemoryMb: z.record(z.string(), z.object({first: z.number(), last: z.number(), max: z.number()})).optional(),
  }),
  series: z.array(SystemSecond),
})
export type SystemReport = z.infer<typeof SystemReport>

export const ThresholdResult = z.object({
  /** As written in the scenario, e.g. "p95 < 100ms during baseline". */
  expression: z.string(),
  metric: z.string(),
  op: z.enum(['<', '<=', '>', '>=']),
  /** In the metric's unit: ms for latencies, 0..1 for rates and ratios, req/s for rates. */
  value: z.number(),
  phase: z.string().nullable(),
  actual: z.number().nullable(),
  passed: z.boolean(),
  /** Why it could not be evaluated (actual null), e.g. metrics unavailable. */
  note: z.string().optional(),
})
export type ThresholdResult = z.infer<typeof ThresholdResult>

export const Environment = z.object({
  runtime: z.enum(['local', 'docker', 'external']),
  apiInstances: z.number().int().nonnegative().nullable(),
  cores: z.number().int().positive(),
  cpuModel: z.string(),
  memoryGb: z.number().positive(),
  node: z.string(),
  platform: z.string(),
  gitCommit: z.string().nullable(),
  scalelabVersion: z.string(),
  /** Docker runtime: service → image that ran. */
  images: z.record(z.string(), z.string()).optional(),
})
export type Environment = z.infer<typeof Environment>

export const ChaosStage = z.object({
  name: z.string(),
  kind: z.enum(['baseline', 'fault', 'recovery']),
  startOffsetS: z.number().nonnegative(),
  endOffsetS: z.number().nonnegative(),
  outcomes: Outcomes,
  errorRate: ratio,
  latencyMs: Percentiles.nullable(),
})

export const ChaosReport = z.object({
  experiment: z.string(),
  faults: z.array(
    z.object({
      step: z.string(),
      action: z.string(),
      target: z.string(),
      injectedAtS: z.number().nonnegative(),
      rolledBackAtS: z.number().nonnegative().nullable(),
    }),
  ),
  stages: z.array(ChaosStage),
  /** Seconds from a fault to the system noticing it, per signal; null when it never did. */
  detection: z.array(
    z.object({fault: z.string(), signal: z.string(), afterS: z.number().nonnegative().nullable()}),
  ),
  /** Seconds from the rollback to the steady state holding again; null when it never did. */
  recovery: z.object({afterS: z.number().nonnegative().nullable()}),
  steadyState: z.array(z.object({check: z.string(), passed: z.boolean(), actual: z.number().nullable(), stage: z.string().nullable()})),
  expectations: z.array(z.object({expression: z.string(), passed: z.boolean(), actual: z.number().nullable(), note: z.string().optional()})),
  writes: z.object({acknowledged: z.number().int().nonnegative(), checked: z.number().int().nonnegative(), lost: z.number().int().nonnegative(), lostIds: z.array(z.string())}),
  aborted: z.boolean(),
  abortReason: z.string().nullable(),
})
export type ChaosReport = z.infer<typeof ChaosReport>

export const Report = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  kind: z.enum(['bench', 'chaos']),
  /** Directory name under reports/: <timestamp>-<scenario>. */
  id: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  /** Stopped early by the user (Ctrl-C / q): a partial report. */
  interrupted: z.boolean(),
  command: z.array(z.string()),
  scenario: z.object({
    name: z.string(),
    description: z.string(),
    file: z.string(),
    /** The scenario as run, after --duration and --rate-scale were applied. */
    resolved: z.unknown(),
  }),
  target: z.object({url: z.string(), lab: z.boolean()}),
  environment: Environment,
  phases: z.array(PhaseReport),
  summary: z.object({
    durationS: z.number().nonnegative(),
    latencyMs: Percentiles.nullable(),
    requests: z.object({
      total: z.number().int().nonnegative(),
      ok: z.number().int().nonnegative(),
      errors: z.number().int().nonnegative(),
      rateLimited: z.number().int().nonnegative(),
      clientErrors: z.number().int().nonnegative(),
    }),
    achievedRate: z.number().nonnegative(),
    errorRate: ratio,
    rateLimitedRate: ratio,
    cacheHitRate: ratio.nullable(),
    breakerTrips: z.number().int().nonnegative().nullable(),
    generatorBehind: z.number().int().nonnegative(),
    generatorSaturated: z.boolean(),
    /** The load generator's resident memory, MiB: first and last second of the run, and the highest. */
    generatorRssMb: z.object({first: z.number(), last: z.number(), max: z.number()}).nullable().optional(),
  }),
  series: z.array(LoadSecond),
  system: SystemReport,
  thresholds: z.array(ThresholdResult),
  chaos: ChaosReport.optional(),
  verdict: z.object({
    passed: z.boolean(),
    /** One line per failed threshold / check / expectation. */
    failures: z.array(z.string()),
  }),
})
export type Report = z.infer<typeof Report>

/** JSON Schema of the report, for tools and editors. */
export function reportJsonSchema(): unknown {
  return z.toJSONSchema(Report, {target: 'draft-2020-12', unrepresentable: 'any'})
}
