// The local runtime: the lab as detached processes on this machine (redis-server, postgres, node
// services), driven generically from the topology. It records every process it starts in the state
// file and only ever signals a pid it can prove is still the process it started.
import type {ChildProcess} from 'node:child_process'
import {setTimeout as sleep} from 'node:timers/promises'
import type {BackendMembership} from '../../../contracts/http.js'
import {GATEWAY_HEADERS} from '../../../contracts/identity.js'
import {
  findInstance,
  fleet,
  resolveTopology,
  type InstanceSpec,
  type LabOptions,
  type Topology,
} from '../../../contracts/topology.js'
import {ExitCode, UserError} from '../../errors.js'
import {ignoredRequest, newLabOptions, publicOptions, secondsSince, validateReplicas} from '../lab-options.js'
import {DEFAULT_PROBE_TIMEOUT_MS, probeHealth, type HealthVerdict} from '../health-probes.js'
import {packageRoot as findPackageRoot} from '../package-root.js'
import {assertPortsFree, portClaims} from '../port-preflight.js'
import type {
  DownOptions,
  DownResult,
  FaultResult,
  FaultVerb,
  LabRuntime,
  LabStatus,
  LogOptions,
  ProgressEvent,
  RepairResult,
  ServiceStatus,
  UpHooks,
  UpRequest,
  UpResult,
} from '../types.js'
import {RuntimeBase} from '../runtime-base.js'
import {startInDependencyOrder} from '../start-order.js'
import {UpInterruptedError} from '../up-interrupted.js'
import {LabFiles, type InstanceRecord, type LabState} from './lab-state.js'
import {afterHealthy, gracefulStopSignal, launchInstance} from './launchers.js'
import {followLines, lastLines} from './log-files.js'
import {isPausedProcess, isSameProcess, killTree, readProcess, signalTree, terminateTree} from './process-table.js'
import {assertLocalRequirements} from './requirements.js'

export interface LocalTimeouts {
  /** Longest wait for a long-running service to pass its health check. */
  healthMs: number
  /** Longest wait for a one-shot job (migrations + seed). */
  jobMs: number
  /** Graceful stop (SIGTERM, Postgres SIGINT) before SIGKILL. */
  stopMs: number
  /** One health probe. */
  probeMs: number
}

export const DEFAULT_LOCAL_TIMEOUTS: LocalTimeouts = {healthMs: 60_000, jobMs: 180_000, stopMs: 10_000, probeMs: DEFAULT_PROBE_TIMEOUT_MS}

export interface LocalRuntimeOptions {
  stateDir: string
  packageRoot?: string
  /** Builds the topology from the lab's options; tests swap node entry points for fixtures here. */
  resolveTopology?: (options: LabOptions) => Topology
  timeouts?: Partial<LocalTimeouts>
}

/** What the state file and the process table say, before anything is done about it. */
type Inspection =
  | {kind: 'absent'}
  /** An `up` (another process, or this one) is still starting the lab. */
  | {kind: 'starting'; state: LabState}
  /** An `up` died half-way; `alive` are processes it left. */
  | {kind: 'interrupted'; state: LabState; alive: InstanceRecord[]}
  /** The lab was up, but every process of it is gone (a crash, a reboot). */
  | {kind: 'stale'; state: LabState}
  | {kind: 'running'; state: LabState}

interface StartOptions {
  signal?: AbortSignal
  onProgress?: (event: ProgressEvent) => void
  /** `up` waits for the declared check; a fault-verb restart also takes `degraded` (a dependency may be broken on purpose). */
  acceptDegraded: boolean
}

const POLL_MS = 100
const INTERRUPT_GRACE_MS = 3_000

export class LocalRuntime extends RuntimeBase<LabState> implements LabRuntime {
  readonly name = 'local' as const
  readonly stateDir: string
  protected readonly files: LabFiles
  private readonly root: string
  protected readonly resolveTopology: (options: LabOptions) => Topology
  private readonly timeouts: LocalTimeouts

  constructor(options: LocalRuntimeOptions) {
    super()
    this.stateDir = options.stateDir
    this.files = new LabFiles(options.stateDir)
    this.root = options.packageRoot ?? findPackageRoot()
    this.resolveTopology = options.resolveTopology ?? resolveTopology
    this.timeouts = {...DEFAULT_LOCAL_TIMEOUTS, ...options.timeouts}
  }

