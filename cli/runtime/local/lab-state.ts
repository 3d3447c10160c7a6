// The local runtime's state file: which processes it started (pid + start time + command-line
// markers, so a reused pid is never mistaken for ours), their ports and flags, and the options the
// lab was started with (incl. the generated gateway secret). Written atomically (temp + rename).
import {existsSync, readdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {z} from 'zod'
import {RuntimeStateFiles, stateHeaderSchema} from '../state-file.js'

const InstanceRecordSchema = z.object({
  name: z.string(),
  service: z.enum(['redis', 'postgres', 'faultproxy', 'migrate', 'api', 'balancer', 'gateway']),
  /** Intended state; `status` compares it with what the process table says. */
  state: z.enum(['starting', 'running', 'paused', 'stopped', 'completed', 'failed']),
  pid: z.number().int().positive().nullable(),
  /** The OS's start time of `pid` when we started it. */
  procStartTime: z.string().nullable(),
  markers: z.array(z.string()),
  port: z.number().int().min(0),
  startedAt: z.string().nullable(),
  /** How it last stopped (a fault verb, or a crash noticed later). */
  stoppedBy: z.enum(['kill', 'stop', 'exit']).nullable().default(null),
  exitCode: z.number().int().nullable().default(null),
  logFile: z.string(),
})

const LabStateSchema = stateHeaderSchema('local').extend({
  instances: z.record(z.string(), InstanceRecordSchema),
})

export type InstanceRecord = z.infer<typeof InstanceRecordSchema>
export type LabState = z.infer<typeof LabStateSchema>

/** The files of one lab under its state dir: state file, logs, and the datastores' data. */
export class LabFiles extends RuntimeStateFiles<LabState> {
  readonly dataDir: string

  constructor(stateDir: string) {
    super(stateDir, 'local', LabStateSchema)
    this.dataDir = join(stateDir, 'data')
  }

  get postgresDataDir(): string {
    return join(this.dataDir, 'postgres')
  }

  get redisDir(): string {
    return join(this.dataDir, 'redis')
  }

  /** `down --purge`: data and logs; the state dir itself goes when nothing else is in it. */
  purge(): string[] {
    const removed: string[] = []
    for (const dir of [this.dataDir, this.logsDir]) {
      if (existsSync(dir)) {
        rmSync(dir, {recursive: true, force: true})
        removed.push(dir)
      }
    }
    if (existsSync(this.stateDir) && readdirSync(this.stateDir).length === 0) rmSync(this.stateDir, {recursive: true})
    return removed
  }
}
