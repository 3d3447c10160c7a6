// What every runtime's state file has in common: where it lives, its header (version, runtime,
// phase, owner, options incl. the generated gateway secret), and how it is read (refusing another
// runtime's file and files of another version with a clear sentence) and written (atomically, 0600).
import {existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {z} from 'zod'
import {MAX_API_REPLICAS, type RuntimeName} from '../../contracts/topology.js'
import {UserError} from '../errors.js'
import {stateFilePath} from './state-dir.js'

/** The header of a runtime's state file; each runtime extends it with what it must remember. */
export function stateHeaderSchema<R extends RuntimeName>(runtime: R) {
  return z.object({
    version: z.literal(1),
    runtime: z.literal(runtime),
    /** `starting` while an `up` runs (owned by `owner`), `up` once everything was healthy. */
    phase: z.enum(['starting', 'up']),
    owner: z.object({pid: z.number().int(), procStartTime: z.string().nullable()}),
    options: z.object({
      runtime: z.literal(runtime),
      apiReplicas: z.number().int().min(1).max(MAX_API_REPLICAS),
      portBase: z.number().int().min(1).max(65535),
      gatewaySecret: z.string().min(1),
      faultProxy: z.boolean(),
      logLevel: z.string().optional(),
    }),
    createdAt: z.string(),
    upAt: z.string().nullable(),
  })
}

const REDO = 'If no lab is running, delete it and run `scalelab up` again.'

/** The files of one lab under its state dir: the state file and the logs. */
export class RuntimeStateFiles<T extends {runtime: RuntimeName}> {
  readonly stateFile: string
  readonly logsDir: string

  constructor(
    readonly stateDir: string,
    private readonly runtime: RuntimeName,
    private readonly schema: z.ZodType<T>,
  ) {
    this.stateFile = stateFilePath(stateDir)
    this.logsDir = join(stateDir, 'logs')
  }

  logFile(instance: string): string {
    return join(this.logsDir, `${instance}.log`)
  }

  read(): T | undefined {
    if (!existsSync(this.stateFile)) return undefined
    let raw: unknown
    try {
      raw = JSON.parse(readFileSync(this.stateFile, 'utf8'))
    } catch (err) {
      throw new UserError(`The state file ${this.stateFile} is not valid JSON.`, {hint: REDO, cause: err})
    }
    const other = (raw as {runtime?: unknown}).runtime
    if ((other === 'local' || other === 'docker') && other !== this.runtime) {
      throw new UserError(`A lab of the ${other} runtime is running in ${this.stateDir}.`, {
        hint: `Stop it with \`scalelab down\` first, or give the ${this.runtime} lab its own state dir (SCALELAB_HOME).`,
      })
    }
    const parsed = this.schema.safeParse(raw)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new UserError(`The state file ${this.stateFile} is not one this version of scalelab wrote (${issue.path.join('.')}: ${issue.message}).`, {hint: REDO})
    }
    return parsed.data
  }

  write(state: T): void {
    mkdirSync(this.stateDir, {recursive: true})
    const tmp = `${this.stateFile}.${process.pid}.tmp`
    // 0600: it holds the gateway secret.
    writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, {mode: 0o600})
    renameSync(tmp, this.stateFile)
  }

  remove(): void {
    rmSync(this.stateFile, {force: true})
  }
}
