// A zod schema for LiveSnapshot, typed against the interface so the two cannot drift apart silently.
// Used to read recorded snapshots (fixtures, playback) and, if wanted, NDJSON lines of a run.
import {z} from 'zod'
import type {LiveSnapshot} from './live.js'

const ms = z.number().nonnegative().nullable()
const triple = z.object({p50: ms, p95: ms, p99: ms})
const ratio = z.number().min(0).max(1)

export const LiveSnapshotSchema: z.ZodType<LiveSnapshot> = z.object({
  kind: z.enum(['bench', 'chaos']),
  name: z.string(),
  runtime: z.string(),
  elapsedS: z.number().nonnegative(),
  totalS: z.number().nonnegative(),
  phase: z.object({
    name: z.string(),
    index: z.number().int().nonnegative(),
    count: z.number().int().positive(),
    elapsedS: z.number().nonnegative(),
    durationS: z.number().nonnegative(),
    model: z.enum(['open', 'closed']),
    targetRate: z.number().nonnegative().nullable(),
    connections: z.number().int().positive().nullable(),
  }),
  achievedRate: z.number().nonnegative(),
  latency: z.object({lastSecond: triple, run: triple}),
  history: z.object({
    p99: z.array(ms).max(60),
    rate: z.array(z.number().nonnegative()).max(60),
    cacheHitRate: z.array(ratio.nullable()).max(60),
  }),
  outcomes: z.object({
    total: z.number().int().nonnegative(),
    ok: z.number().int().nonnegative(),
    rateLimited: z.number().int().nonnegative(),
    clientErrors: z.number().int().nonnegative(),
    serverErrors: z.number().int().nonnegative(),
    socketErrors: z.number().int().nonnegative(),
    timeouts: z.number().int().nonnegative(),
    behind: z.number().int().nonnegative(),
  }),
  cache: z.object({hitRate: ratio.nullable(), l1: ratio.nullable(), l2: ratio.nullable()}).nullable(),
  breakers: z.array(z.object({instance: z.string(), dependency: z.string(), state: z.enum(['closed', 'half-open', 'open']), trips: z.number().int().nonnegative()})),
  fleet: z.array(z.object({name: z.string(), healthy: z.boolean(), share: ratio.nullable(), inFlight: z.number().int().nonnegative().nullable(), ejected: z.boolean()})),
  faults: z.array(z.object({name: z.string(), target: z.string(), sinceS: z.number().nonnegative(), active: z.boolean()})).optional(),
  checks: z.array(z.object({name: z.string(), passed: z.boolean().nullable(), detail: z.string()})).optional(),
  limits: z.object({p95Ms: z.number().positive().optional(), p99Ms: z.number().positive().optional(), errorRate: ratio.optional()}),
  generatorSaturated: z.boolean(),
  reportDir: z.string(),
})