  // ---------- up ----------

  up(request: UpRequest = {}, hooks: UpHooks = {}): Promise<UpResult> {
    return this.exclusive(async () => {
      const t0 = Date.now()
      const {signal, onProgress} = hooks
      const found = this.inspect()
      if (found.kind === 'starting') throw this.startingError(found.state, 'stops')
      if (found.kind === 'running') {
        if (request.apiReplicas !== undefined && request.apiReplicas !== found.state.options.apiReplicas) {
          return this.scale(found.state, request, hooks, t0)
        }
        return this.upResult('already-up', found.state, t0, {ignored: ignoredRequest(found.state.options, request)})
      }
      if (found.kind === 'stale' || found.kind === 'interrupted') await this.cleanUp(found, onProgress)

      const options = newLabOptions(request, 'local')
      const topology = this.resolveTopology(options)
      await assertPortsFree(portClaims(topology), options.portBase)
      assertLocalRequirements(topology, this.root, this.files.dataDir)
      if (signal?.aborted) throw new UpInterruptedError(0)

      const now = new Date().toISOString()
      const state: LabState = {
        version: 1,
        runtime: 'local',
        phase: 'starting',
        owner: {pid: process.pid, procStartTime: readProcess(process.pid)?.startTime ?? null},
        options: {...options, runtime: 'local'},
        createdAt: now,
        upAt: null,
        instances: {},
      }
      await this.startRecorded(
        state,
        () => this.startAll(topology, state, hooks),
        async () => (await this.stopInstances(state, topology, INTERRUPT_GRACE_MS, onProgress)).length,
        signal,
      )
      return this.upResult('started', state, t0)
    })
  }

  /** Starts every instance as soon as its dependencies are healthy (dependency order, in parallel where it can). */
  private startAll(topology: Topology, state: LabState, hooks: UpHooks): Promise<void> {
    return startInDependencyOrder(topology, (spec, signal) => this.startInstance(spec, topology, state, {signal, onProgress: hooks.onProgress, acceptDegraded: false}), hooks.signal)
  }

  private async startInstance(spec: InstanceSpec, topology: Topology, state: LabState, options: StartOptions): Promise<HealthVerdict> {
    const t0 = Date.now()
    options.onProgress?.({type: 'starting', name: spec.name})
    const record: InstanceRecord = {
      name: spec.name,
      service: spec.service,
      state: 'starting',
      pid: null,
      procStartTime: null,
      markers: [],
      port: spec.hostPort,
      startedAt: null,
      stoppedBy: null,
      exitCode: null,
      logFile: this.files.logFile(spec.name),
    }
    state.instances[spec.name] = record
    try {
      const launched = await launchInstance(spec, {files: this.files, packageRoot: this.root})
      record.pid = launched.pid
      record.procStartTime = readProcess(launched.pid)?.startTime ?? null
      record.markers = launched.markers
      record.startedAt = new Date().toISOString()
      this.files.write(state)

      if (spec.oneShot) {
        const code = await this.waitForExit(spec, launched.child, options.signal)
        record.exitCode = code
        record.pid = null
        record.state = code === 0 ? 'completed' : 'failed'
        this.files.write(state)
        if (code !== 0) throw await this.instanceFailed(spec, `${spec.name} exited with code ${code}`)
        options.onProgress?.({type: 'ready', name: spec.name, address: (spec.args ?? []).join(' ') || 'done', seconds: secondsSince(t0), health: 'healthy'})
        return {health: 'healthy'}
      }

      const verdict = await this.waitHealthy(spec, launched.child, options)
      await afterHealthy(spec, topology.links)
      record.state = 'running'
      this.files.write(state)
      options.onProgress?.({type: 'ready', name: spec.name, address: `127.0.0.1:${spec.hostPort}`, seconds: secondsSince(t0), health: verdict.health})
      if (spec.service === 'faultproxy' && topology.links.length) options.onProgress?.({type: 'links', links: topology.links})
      return verdict
    } catch (err) {
      if ((err as Error).name !== 'AbortError') options.onProgress?.({type: 'failed', name: spec.name, message: (err as Error).message})
      throw err
    }
  }

