// The Docker runtime: the lab as containers on one project network, driven through the Docker API
// (dockerode) from the same topology as the local runtime. Every object it creates carries the
// project label; `down` removes exactly what has it, and checks that nothing is left.
import {appendFileSync, existsSync, mkdirSync, readdirSync, rmSync} from 'node:fs'
import {setTimeout as sleep} from 'node:timers/promises'
import Docker from 'dockerode'
import type {BalancerStatus} from '../../../contracts/http.js'
import {findInstance, fleet, resolveTopology, type InstanceSpec, type LabOptions, type Topology} from '../../../contracts/topology.js'
import {ExitCode, UserError} from '../../errors.js'
import {DEFAULT_PROBE_TIMEOUT_MS, probeHealth, type HealthVerdict} from '../health-probes.js'
import {ignoredRequest, newLabOptions, publicOptions, secondsSince, validateReplicas} from '../lab-options.js'
import {populateLinks} from '../local/launchers.js'
import {stopLevels} from '../local/local-runtime.js'
import {followLines, lastLines} from '../local/log-files.js'
import {isSameProcess, readProcess} from '../local/process-table.js'
import {packageRoot as findPackageRoot} from '../package-root.js'
import {assertPortsFree, portClaims, portsInUseError, type PortClaim} from '../port-preflight.js'
import type {
  DownOptions,
  DownResult,
  FaultResult,
  FaultVerb,
  InstanceState,
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
import {containerPlan, type LabImages} from './container-plan.js'
import {engineUnavailable} from './docker-engine.js'
import {containerCreateOptions, containerName, networkCreateOptions, volumeCreateOptions, type ProjectContext} from './docker-objects.js'
import {containerLogLines, followContainerLogs} from './docker-logs.js'
import {DockerLabFiles, type DockerLabState} from './docker-state.js'
import {scalelabVersion, type ImageSource} from './image-refs.js'
import {LABELS, projectFilter, projectName} from './labels.js'
import {ensureLabImages} from './lab-images.js'

export interface DockerTimeouts {
  /** Longest wait for a container to pass its health check. */
  healthMs: number
  /** Longest wait for a one-shot job (migrations + seed). */
  jobMs: number
  /** Graceful stop before Docker sends SIGKILL, in seconds. */
  stopS: number
  /** One health probe. */
  probeMs: number
  /** Longest wait for the balancer to see a resized fleet through DNS. */
  membershipMs: number
}

export const DEFAULT_DOCKER_TIMEOUTS: DockerTimeouts = {healthMs: 90_000, jobMs: 180_000, stopS: 10, probeMs: DEFAULT_PROBE_TIMEOUT_MS, membershipMs: 20_000}

export interface DockerRuntimeOptions {
  stateDir: string
  packageRoot?: string
  docker?: Docker
  resolveTopology?: (options: LabOptions) => Topology
  timeouts?: Partial<DockerTimeouts>
}

type Inspection =
  | {kind: 'absent'; leftovers: Docker.ContainerInfo[]}
  | {kind: 'starting'; state: DockerLabState}
  | {kind: 'interrupted'; state: DockerLabState}
  /** The state says up, but no container of it runs (removed outside scalelab, a reboot). */
  | {kind: 'stale'; state: DockerLabState}
  | {kind: 'running'; state: DockerLabState}

interface StartOptions {
  signal?: AbortSignal
  onProgress?: (event: ProgressEvent) => void
  /** `up` waits for the declared check; a fault-verb restart also takes `degraded`. */
  acceptDegraded: boolean
}

const POLL_MS = 200

export class DockerRuntime extends RuntimeBase<DockerLabState> implements LabRuntime {
  readonly name = 'docker' as const
  readonly stateDir: string
  readonly project: string
  protected readonly files: DockerLabFiles
  private readonly root: string
  private readonly docker: Docker
  protected readonly resolveTopology: (options: LabOptions) => Topology
  private readonly timeouts: DockerTimeouts

  constructor(options: DockerRuntimeOptions) {
    super()
    this.stateDir = options.stateDir
    this.project = projectName(options.stateDir)
    this.files = new DockerLabFiles(options.stateDir)
    this.root = options.packageRoot ?? findPackageRoot()
    this.docker = options.docker ?? new Docker()
    this.resolveTopology = options.resolveTopology ?? resolveTopology
    this.timeouts = {...DEFAULT_DOCKER_TIMEOUTS, ...options.timeouts}
  }

  private get ctx(): ProjectContext {
    return {project: this.project, stateDir: this.stateDir}
  }

  // ---------- up ----------

  up(request: UpRequest = {}, hooks: UpHooks = {}): Promise<UpResult> {
    return this.exclusive(() => this.bringUp(request, hooks)).catch((err: unknown) => {
      throw engineUnavailable(err, this.docker) ?? err
    })
  }

  private async bringUp(request: UpRequest, hooks: UpHooks): Promise<UpResult> {
    const t0 = Date.now()
    const {signal, onProgress} = hooks
    const found = await this.inspect()
    if (found.kind === 'starting') throw this.startingError(found.state, 'removes')
    if (found.kind === 'running') {
      if (request.apiReplicas !== undefined && request.apiReplicas !== found.state.options.apiReplicas) return this.scale(found.state, request, hooks, t0)
      const ignored = ignoredRequest(found.state.options, request)
      const source: ImageSource = request.offline ? 'offline' : 'official'
      if (request.offline !== undefined && source !== found.state.imageSource) ignored.push(`${request.offline ? '--offline' : 'official images'} (running ${found.state.imageSource === 'offline' ? 'stand-in' : 'official'} images)`)
      return this.upResult('already-up', found.state, t0, {ignored})
    }
    if (found.kind !== 'absent' || found.leftovers.length) await this.cleanUp(found, onProgress)

    const options = newLabOptions(request, 'docker')
    const topology = this.resolveTopology(options)
    await assertPortsFree(portClaims(topology), options.portBase)
    const imageSource: ImageSource = request.offline ? 'offline' : 'official'
    const {images, outcomes} = await ensureLabImages(this.docker, {
      source: imageSource,
      packageRoot: this.root,
      version: scalelabVersion(this.root),
      onProgress: (message) => onProgress?.({type: 'image', message}),
    })
    if (signal?.aborted) throw new UpInterruptedError(0)

    const now = new Date().toISOString()
    const state: DockerLabState = {
      version: 1,
      runtime: 'docker',
      project: this.project,
      phase: 'starting',
      owner: {pid: process.pid, procStartTime: readProcess(process.pid)?.startTime ?? null},
      options: {...options, runtime: 'docker'},
      imageSource,
      images,
      imageIds: Object.fromEntries(outcomes.map((o) => [o.role, o.id])),
      createdAt: now,
      upAt: null,
      faults: {},
    }
    await this.startRecorded(
      state,
      async () => {
        await this.docker.createNetwork(networkCreateOptions(this.ctx))
        await this.startAll(topology, images, hooks)
      },
      () => this.removeProject().catch(() => 0),
      signal,
    )
    return this.upResult('started', state, t0)
  }

  /** Starts every instance as soon as its dependencies are healthy (dependency order, in parallel where it can). */
  private startAll(topology: Topology, images: LabImages, hooks: UpHooks): Promise<void> {
    return startInDependencyOrder(topology, (spec, signal) => this.startInstance(spec, topology, images, {signal, onProgress: hooks.onProgress, acceptDegraded: false}), hooks.signal)
  }

  /** Creates (if needed) and starts one instance's container, then waits for its health check or exit. */
  private async startInstance(spec: InstanceSpec, topology: Topology, images: LabImages, options: StartOptions): Promise<HealthVerdict> {
    const t0 = Date.now()
    options.onProgress?.({type: 'starting', name: spec.name})
    try {
      const plan = containerPlan(spec, topology, images)
      for (const v of plan.volumes) await this.docker.createVolume(volumeCreateOptions(this.ctx, v.volume))
      let container = this.container(spec.name)
      const existing = await container.inspect().catch(() => undefined)
      if (!existing) container = await this.docker.createContainer(containerCreateOptions(plan, this.ctx))
      await container.start().catch((err: Error) => {
        throw this.startError(spec, topology, err)
      })
      if (spec.oneShot) {
        const code = await this.waitForExit(spec, container, options.signal)
        if (code !== 0) throw await this.instanceFailed(spec, `${spec.name} exited with code ${code}`)
        options.onProgress?.({type: 'ready', name: spec.name, address: (spec.args ?? []).join(' ') || 'done', seconds: secondsSince(t0), health: 'healthy'})
        return {health: 'healthy'}
      }
      const verdict = await this.waitHealthy(spec, container, options)
      if (spec.service === 'faultproxy' && spec.url && topology.links.length) {
        // Toxiproxy keeps its proxies in memory: every start needs them again.
        await populateLinks(spec.url, topology.links)
        options.onProgress?.({type: 'links', links: topology.links})
      }
      options.onProgress?.({type: 'ready', name: spec.name, address: `127.0.0.1:${spec.hostPort}`, seconds: secondsSince(t0), health: verdict.health})
      return verdict
    } catch (err) {
      if ((err as Error).name !== 'AbortError') options.onProgress?.({type: 'failed', name: spec.name, message: (err as Error).message})
      throw err
    }
  }

  private async waitHealthy(spec: InstanceSpec, container: Docker.Container, options: StartOptions): Promise<HealthVerdict> {
    const deadline = Date.now() + this.timeouts.healthMs
    for (;;) {
      options.signal?.throwIfAborted()
      const info = await container.inspect()
      if (!info.State.Running) {
        throw await this.instanceFailed(spec, `${spec.name} exited with code ${info.State.ExitCode}${info.State.OOMKilled ? ' (out of memory)' : ''} before it became healthy`)
      }
      const verdict = await probeHealth(spec, this.timeouts.probeMs)
      if (verdict.health === 'healthy' || (options.acceptDegraded && verdict.health === 'degraded')) return verdict
      if (Date.now() >= deadline) {
        throw await this.instanceFailed(spec, `${spec.name} did not become healthy within ${Math.round(this.timeouts.healthMs / 1000)}s (last check: ${verdict.detail ?? verdict.health})`)
      }
      await sleep(POLL_MS, undefined, {signal: options.signal})
    }
  }

  private async waitForExit(spec: InstanceSpec, container: Docker.Container, signal?: AbortSignal): Promise<number> {
    const deadline = Date.now() + this.timeouts.jobMs
    for (;;) {
      signal?.throwIfAborted()
      const info = await container.inspect()
      if (!info.State.Running && info.State.Status !== 'created') return info.State.ExitCode
      if (Date.now() >= deadline) throw await this.instanceFailed(spec, `${spec.name} did not finish within ${Math.round(this.timeouts.jobMs / 1000)}s`)
      await sleep(POLL_MS, undefined, {signal})
    }
  }

  /** A start failure the user can look into: the reason plus the end of the container's log. */
  private async instanceFailed(spec: InstanceSpec, message: string): Promise<UserError> {
    const lines = await containerLogLines(this.container(spec.name), 12).catch(() => [] as string[])
    const tail = lines.length ? `\nLast lines of its log:\n${lines.map((l) => `    ${l}`).join('\n')}` : ''
    return new UserError(`${message}.`, {hint: `See its log: scalelab logs ${spec.name}${tail}`, exitCode: ExitCode.unexpected})
  }

  /** Docker's "port is already allocated" and friends, as the same sentence the preflight gives. */
  private startError(spec: InstanceSpec, topology: Topology, err: Error): Error {
    if (/port is already allocated|address already in use|bind for/i.test(err.message)) {
      const claims: PortClaim[] = portClaims({...topology, instances: [spec], links: spec.service === 'faultproxy' ? topology.links : []})
      return portsInUseError(claims, topology.options.portBase)
    }
    return err
  }

  /** `up --api N` on a running lab: start or remove API containers; the balancer follows through DNS. */
  private async scale(state: DockerLabState, request: UpRequest, hooks: UpHooks, t0: number): Promise<UpResult> {
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
        added.map((spec) => this.startInstance(spec, after, state.images, {signal: hooks.signal, onProgress: hooks.onProgress, acceptDegraded: false})),
      )
      const failure = results.find((r) => r.status === 'rejected')
      if (failure) {
        for (const spec of added) await this.container(spec.name).remove({force: true}).catch(() => undefined)
        if (hooks.signal?.aborted) throw new UpInterruptedError(added.length)
        throw (failure as PromiseRejectedResult).reason
      }
    } else {
      for (const spec of removed) {
        hooks.onProgress?.({type: 'stopping', name: spec.name})
        const {pid, forced} = await this.stopContainer(spec.name)
        await this.container(spec.name).remove({force: true})
        hooks.onProgress?.({type: 'stopped', name: spec.name, pid, forced})
      }
    }
    state.options = nextOptions
    for (const spec of removed) delete state.faults[spec.name]
    this.files.write(state)
    await this.awaitMembership(after, hooks.onProgress)
    return this.upResult('scaled', state, t0, {
      scaled: {added: added.map((s) => s.name), removed: removed.map((s) => s.name)},
      ignored: ignoredRequest(state.options, request),
    })
  }

  /** Waits until the balancer's DNS view holds every running API container (bounded). */
  private async awaitMembership(topology: Topology, onProgress?: (e: ProgressEvent) => void): Promise<void> {
    const balancer = findInstance(topology, 'balancer')
    if (!balancer?.url) return
    const want = new Map<string, string>()
    for (const spec of fleet(topology)) {
      const info = await this.container(spec.name).inspect().catch(() => undefined)
      const ip = info ? containerIp(info) : null
      if (ip && info?.State.Running) want.set(`${ip}:${spec.port}`, spec.name)
    }
    const deadline = Date.now() + this.timeouts.membershipMs
    let seen: string[] = []
    while (Date.now() < deadline) {
      const status = await fetch(`${balancer.url}/lb/status`, {signal: AbortSignal.timeout(this.timeouts.probeMs)})
        .then((r) => (r.ok ? (r.json() as Promise<BalancerStatus>) : undefined))
        .catch(() => undefined)
      seen = status?.backends.map((b) => b.address) ?? []
      if (seen.length === want.size && seen.every((a) => want.has(a))) {
        const named = seen.map((a) => ({name: want.get(a)!, address: a})).sort((x, y) => x.name.localeCompare(y.name, 'en', {numeric: true}))
        onProgress?.({type: 'membership', backends: named.map((b) => `${b.name} (${b.address})`)})
        return
      }
      await sleep(POLL_MS * 2)
    }
    throw new UserError(`The balancer did not pick up the resized fleet within ${this.timeouts.membershipMs / 1000}s (it sees ${seen.join(', ') || 'no backends'}).`, {
      hint: 'Check `scalelab logs balancer`; the API containers themselves were changed.',
      exitCode: ExitCode.unexpected,
    })
  }

  // ---------- down ----------

  down(options: DownOptions = {}): Promise<DownResult> {
    return this.exclusive(async () => {
      const found = await this.inspect().catch((err: unknown) => {
        throw engineUnavailable(err, this.docker) ?? err
      })
      if (found.kind === 'starting') throw this.startingError(found.state, 'removes')
      const result: DownResult = {wasRunning: found.kind === 'running', stopped: [], purged: []}
      const containers = await this.projectContainers()
      if (found.kind === 'absent' && containers.length === 0 && !(await this.hasProjectResources())) {
        result.note = 'The lab is not running; nothing to stop.'
      } else {
        await this.archiveLogs(containers)
        const topology = found.kind === 'absent' ? undefined : this.resolveTopology(found.state.options)
        const names = containers.map((c) => c.Labels[LABELS.instance]).filter(Boolean)
        for (const level of topology ? stopLevels(topology, names) : [names]) {
          await Promise.all(
            level.map(async (name) => {
              const running = containers.find((c) => c.Labels[LABELS.instance] === name && (c.State === 'running' || c.State === 'paused'))
              if (!running) return
              options.onProgress?.({type: 'stopping', name})
              const {pid, forced} = await this.stopContainer(name)
              result.stopped.push({name, pid, forced})
              options.onProgress?.({type: 'stopped', name, pid, forced})
            }),
          )
        }
        await this.removeProject()
        const left = await this.leftovers()
        if (left.length) throw new Error(`could not remove ${left.join(', ')}; run \`scalelab down\` again`)
        if (found.kind === 'stale') result.note = 'The lab was not running (its containers were already gone); removed what was left of it.'
        if (found.kind === 'interrupted') result.note = 'Removed what an interrupted `scalelab up` had left.'
        if (found.kind === 'absent') result.note = 'Removed containers, network and volumes of this lab left without a state file.'
      }
      this.files.remove()
      if (options.purge && existsSync(this.files.logsDir)) {
        rmSync(this.files.logsDir, {recursive: true, force: true})
        result.purged.push(this.files.logsDir)
        if (existsSync(this.stateDir) && readdirSync(this.stateDir).length === 0) rmSync(this.stateDir, {recursive: true})
      }
      return result
    })
  }

  /** docker stop (SIGTERM, Postgres SIGINT, then SIGKILL after the grace period). */
  private async stopContainer(name: string): Promise<{pid: number; forced: boolean}> {
    const container = this.container(name)
    const before = await container.inspect()
    const t0 = Date.now()
    if (before.State.Paused) await container.unpause()
    await container.stop({t: this.timeouts.stopS}).catch((err: {statusCode?: number}) => {
      if (err.statusCode !== 304) throw err // 304: already stopped
    })
    const after = await container.inspect()
    const forced = after.State.ExitCode === 137 && Date.now() - t0 >= this.timeouts.stopS * 1000
    return {pid: before.State.Pid, forced}
  }

  /** Every container, network and volume with the project label, removed (containers forcibly). */
  private async removeProject(): Promise<number> {
    const containers = await this.projectContainers()
    await Promise.all(containers.map((c) => this.docker.getContainer(c.Id).remove({force: true, v: false}).catch(ignoreMissing)))
    const networks = await this.docker.listNetworks({filters: projectFilter(this.project)})
    for (const n of networks) await this.docker.getNetwork(n.Id).remove().catch(ignoreMissing)
    const {Volumes: volumes} = await this.docker.listVolumes({filters: projectFilter(this.project)})
    for (const v of volumes ?? []) await this.docker.getVolume(v.Name).remove().catch(ignoreMissing)
    return containers.length
  }

  /** Anything of the project still there, by label (what `down` promises is gone). */
  async leftovers(): Promise<string[]> {
    const containers = await this.projectContainers()
    const networks = await this.docker.listNetworks({filters: projectFilter(this.project)})
    const {Volumes: volumes} = await this.docker.listVolumes({filters: projectFilter(this.project)})
    return [
      ...containers.map((c) => `container ${c.Names[0]?.replace(/^\//, '') ?? c.Id}`),
      ...networks.map((n) => `network ${n.Name}`),
      ...(volumes ?? []).map((v) => `volume ${v.Name}`),
    ]
  }

  private async hasProjectResources(): Promise<boolean> {
    return (await this.leftovers()).length > 0
  }

  /** Container logs go with their containers: keep a copy beside the local runtime's log files. */
  private async archiveLogs(containers: Docker.ContainerInfo[]): Promise<void> {
    mkdirSync(this.files.logsDir, {recursive: true})
    for (const c of containers) {
      const name = c.Labels[LABELS.instance]
      if (!name) continue
      const lines = await containerLogLines(this.docker.getContainer(c.Id), 'all').catch(() => [] as string[])
      appendFileSync(this.files.logFile(name), `--- scalelab: log of container ${c.Names[0]?.replace(/^\//, '')} (${c.Image}), saved at ${new Date().toISOString()} ---\n${lines.map((l) => `${l}\n`).join('')}`)
    }
  }

  // ---------- status ----------

  async status(): Promise<LabStatus> {
    const base = {runtime: 'docker' as const, stateDir: this.stateDir, healthy: false, services: []}
    const found = await this.inspect().catch((err: unknown) => {
      throw engineUnavailable(err, this.docker) ?? err
    })
    if (found.kind === 'absent') {
      return {...base, running: false, note: found.leftovers.length ? `The lab is not running, but ${found.leftovers.length} of its containers are left; \`scalelab down\` removes them.` : 'The lab is not running.'}
    }
    if (found.kind === 'stale') return {...base, running: false, note: 'The lab is not running: its containers are gone (removed outside scalelab, or a reboot); `scalelab down` cleans up what is left.'}
    if (found.kind === 'interrupted') return {...base, running: false, note: 'The lab is not running: an interrupted `scalelab up` left containers behind; `scalelab down` removes them.'}
    const {state} = found
    const topology = this.resolveTopology(state.options)
    const services = await Promise.all(topology.startOrder.map((name) => this.describe(findInstance(topology, name)!, state)))
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
      images: runningImages(state),
      note: state.phase === 'starting' ? `\`scalelab up\` (pid ${state.owner.pid}) is still starting the lab.` : undefined,
    }
  }

  private async describe(spec: InstanceSpec, state: DockerLabState): Promise<ServiceStatus> {
    const base = {
      name: spec.name,
      service: spec.service,
      kind: spec.oneShot ? ('job' as const) : ('service' as const),
      url: spec.url ?? null,
      address: spec.oneShot ? null : `127.0.0.1:${spec.hostPort}`,
      port: spec.oneShot ? null : spec.hostPort,
    }
    const info = await this.container(spec.name).inspect().catch(() => undefined)
    if (!info) {
      return {...base, pid: null, state: state.phase === 'starting' ? 'starting' : 'exited', health: 'unhealthy', healthy: false, uptimeSeconds: null, detail: state.phase === 'starting' ? 'not started yet' : 'its container is gone (removed outside scalelab)'}
    }
    const container = {id: info.Id.slice(0, 12), name: info.Name.replace(/^\//, ''), image: info.Config.Image, ip: containerIp(info)}
    const s = info.State
    const dockerHealth = (s as {Health?: {Status?: string}}).Health?.Status
    if (spec.oneShot) {
      const done = !s.Running && s.Status === 'exited'
      const jobState: InstanceState = s.Running || s.Status === 'created' ? 'starting' : s.ExitCode === 0 ? 'completed' : 'failed'
      return {...base, pid: null, state: jobState, health: jobState === 'completed' ? 'healthy' : 'unhealthy', healthy: jobState === 'completed', uptimeSeconds: null, detail: done ? `exit code ${s.ExitCode}` : undefined, container}
    }
    const uptimeSeconds = s.Running ? secondsSince(Date.parse(s.StartedAt)) : null
    if (s.Paused) return {...base, pid: s.Pid, state: 'paused', health: 'unhealthy', healthy: false, uptimeSeconds, detail: 'paused (docker pause)', container}
    if (!s.Running) {
      const fault = state.faults[spec.name]
      const detail = fault === 'kill' ? 'killed (docker kill, SIGKILL)' : fault === 'stop' ? 'stopped (docker stop)' : `exited with code ${s.ExitCode}${s.OOMKilled ? ' (out of memory)' : ''}: crashed or stopped outside scalelab`
      return {...base, pid: null, state: fault ? 'stopped' : 'exited', health: 'unhealthy', healthy: false, uptimeSeconds: null, detail, container}
    }
    const verdict = await probeHealth(spec, this.timeouts.probeMs)
    const docker = dockerHealth && dockerHealth !== 'healthy' ? `Docker healthcheck: ${dockerHealth}` : undefined
    return {
      ...base,
      pid: s.Pid,
      state: 'running',
      health: verdict.health,
      healthy: verdict.health === 'healthy',
      uptimeSeconds,
      detail: [verdict.detail, docker].filter(Boolean).join('; ') || undefined,
      container,
    }
  }

  // ---------- logs ----------

  async *logs(target: string, options: LogOptions = {}): AsyncIterable<string> {
    const targets = await this.logTargets()
    if (!targets.length) throw new UserError('There are no logs yet: the lab has not run here.', {hint: 'Start the lab with `scalelab up`.'})
    if (!targets.includes(target)) {
      throw new UserError(`There is no service named "${target}"; valid names: ${targets.join(', ')}.`, {hint: 'For example: scalelab logs gateway -f'})
    }
    const lines = options.lines ?? 100
    const container = this.container(target)
    const live = await container.inspect().catch(() => undefined)
    if (live) {
      if (options.follow) yield* followContainerLogs(container, lines, options.signal ?? new AbortController().signal)
      else yield* await containerLogLines(container, lines)
      return
    }
    // After `down`: the copy saved when the containers were removed.
    const file = this.files.logFile(target)
    const saved = await lastLines(file, lines)
    yield* saved.lines
    if (options.follow) yield* followLines(file, saved.size, options.signal ?? new AbortController().signal)
  }

  // ---------- fault verbs ----------

  repair(): Promise<RepairResult> {
    return this.exclusive(async () => {
      const {topology} = await this.requireRunning()
      const actions: FaultResult[] = []
      for (const name of topology.startOrder) {
        const spec = findInstance(topology, name)!
        if (spec.oneShot) continue
        const info = await this.container(name).inspect().catch(() => undefined)
        if (info?.State.Paused) actions.push(await this.applyFault('resume', name))
        else if (!info?.State.Running) actions.push(await this.applyFault('start', name))
      }
      return {actions}
    })
  }

  protected async applyFault(verb: FaultVerb, target: string): Promise<FaultResult> {
    const {state, topology} = await this.requireRunning()
    const spec = findInstance(topology, target)
    if (!spec || spec.oneShot) {
      const valid = topology.startOrder.filter((n) => !findInstance(topology, n)!.oneShot)
      throw new UserError(`There is no service named "${target}" to ${verb}; valid targets: ${valid.join(', ')}.`)
    }
    const container = this.container(target)
    const info = await container.inspect().catch(() => undefined)
    const running = info?.State.Running ?? false
    const paused = info?.State.Paused ?? false
    const pid = running ? info!.State.Pid : null
    const name = containerName(this.project, target)
    const result = (changed: boolean, instanceState: InstanceState, message: string, newPid = pid): FaultResult => ({verb, target, changed, state: instanceState, pid: newPid, previousPid: pid, message})
    const markGone = (how: 'kill' | 'stop') => {
      state.faults[target] = how
      this.files.write(state)
    }

    switch (verb) {
      case 'kill': {
        if (!running) return result(false, 'stopped', `${target} is not running.`)
        await container.kill({signal: 'SIGKILL'})
        markGone('kill')
        return result(true, 'stopped', `Killed ${target} (container ${name}, SIGKILL).`, null)
      }
      case 'stop': {
        if (!running) return result(false, 'stopped', `${target} is not running.`)
        const t0 = Date.now()
        const {forced} = await this.stopContainer(target)
        markGone('stop')
        const how = forced ? `did not exit within ${this.timeouts.stopS}s: SIGKILL` : `exited in ${secondsSince(t0)}s`
        return result(true, 'stopped', `Stopped ${target} (container ${name}, ${how}).`, null)
      }
      case 'start': {
        if (running && !paused) return result(false, 'running', `${target} is already running (container ${name}).`)
        if (paused) {
          await container.unpause()
          return result(true, 'running', `${target} was paused; resumed it (container ${name}).`)
        }
        const claims = portClaims({...topology, instances: [spec], links: spec.service === 'faultproxy' ? topology.links : []})
        await assertPortsFree(claims, state.options.portBase)
        const t0 = Date.now()
        const verdict = await this.startInstance(spec, topology, state.images, {acceptDegraded: true})
        delete state.faults[target]
        this.files.write(state)
        const started = await container.inspect()
        const note = verdict.health === 'degraded' ? ` — ${verdict.detail ?? 'degraded'}` : ''
        return result(true, 'running', `Started ${target} (container ${name}, healthy in ${secondsSince(t0)}s${note}).`, started.State.Pid)
      }
      case 'pause': {
        if (!running) return result(false, 'stopped', `${target} is not running; nothing to pause.`)
        if (paused) return result(false, 'paused', `${target} is already paused.`)
        await container.pause()
        return result(true, 'paused', `Paused ${target} (container ${name}, docker pause).`)
      }
      case 'resume': {
        if (!running) return result(false, 'stopped', `${target} is not running; nothing to resume.`)
        if (!paused) return result(false, 'running', `${target} is not paused.`)
        await container.unpause()
        return result(true, 'running', `Resumed ${target} (container ${name}, docker unpause).`)
      }
    }
  }

  // ---------- the running lab ----------

  async topology(): Promise<Topology | undefined> {
    const state = this.files.read()
    return state ? this.resolveTopology(state.options) : undefined
  }

  /** The images the running lab uses, by service (for a report's environment.images). */
  async images(): Promise<Record<string, string> | undefined> {
    const state = this.files.read()
    return state ? runningImages(state) : undefined
  }

  private async requireRunning(): Promise<{state: DockerLabState; topology: Topology}> {
    const found = await this.inspect().catch((err: unknown) => {
      throw engineUnavailable(err, this.docker) ?? err
    })
    if (found.kind === 'starting') throw this.startingError(found.state, 'removes')
    if (found.kind !== 'running') throw new UserError('The lab is not running.', {hint: 'Start it with `scalelab up`.', exitCode: ExitCode.checkFailed})
    return {state: found.state, topology: this.resolveTopology(found.state.options)}
  }

  private async inspect(): Promise<Inspection> {
    const state = this.files.read()
    const containers = await this.projectContainers()
    if (!state) return {kind: 'absent', leftovers: containers}
    if (state.phase === 'starting') {
      const ownerAlive = state.owner.pid === process.pid || isSameProcess({pid: state.owner.pid, startTime: state.owner.procStartTime, markers: []})
      return ownerAlive ? {kind: 'starting', state} : {kind: 'interrupted', state}
    }
    const alive = containers.some((c) => c.Labels[LABELS.service] !== 'migrate' && (c.State === 'running' || c.State === 'paused'))
    return alive ? {kind: 'running', state} : {kind: 'stale', state}
  }

  private async cleanUp(found: Inspection, onProgress?: (e: ProgressEvent) => void): Promise<void> {
    const containers = await this.projectContainers()
    if (containers.length) await this.archiveLogs(containers)
    const removed = await this.removeProject()
    this.files.remove()
    const why = found.kind === 'interrupted' ? 'left by an interrupted `scalelab up`' : found.kind === 'stale' ? 'of a lab that had stopped' : 'left without a state file'
    onProgress?.({type: 'cleaned', detail: `removed ${removed} container${removed === 1 ? '' : 's'}, the network and volumes ${why}`})
  }

  private async projectContainers(): Promise<Docker.ContainerInfo[]> {
    return this.docker.listContainers({all: true, filters: projectFilter(this.project)})
  }

  private container(instance: string): Docker.Container {
    return this.docker.getContainer(containerName(this.project, instance))
  }

}

function containerIp(info: Docker.ContainerInspectInfo): string | null {
  const networks = Object.values(info.NetworkSettings?.Networks ?? {})
  return networks.find((n) => n.IPAddress)?.IPAddress || null
}

/** service → "image (id)": what ran, with the id that pins it. */
function runningImages(state: DockerLabState): Record<string, string> {
  const {images, imageIds} = state
  const withId = (ref: string, role: string) => (imageIds[role] ? `${ref} (${imageIds[role].replace(/^sha256:/, '').slice(0, 12)})` : ref)
  return {
    redis: withId(images.redis, 'redis'),
    postgres: withId(images.postgres, 'postgres'),
    ...(state.options.faultProxy ? {faultproxy: withId(images.faultproxy, images.faultProxyKind === 'toxiproxy' ? 'faultproxy' : 'app')} : {}),
    migrate: withId(images.app, 'app'),
    api: withId(images.app, 'app'),
    balancer: withId(images.app, 'app'),
    gateway: withId(images.app, 'app'),
  }
}

function ignoreMissing(err: {statusCode?: number}): void {
  if (err.statusCode !== 404 && err.statusCode !== 409) throw err
}
