// What the local and Docker runtimes do alike: one lab operation at a time per state dir (in this
// process, whichever runtime object asks), and the fault verbs, which differ only in the
// applyFault each runtime implements.
import {readdirSync} from 'node:fs'
import {findInstance, type LabOptions, type RuntimeName, type Topology} from '../../contracts/topology.js'
import {UserError} from '../errors.js'
import {labEndpoints} from './endpoints.js'
import {newLabOptions, publicOptions, secondsSince} from './lab-options.js'
import type {RuntimeStateFiles} from './state-file.js'
import type {FaultResult, FaultVerb, UpResult} from './types.js'
import {UpInterruptedError} from './up-interrupted.js'

/** What `up` records of every lab, whichever runtime runs it. */
interface StartingState {
  runtime: RuntimeName
  phase: 'starting' | 'up'
  upAt: string | null
  options: LabOptions
  owner: {pid: number}
}

const queues = new Map<string, Promise<unknown>>()

export abstract class RuntimeBase<S extends StartingState> {
  abstract readonly name: RuntimeName
  abstract readonly stateDir: string
  /** The lab's state file and logs dir under the state dir. */
  protected abstract readonly files: RuntimeStateFiles<S>
  protected abstract resolveTopology: (options: LabOptions) => Topology
  protected abstract applyFault(verb: FaultVerb, target: string): Promise<FaultResult>

  /** The instances a fault verb can name: every long-running one (not the migrations job). */
  async faultTargets(): Promise<string[]> {
    const topology = this.resolveTopology(this.files.read()?.options ?? newLabOptions({}, this.name))
    return topology.startOrder.filter((n) => !findInstance(topology, n)!.oneShot)
  }

  fault(verb: FaultVerb, target: string): Promise<FaultResult> {
    return this.exclusive(() => this.applyFault(verb, target))
  }

  kill(target: string): Promise<FaultResult> {
    return this.fault('kill', target)
  }

  stop(target: string): Promise<FaultResult> {
    return this.fault('stop', target)
  }

  start(target: string): Promise<FaultResult> {
    return this.fault('start', target)
  }

  pause(target: string): Promise<FaultResult> {
    return this.fault('pause', target)
  }

  resume(target: string): Promise<FaultResult> {
    return this.fault('resume', target)
  }

  /**
   * Records the lab as starting, runs `start`, and records it as up. When `start` fails or the
   * person presses Ctrl-C (`signal`), `undo` takes back what was started (it returns how many
   * instances it stopped) and the lab is forgotten: `up` leaves a running lab or nothing.
   */
  protected async startRecorded(state: S, start: () => Promise<void>, undo: () => Promise<number>, signal?: AbortSignal): Promise<void> {
    const files = this.files
    files.write(state)
    try {
      await start()
      signal?.throwIfAborted() // Ctrl-C as the last service turned healthy still means "stop"
    } catch (err) {
      const undone = await undo()
      files.remove()
      if (signal?.aborted) throw new UpInterruptedError(undone)
      throw err
    }
    state.phase = 'up'
    state.upAt = new Date().toISOString()
    files.write(state)
  }

  protected upResult(action: UpResult['action'], state: StartingState, t0: number, extra: Partial<UpResult> = {}): UpResult {
    return {
      action,
      runtime: this.name,
      stateDir: this.stateDir,
      options: publicOptions(state.options),
      endpoints: labEndpoints(this.resolveTopology(state.options)),
      seconds: secondsSince(t0),
      ...extra,
    }
  }

  /** Another process's `up` owns the state dir; `undoes` says what its Ctrl-C does ("stops", "removes"). */
  protected startingError(state: StartingState, undoes: string): UserError {
    return new UserError(`Another \`scalelab up\` (pid ${state.owner.pid}) is still starting the lab in ${this.stateDir}.`, {
      hint: `Wait for it to finish, or press Ctrl-C in its terminal (it ${undoes} what it started).`,
    })
  }

  /** The instances with a log: the lab's on record, else whatever logs an earlier lab left. */
  async logTargets(): Promise<string[]> {
    const state = this.files.read()
    if (state) return this.resolveTopology(state.options).startOrder
    try {
      return readdirSync(this.files.logsDir)
        .filter((f) => f.endsWith('.log'))
        .map((f) => f.slice(0, -'.log'.length))
        .sort()
    } catch {
      return []
    }
  }

  /** Runs fn after every operation already queued on this state dir, failed or not. */
  protected exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = (queues.get(this.stateDir) ?? Promise.resolve()).then(fn, fn)
    queues.set(this.stateDir, run.catch(() => undefined))
    return run
  }
}