  private async waitHealthy(spec: InstanceSpec, child: ChildProcess, options: StartOptions): Promise<HealthVerdict> {
    const deadline = Date.now() + this.timeouts.healthMs
    for (;;) {
      options.signal?.throwIfAborted()
      if (child.exitCode !== null || child.signalCode !== null) {
        const how = child.signalCode ? `was killed by ${child.signalCode}` : `exited with code ${child.exitCode}`
        throw await this.instanceFailed(spec, `${spec.name} ${how} before it became healthy`)
      }
      const verdict = await probeHealth(spec, this.timeouts.probeMs)
      if (verdict.health === 'healthy' || (options.acceptDegraded && verdict.health === 'degraded')) return verdict
      if (Date.now() >= deadline) {
        throw await this.instanceFailed(
          spec,
          `${spec.name} did not become healthy within ${Math.round(this.timeouts.healthMs / 1000)}s (last check: ${verdict.detail ?? verdict.health})`,
        )
      }
      await sleep(POLL_MS, undefined, {signal: options.signal})
    }
  }

  private waitForExit(spec: InstanceSpec, child: ChildProcess, signal?: AbortSignal): Promise<number> {
    return new Promise((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
      }
      const onExit = (code: number | null, sig: NodeJS.Signals | null) => {
        finish()
        resolve(code ?? (sig ? 128 : 1))
      }
      const onAbort = () => {
        finish()
        child.off('exit', onExit)
        reject(signal!.reason)
      }
      const timer = setTimeout(() => {
        child.off('exit', onExit)
        signal?.removeEventListener('abort', onAbort)
        void this.instanceFailed(spec, `${spec.name} did not finish within ${Math.round(this.timeouts.jobMs / 1000)}s`).then(reject)
      }, this.timeouts.jobMs)
      if (child.exitCode !== null || child.signalCode !== null) return onExit(child.exitCode, child.signalCode)
      child.once('exit', onExit)
      signal?.addEventListener('abort', onAbort, {once: true})
    })
  }

  /** A start failure the user can look into: the reason plus the end of the instance's log. */
  private async instanceFailed(spec: InstanceSpec, message: string): Promise<UserError> {
    const file = this.files.logFile(spec.name)
    const {lines} = await lastLines(file, 12)
    const tail = lines.length ? `\nLast lines of ${file}:\n${lines.map((l) => `    ${l}`).join('\n')}` : ''
    return new UserError(`${message}.`, {hint: `See its log: scalelab logs ${spec.name}${tail}`, exitCode: ExitCode.unexpected})
  }

  /** `up --api N` on a running lab: start or stop API instances, then tell the balancer. */
  private async scale(state: LabState, request: UpRequest, hooks: UpHooks, t0: number): Promise<UpResult> {
    const target = request.apiReplicas!
    validateReplicas(target)
    const before = this.resolveTopology(state.options)
    const nextOptions = {...state.options, apiReplicas: target}
    const after = this.resolveTopology(nextOptions)
    const added = fleet(after).filter((i) => (i.index ?? 0) > state.options.apiReplicas)
    const removed = fleet(before).filter((i) => (i.index ?? 0) > target)

    if (added.length) {
      await assertPortsFree(portClaims({...after, instances: added, links: []}), state.options.portBase)
      const results = await Promise.allSettled(
        added.map((spec) => this.startInstance(spec, after, state, {signal: hooks.signal, onProgress: hooks.onProgress, acceptDegraded: false})),
      )
      const failure = results.find((r) => r.status === 'rejected')
      if (failure) {
        await this.stopInstances(onlyInstances(state, added), after, INTERRUPT_GRACE_MS, hooks.onProgress)
        for (const spec of added) delete state.instances[spec.name]
        this.files.write(state)
        if (hooks.signal?.aborted) throw new UpInterruptedError(added.length)
        throw (failure as PromiseRejectedResult).reason
      }
      state.options = nextOptions
      this.files.write(state)
      await this.announceMembership(after, state, hooks.onProgress)
    } else {
      // Out of rotation first, then stop: no request is routed to an instance that is going away.
      state.options = nextOptions
      this.files.write(state)
      await this.announceMembership(after, state, hooks.onProgress)
      await this.stopInstances(onlyInstances(state, removed), before, this.timeouts.stopMs, hooks.onProgress)
      for (const spec of removed) delete state.instances[spec.name]
      this.files.write(state)
    }
    return this.upResult('scaled', state, t0, {
      scaled: {added: added.map((i) => i.name), removed: removed.map((i) => i.name)},
      ignored: ignoredRequest(state.options, request),
    })
  }

  /** PUT /lb/backends on the balancer with the fleet of `topology` (skipped when it is not running). */
  private async announceMembership(topology: Topology, state: LabState, onProgress?: (e: ProgressEvent) => void): Promise<void> {
    const balancer = topology.instances.find((i) => i.service === 'balancer')
    const record = balancer && state.instances[balancer.name]
    if (!balancer?.url || !record || !this.isOurs(record) || isPausedProcess(record.pid!)) return
    const body: BackendMembership = {backends: fleet(topology).map((i) => ({name: i.name, host: i.host, port: i.port}))}
    const res = await fetch(`${balancer.url}/lb/backends`, {
      method: 'PUT',
      headers: {'content-type': 'application/json', [GATEWAY_HEADERS.secret]: state.options.gatewaySecret},
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    }).catch((err: Error) => {
      throw new UserError(`Could not tell the balancer about the new fleet: ${err.message}.`, {
        hint: 'Check it with `scalelab status` and `scalelab logs balancer`; the instances themselves were changed.',
        exitCode: ExitCode.unexpected,
      })
    })
    if (!res.ok) {
      throw new UserError(`The balancer refused the new fleet (HTTP ${res.status}: ${(await res.text()).slice(0, 200)}).`, {
        hint: 'Check `scalelab logs balancer`; the instances themselves were changed.',
        exitCode: ExitCode.unexpected,
      })
    }
    await res.body?.cancel().catch(() => undefined)
    onProgress?.({type: 'membership', backends: body.backends.map((b) => b.name)})
  }

  // ---------- down ----------

  down(options: DownOptions = {}): Promise<DownResult> {
    return this.exclusive(async () => {
      const found = this.inspect()
      if (found.kind === 'starting') throw this.startingError(found.state, 'stops')
      let result: DownResult = {wasRunning: false, stopped: [], purged: []}
      if (found.kind === 'absent') result.note = 'The lab is not running; nothing to stop.'
      else if (found.kind === 'stale') {
        this.files.remove()
        result.note = 'The lab was not running (its processes were already gone); removed its stale state.'
      } else {
        const topology = this.resolveTopology(found.state.options)
        const stopped = await this.stopInstances(found.state, topology, this.timeouts.stopMs, options.onProgress)
        // Verify by pid: every recorded process and every child it had must be gone.
        const leftover = [
          ...Object.values(found.state.instances).filter((r) => this.isOurs(r)).map((r) => `${r.name} (pid ${r.pid})`),
          ...stopped.flatMap((s) => s.leftover.map((pid) => `a child of ${s.name} (pid ${pid})`)),
        ]
        if (leftover.length) {
          throw new Error(`could not stop ${leftover.join(', ')}; the state file is kept so \`scalelab down\` can try again`)
        }
        this.files.remove()
        result = {wasRunning: found.kind === 'running', stopped: stopped.map(({name, pid, forced}) => ({name, pid, forced})), purged: []}
        if (found.kind === 'interrupted') result.note = 'Stopped what an interrupted `scalelab up` had left running.'
      }
      if (options.purge) result.purged = this.files.purge()
      return result
    })
  }

  /** Stops every recorded process, dependents first (gateway, balancer, fleet, ..., datastores). */
  private async stopInstances(state: LabState, topology: Topology, graceMs: number, onProgress?: (e: ProgressEvent) => void) {
    const stopped: Array<DownResult['stopped'][number] & {leftover: number[]}> = []
    for (const level of stopLevels(topology, Object.keys(state.instances))) {
      await Promise.all(
        level.map(async (name) => {
          const record = state.instances[name]
          if (!record || !this.isOurs(record)) return
          const spec = findInstance(topology, name)
          const pid = record.pid!
          onProgress?.({type: 'stopping', name})
          const {forced, leftover} = await terminateTree(pid, spec ? gracefulStopSignal(spec) : 'SIGTERM', graceMs)
          stopped.push({name, pid, forced, leftover})
          onProgress?.({type: 'stopped', name, pid, forced})
        }),
      )
    }
    return stopped
  }

  // ---------- status ----------

  async status(): Promise<LabStatus> {
    const base = {runtime: 'local' as const, stateDir: this.stateDir, healthy: false, services: []}
    const found = this.inspect()
    if (found.kind === 'absent') return {...base, running: false, note: 'The lab is not running.'}
    if (found.kind === 'stale' || (found.kind === 'interrupted' && found.alive.length === 0)) {
      this.files.remove()
      return {...base, running: false, note: 'The lab is not running: its processes are gone (a crash or a reboot); cleaned up the state it left.'}
    }
    if (found.kind === 'interrupted') {
      return {
        ...base,
        running: false,
        note: `The lab is not running: an interrupted \`scalelab up\` left ${found.alive.map((r) => r.name).join(', ')} running; \`scalelab down\` stops them.`,
      }
    }
    const {state} = found
    const topology = this.resolveTopology(state.options)
    const services = await Promise.all(topology.startOrder.map((name) => this.describe(findInstance(topology, name)!, state.instances[name])))
    const startedAt = state.upAt ?? state.createdAt
    return {
      ...base,
      running: true,
      phase: state.phase,
      options: publicOptions(state.options),
      startedAt,
      uptimeSeconds: secondsSince(Date.parse(startedAt)),
      healthy: state.phase === 'up' && services.every((s) => s.healthy),
      services,
      note: state.phase === 'starting' ? `\`scalelab up\` (pid ${state.owner.pid}) is still starting the lab.` : undefined,
    }
  }

  private async describe(spec: InstanceSpec, record: InstanceRecord | undefined): Promise<ServiceStatus> {
    const base = {
      name: spec.name,
      service: spec.service,
      kind: spec.oneShot ? ('job' as const) : ('service' as const),
      url: spec.url ?? null,
      address: spec.oneShot ? null : `127.0.0.1:${spec.hostPort}`,
      port: spec.oneShot ? null : spec.hostPort,
    }
    if (!record) return {...base, pid: null, state: 'starting', health: 'unhealthy', healthy: false, uptimeSeconds: null, detail: 'not started yet'}
    if (spec.oneShot) {
      const done = record.state === 'completed'
      return {
        ...base,
        pid: record.pid,
        state: record.state === 'completed' || record.state === 'failed' ? record.state : 'starting',
        health: done ? 'healthy' : 'unhealthy',
        healthy: done,
        uptimeSeconds: null,
        detail: record.exitCode !== null ? `exit code ${record.exitCode}` : undefined,
      }
    }
    const uptimeSeconds = record.startedAt ? secondsSince(Date.parse(record.startedAt)) : null
    if (!this.isOurs(record)) {
      const detail =
        record.stoppedBy === 'kill' ? 'killed (SIGKILL)' : record.stoppedBy === 'stop' ? 'stopped' : 'its process is gone (crashed or killed outside scalelab)'
      return {...base, pid: null, state: record.state === 'stopped' ? 'stopped' : 'exited', health: 'unhealthy', healthy: false, uptimeSeconds: null, detail}
    }
    if (isPausedProcess(record.pid!)) {
      return {...base, pid: record.pid, state: 'paused', health: 'unhealthy', healthy: false, uptimeSeconds, detail: 'paused (SIGSTOP)'}
    }
    const verdict = await probeHealth(spec, this.timeouts.probeMs)
    return {
      ...base,
      pid: record.pid,
      state: record.state === 'starting' ? 'starting' : 'running',
      health: verdict.health,
      healthy: verdict.health === 'healthy',
      uptimeSeconds,
      detail: verdict.detail,
    }
  }

  // ---------- logs ----------

  async *logs(target: string, options: LogOptions = {}): AsyncIterable<string> {
    const targets = await this.logTargets()
    if (!targets.length) {
      throw new UserError(`There are no logs yet in ${this.files.logsDir}.`, {hint: 'Start the lab with `scalelab up`.'})
    }
    if (!targets.includes(target)) {
      throw new UserError(`There is no service named "${target}"; valid names: ${targets.join(', ')}.`, {
        hint: 'For example: scalelab logs gateway -f',
      })
    }
    const file = this.files.logFile(target)
    const {lines, size} = await lastLines(file, options.lines ?? 100)
    yield* lines
    if (options.follow) yield* followLines(file, size, options.signal ?? new AbortController().signal)
  }

  // ---------- fault verbs ----------

  repair(): Promise<RepairResult> {
    return this.exclusive(async () => {
      const {state, topology} = this.requireRunning()
      const actions: FaultResult[] = []
      for (const name of topology.startOrder) {
        const spec = findInstance(topology, name)!
        if (spec.oneShot) continue
        const record = state.instances[name]
        if (record && this.isOurs(record)) {
          if (isPausedProcess(record.pid!)) actions.push(await this.applyFault('resume', name))
        } else {
          actions.push(await this.applyFault('start', name))
        }
      }
      return {actions}
    })
  }

  protected async applyFault(verb: FaultVerb, target: string): Promise<FaultResult> {
    const {state, topology} = this.requireRunning()
    const spec = findInstance(topology, target)
    if (!spec || spec.oneShot) {
      const valid = topology.startOrder.filter((n) => !findInstance(topology, n)!.oneShot)
      throw new UserError(`There is no service named "${target}" to ${verb}; valid targets: ${valid.join(', ')}.`)
    }
    const record = state.instances[target]
    const alive = record !== undefined && this.isOurs(record)
    const pid = alive ? record.pid! : null
    const result = (changed: boolean, instanceState: FaultResult['state'], message: string, newPid = pid): FaultResult => ({
      verb,
      target,
      changed,
      state: instanceState,
      pid: newPid,
      previousPid: pid,
      message,
    })
    const markGone = (by: InstanceRecord['stoppedBy']) => {
      if (!record) return
      record.state = 'stopped'
      record.stoppedBy = by
      record.pid = null
      record.procStartTime = null
      this.files.write(state)
    }

    switch (verb) {
      case 'kill': {
        if (!alive) {
          markGone(record?.stoppedBy ?? 'exit')
          return result(false, 'stopped', `${target} is not running.`)
        }
        const {leftover} = await killTree(pid!)
        if (leftover.length) throw new Error(`${target}: pids ${leftover.join(', ')} survived SIGKILL`)
        markGone('kill')
        return result(true, 'stopped', `Killed ${target} (pid ${pid}, SIGKILL).`, null)
      }
      case 'stop': {
        if (!alive) {
          markGone(record?.stoppedBy ?? 'exit')
          return result(false, 'stopped', `${target} is not running.`)
        }
        const signal = gracefulStopSignal(spec)
        const t0 = Date.now()
        const {forced, leftover} = await terminateTree(pid!, signal, this.timeouts.stopMs)
        if (leftover.length) throw new Error(`${target}: pids ${leftover.join(', ')} did not exit`)
        markGone('stop')
        const how = forced ? `did not exit within ${this.timeouts.stopMs / 1000}s of ${signal}: SIGKILL` : `${signal}, exited in ${secondsSince(t0)}s`
        return result(true, 'stopped', `Stopped ${target} (pid ${pid}, ${how}).`, null)
      }
      case 'start': {
        if (alive) {
          if (!isPausedProcess(pid!)) return result(false, 'running', `${target} is already running (pid ${pid}).`)
          signalTree(pid!, 'SIGCONT')
          record.state = 'running'
          this.files.write(state)
          return result(true, 'running', `${target} was paused; resumed it (pid ${pid}).`)
        }
        await assertPortsFree(portClaims({...topology, instances: [spec], links: []}), state.options.portBase)
        const t0 = Date.now()
        const verdict = await this.startInstance(spec, topology, state, {acceptDegraded: true})
        const started = state.instances[target]
        const note = verdict.health === 'degraded' ? ` — ${verdict.detail ?? 'degraded'}` : ''
        return result(true, 'running', `Started ${target} (pid ${started.pid}, healthy in ${secondsSince(t0)}s${note}).`, started.pid)
      }
      case 'pause': {
        if (!alive) return result(false, 'stopped', `${target} is not running; nothing to pause.`)
        if (isPausedProcess(pid!)) return result(false, 'paused', `${target} is already paused.`)
        signalTree(pid!, 'SIGSTOP')
        await waitFor(() => isPausedProcess(pid!), 2_000)
        record.state = 'paused'
        this.files.write(state)
        return result(true, 'paused', `Paused ${target} (pid ${pid}, SIGSTOP).`)
      }
      case 'resume': {
        if (!alive) return result(false, 'stopped', `${target} is not running; nothing to resume.`)
        if (!isPausedProcess(pid!)) {
          if (record.state === 'paused') {
            record.state = 'running'
            this.files.write(state)
          }
          return result(false, 'running', `${target} is not paused.`)
        }
        signalTree(pid!, 'SIGCONT')
        await waitFor(() => !isPausedProcess(pid!), 2_000)
        record.state = 'running'
        this.files.write(state)
        return result(true, 'running', `Resumed ${target} (pid ${pid}, SIGCONT).`)
      }
    }
  }

  // ---------- the running lab ----------

  async topology(): Promise<Topology | undefined> {
    const found = this.inspect()
    return found.kind === 'running' || found.kind === 'starting' ? this.resolveTopology(found.state.options) : undefined
  }

  private requireRunning(): {state: LabState; topology: Topology} {
    const found = this.inspect()
    if (found.kind === 'starting') throw this.startingError(found.state, 'stops')
    if (found.kind !== 'running') {
      throw new UserError('The lab is not running.', {hint: 'Start it with `scalelab up`.', exitCode: ExitCode.checkFailed})
    }
    return {state: found.state, topology: this.resolveTopology(found.state.options)}
  }

  private inspect(): Inspection {
    const state = this.files.read()
    if (!state) return {kind: 'absent'}
    const services = Object.values(state.instances).filter((r) => r.service !== 'migrate')
    if (state.phase === 'starting') {
      const ownerAlive = state.owner.pid === process.pid || isSameProcess({pid: state.owner.pid, startTime: state.owner.procStartTime, markers: []})
      if (ownerAlive) return {kind: 'starting', state}
      return {kind: 'interrupted', state, alive: services.filter((r) => this.isOurs(r))}
    }
    return services.some((r) => this.isOurs(r)) ? {kind: 'running', state} : {kind: 'stale', state}
  }

  /** Stale or interrupted state: stop what is still ours and forget the rest. */
  private async cleanUp(found: Extract<Inspection, {kind: 'stale' | 'interrupted'}>, onProgress?: (e: ProgressEvent) => void) {
    if (found.kind === 'interrupted' && found.alive.length) {
      await this.stopInstances(found.state, this.resolveTopology(found.state.options), INTERRUPT_GRACE_MS, onProgress)
      onProgress?.({type: 'cleaned', detail: `stopped ${found.alive.map((r) => r.name).join(', ')} left by an interrupted \`scalelab up\``})
    } else {
      onProgress?.({type: 'cleaned', detail: 'removed stale state from a lab whose processes were already gone'})
    }
    this.files.remove()
  }

  private isOurs(record: InstanceRecord): boolean {
    return record.pid !== null && isSameProcess({pid: record.pid, startTime: record.procStartTime, markers: record.markers})
  }

}

/** The state narrowed to some instances (to stop just those). */
function onlyInstances(state: LabState, specs: readonly InstanceSpec[]): LabState {
  const instances: LabState['instances'] = {}
  for (const spec of specs) if (state.instances[spec.name]) instances[spec.name] = state.instances[spec.name]
  return {...state, instances}
}

/** Names grouped for stopping: dependents before what they depend on; names not in the topology first. */
export function stopLevels(topology: Topology, names: readonly string[]): string[][] {
  const depth = new Map<string, number>()
  const depthOf = (name: string): number => {
    const known = depth.get(name)
    if (known !== undefined) return known
    const spec = findInstance(topology, name)
    const d = spec ? 1 + Math.max(0, ...spec.dependsOn.map(depthOf)) : Number.MAX_SAFE_INTEGER
    depth.set(name, d)
    return d
  }
  const levels = new Map<number, string[]>()
  for (const name of names) {
    const d = depthOf(name)
    levels.set(d, [...(levels.get(d) ?? []), name])
  }
  return [...levels.entries()].sort((a, b) => b[0] - a[0]).map(([, level]) => level)
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() >= deadline) return false
    await sleep(20)
  }
  return true
}
