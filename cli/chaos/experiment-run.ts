// One chaos experiment against a running lab: the background load starts (one open-model phase for
// the whole run, every response captured), the system is sampled and /ready probed every second,
// and the steady-state checks are judged every second on the last seconds' window. The method's
// faults go in at their times (each journalled first) and are rolled back after their `for`;
// baseline → fault → recovery. An abort rule that holds past its bound rolls everything back at once
// and ends the run after a recovery; a stop request (Ctrl-C, q) or an error ends it at once. The
// rollback ALWAYS runs. Afterwards every acknowledged write is read back, and the report is written.
import {fleet, findInstance, POSTGRES_DB, POSTGRES_PASSWORD, POSTGRES_USER, type Topology} from '../../contracts/topology.js'
import {LiveView} from '../bench/live-view.js'
import type {RunInput} from '../bench/scenario-run.js'
import {ConnectionPool} from '../load/connection-pool.js'
import {startPhase} from '../load/phase.js'
import type {CapturedResponse, PhaseResult, RequestSource} from '../load/types.js'
import {SystemSampler} from '../metrics/system-sampler.js'
import {loadSecond, unavailableSystem} from '../report/build.js'
import type {LoadSecond, SystemReport} from '../report/schema.js'
import {writeRunReport} from '../report/write.js'
import {UserError} from '../errors.js'
import type {LabRuntime} from '../runtime/types.js'
import {identityHeaders} from '../scenario/identities.js'
import {buildRequestMix} from '../scenario/request-mix.js'
import type {LiveSnapshot} from '../ui/live.js'
import type {RunOutcome, RunReporter} from '../ui/reporter.js'
import {buildChaosRunReport, type FaultRecord} from './chaos-report.js'
import {DetectionTracker} from './detection.js'
import type {StageKind} from './expressions.js'
import type {FaultUnit} from './faults/fault.js'
import {faultUnit} from './faults/registry.js'
import {FaultJournal} from './journal.js'
import {ReadinessProber} from './readiness-prober.js'
import {faultContext} from './repair.js'
import type {ResolvedExperiment, ResolvedStep} from './resolve-experiment.js'
import {figures, ResponseRecorder} from './response-recorder.js'
import {evaluateCheck, type CheckResult, type Observations} from './steady-state.js'
import {BreachWatch, RecoveryWatch} from './streaks.js'
import {WriteLedger, type WriteCheck} from './write-ledger.js'

export interface ExperimentRunInput extends RunInput {
  experiment: ResolvedExperiment
  runtime: LabRuntime
  topology: Topology
}

export interface ExperimentOutcome extends RunOutcome {
  /** Faults that could not be rolled back (the journal keeps them for `scalelab chaos --rollback`). */
  rollbackFailures: string[]
}

type FaultState = 'pending' | 'injecting' | 'active' | 'rolled-back' | 'skipped' | 'rollback-failed'

interface StepRun {
  step: ResolvedStep
  unit: FaultUnit
  id: string
  state: FaultState
  /** ms since the start of the load. */
  injectedAtMs: number | null
  rolledBackAtMs: number | null
  timers: NodeJS.Timeout[]
}

/** Captured bodies are only parsed for writes; this keeps list pages from being copied whole. */
const MAX_CAPTURED_BODY_BYTES = 8 * 1024
const TICK_OFFSET_MS = 50
const LOGIN_PATIENCE_MS = 30_000

export async function runExperimentOnce(input: ExperimentRunInput): Promise<ExperimentOutcome> {
  return new ExperimentRun(input).run()
}

class ExperimentRun {
  private readonly experiment: ResolvedExperiment
  private readonly reporter: RunReporter
  private readonly journal: FaultJournal
  private readonly steps: StepRun[]
  private readonly recorder: ResponseRecorder
  private readonly ledger: WriteLedger
  private readonly detection = new DetectionTracker()
  private readonly recovery: RecoveryWatch
  private readonly breaches: BreachWatch[]
  private readonly series: LoadSecond[] = []
  private readonly windowSeconds: number
  private sampler: SystemSampler | undefined
  private prober: ReadinessProber | undefined
  private live: LiveView
  private t0 = 0
  /** When the load ended (its in-flight requests answered), ms since its start. */
  private loadEndMs = 0
  private tickTimer: NodeJS.Timeout | undefined
  private endTimer: NodeJS.Timeout | undefined
  private ops: Promise<unknown> = Promise.resolve()
  private readonly phaseAbort = new AbortController()
  private liveChecks: CheckResult[] = []
  private baselineChecks: CheckResult[] | undefined
  private recoveredChecks: CheckResult[] | undefined
  private stage: {kind: StageKind; name: string; index: number} = {kind: 'baseline', name: 'baseline', index: 0}
  private abort: {reason: string; atMs: number} | undefined
  /** First second of the windows in the current run of passing recovery evaluations. */
  private recoveryStreakFrom: number | undefined
  private failure: Error | undefined
  private readonly rollbackFailures: string[] = []

  constructor(private readonly input: ExperimentRunInput) {
    this.experiment = input.experiment
    this.reporter = input.reporter
    this.journal = new FaultJournal(input.runtime.stateDir)
    this.steps = this.experiment.steps.map((step) => ({step, unit: faultUnit(step.spec), id: `${step.index + 1}`, state: 'pending', injectedAtMs: null, rolledBackAtMs: null, timers: []}))
    this.windowSeconds = Math.max(1, Math.round(this.experiment.windowMs / 1000))
    this.recorder = new ResponseRecorder(this.windowSeconds + Math.ceil(this.experiment.holdForMs / 1000) + 2)
    this.ledger = new WriteLedger(new Set(this.experiment.writeTemplates))
    this.recovery = new RecoveryWatch(this.experiment.holdForMs)
    this.breaches = this.experiment.abortRules.map((rule) => new BreachWatch(rule.forMs))
    this.live = new LiveView(this.experiment.load, input.target.runtime, input.dir, this.series)
  }

  private get ctx() {
    return faultContext(this.input.runtime, this.input.topology)
  }

  private now(): number {
    return performance.now() - this.t0
  }

  async run(): Promise<ExperimentOutcome> {
    const {experiment, target, stop} = this.input
    for (const run of this.steps) await run.unit.preflight(this.ctx)
    const startedAt = new Date()
    this.reporter.start(this.runInfo(), () => this.snapshot())
    this.info(`runtime: ${target.runtimeLabel}`)
    this.info(`load: ${experiment.loadScenarioFile ? `${experiment.loadScenarioFile}'s requests and the experiment’s` : 'the experiment’s requests'} at ${experiment.asRun.load.rate} req/s; writes (${experiment.writeTemplates.join(', ')}) are checked after recovery`)

    const requests = experiment.load.requests
    const headers = await this.logIn(requests.map((r) => r.identity))
    const mix = buildRequestMix(requests, headers)
    const source: RequestSource = {next: () => ({...mix.next(), captureBody: true})}
    const writeIdentity = requests.find((r) => experiment.writeTemplates.includes(r.name))!.identity

    this.journal.begin(experiment.name)
    const pool = new ConnectionPool(target.url)
    let result: PhaseResult | undefined
    try {
      await this.startObservers()
      this.t0 = performance.now()
      this.live.begin(this.t0, this.sampler)
      const onStop = () => this.stopNow()
      stop.addEventListener('abort', onStop, {once: true})
      try {
        const run = startPhase(
          {
            name: 'load',
            target: target.url,
            durationMs: experiment.totalMs,
            load: experiment.load.phases[0].load,
            source,
            signal: this.phaseAbort.signal,
            bounds: {maxCapturedBodyBytes: MAX_CAPTURED_BODY_BYTES},
            onSecond: (sample) => this.series.push(loadSecond(sample, sample.second, this.stage.name)),
            onResponse: (response) => this.onResponse(response),
          },
          {pool},
        )
        this.live.phaseStarted(0, experiment.load.phases[0], run)
        this.reporter.event({type: 'phase', index: 0, name: 'baseline'})
        this.schedule()
        if (stop.aborted) this.stopNow()
        result = await run.result
        this.loadEndMs = this.now()
        this.live.phaseFinished(result)
      } finally {
        stop.removeEventListener('abort', onStop)
      }
    } catch (error) {
      this.failure ??= error as Error
    } finally {
      clearTimeout(this.tickTimer)
      clearTimeout(this.endTimer)
      for (const run of this.steps) run.timers.forEach(clearTimeout)
      // The rollback always runs: the end of the run, an abort, a stop request, an error.
      await this.rollbackAll('the run ended')
      await pool.destroy()
      await this.sampler?.stop()
      await this.prober?.stop()
      if (this.rollbackFailures.length === 0) this.journal.finish()
    }
    if (this.failure) throw this.failure

    const endMs = this.loadEndMs
    const writes = await this.verifyWrites(headers[writeIdentity] ?? {})
    const system: SystemReport = this.sampler ? this.sampler.report() : unavailableSystem('not read')
    const report = buildChaosRunReport({
      id: this.input.id,
      startedAt,
      finishedAt: new Date(),
      interrupted: stop.aborted,
      command: this.input.command,
      experiment,
      target: {url: target.url, lab: target.lab},
      environment: this.input.environment,
      phase: result!,
      series: this.series,
      system,
      stages: this.recorder.stages(endMs),
      faults: this.faultRecords(),
      detection: this.detection.results(),
      recovery: {startedAtMs: this.recoveryStartMs, afterS: this.recovery.afterS},
      baselineChecks: this.baselineChecks,
      recoveryChecks: this.recoveryChecks(endMs),
      writes,
      abort: this.abort ? {reason: this.abort.reason} : undefined,
      rollbackFailures: this.rollbackFailures,
      cacheHitRateBetween: (from, to) => this.sampler?.cacheHitRateBetween(from, to) ?? null,
    })
    const files = await writeRunReport(report, this.input.dir)
    return {report, dir: this.input.dir, files, rollbackFailures: this.rollbackFailures}
  }

  /**
   * The load's users log in first. A lab still getting over an earlier fault (a breaker open for
   * another few seconds) may refuse a login for a moment: try again for a while before giving up.
   */
  private async logIn(names: string[]): Promise<Awaited<ReturnType<typeof identityHeaders>>> {
    const deadline = Date.now() + LOGIN_PATIENCE_MS
    for (let attempt = 1; ; attempt++) {
      try {
        return await identityHeaders(this.experiment.load.identities, names, this.input.target.url)
      } catch (error) {
        if (!(error instanceof UserError) || Date.now() > deadline || this.input.stop.aborted) throw error
        if (attempt === 1) this.warn(`the lab refused a login (${error.message}); trying again for up to ${LOGIN_PATIENCE_MS / 1000} s`)
        await new Promise((resolve) => setTimeout(resolve, 1_000))
      }
    }
  }

  // ---------- observers ----------

  private async startObservers(): Promise<void> {
    const {target, topology} = this.input
    if ('sources' in target.metrics) {
      this.sampler = new SystemSampler({
        sources: target.metrics.sources,
        lbStatusUrl: target.metrics.lbStatusUrl,
        onSample: (second) => {
          if (!this.t0) return
          this.detection.observeSystem(this.now(), {
            breakerStates: second.breakerStates,
            tripsByDependency: this.tripsByDependency(),
            failOpen: second.rateLimit.failOpen,
            staleServes: second.staleServes,
            fleet: this.sampler!.fleet(),
          })
          this.reportDetections()
        },
      })
      await this.sampler.start()
    } else {
      this.warn(`system metrics unavailable: ${target.metrics.unavailable}`)
    }
    const probed = [findInstance(topology, 'gateway'), findInstance(topology, 'balancer'), ...fleet(topology)].filter((i) => i?.url)
    this.prober = new ReadinessProber({
      targets: probed.map((i) => ({name: i!.name, url: i!.url!})),
      onReading: (reading) => {
        if (!this.t0) return
        this.detection.observeReadiness(reading.atMs - this.t0, reading.states)
        this.reportDetections()
      },
    })
    await this.prober.start()
  }

  private tripsByDependency(): Record<string, number> {
    const trips: Record<string, number> = {}
    for (const row of this.sampler?.breakers() ?? []) trips[row.dependency] = (trips[row.dependency] ?? 0) + row.trips
    return trips
  }

  private get observations(): Observations {
    return {
      window: (from, to) => this.recorder.window(from, to),
      cacheHitRate: (from, to) => this.sampler?.cacheHitRateBetween(from, to) ?? null,
      breakerStates: () => this.sampler?.latest()?.breakerStates ?? {},
      readiness: () => this.prober?.latest()?.states,
      fleet: () => this.sampler?.fleet() ?? [],
    }
  }

  private onResponse(response: CapturedResponse): void {
    if (response.outcome === 'unfinished') return
    const atMs = this.now()
    this.recorder.record(atMs, response.outcome === 'response' ? {status: response.status} : {failure: response.outcome}, response.latencyMs)
    this.ledger.observe(response)
  }

  // ---------- the timeline ----------

  private schedule(): void {
    for (const run of this.steps) {
      run.timers.push(setTimeout(() => this.enqueue(() => this.inject(run)), run.step.atMs))
      run.timers.push(setTimeout(() => this.enqueue(() => this.rollback(run, 'its time is up')), run.step.atMs + run.step.forMs))
    }
    const tick = (k: number) => {
      this.tickTimer = setTimeout(() => {
        this.tick(k)
        tick(k + 1)
      }, Math.max(0, k * 1000 + TICK_OFFSET_MS - this.now()))
    }
    tick(1)
  }

  /** Fault operations run one at a time, in the order asked for. */
  private enqueue(op: () => Promise<void>): Promise<void> {
    const next = this.ops.then(op).catch((error: Error) => {
      this.failure ??= error
      this.stopNow()
    })
    this.ops = next
    return next
  }

  private async inject(run: StepRun): Promise<void> {
    if (run.state !== 'pending' || this.phaseAbort.signal.aborted || this.abort) return
    if (!this.baselineChecks && this.steps.every((s) => s.state === 'pending')) this.baselineChecks = [...this.liveChecks]
    run.state = 'injecting'
    this.journal.add({id: run.id, step: run.step.name, spec: run.step.spec})
    // The fault may bite while the action is still under way (a SIGKILL lands before `kill` returns):
    // it counts from the start — its stage, its detection clock, its time in the report.
    run.injectedAtMs = this.now()
    this.detection.watch(run.step.name, run.step.detect, run.injectedAtMs, this.tripsByDependency())
    if (this.stage.kind === 'baseline') this.enterStage('fault', this.faultStageName(), run.injectedAtMs)
    const line = await run.unit.inject(this.ctx).catch((error: Error) => {
      throw new Error(`Injecting "${run.step.name}" failed: ${error.message}`, {cause: error})
    })
    this.journal.markActive(run.id)
    run.state = 'active'
    this.reporter.event({type: 'fault', name: run.step.name, target: run.unit.target, action: 'injected'})
    this.info(`${formatOffset(run.injectedAtMs)} ${line}`)
  }

  private async rollback(run: StepRun, why: string): Promise<void> {
    if (run.state === 'pending') {
      run.state = 'skipped'
      run.timers.forEach(clearTimeout)
      return
    }
    if (run.state !== 'active' && run.state !== 'injecting' && run.state !== 'rollback-failed') return
    try {
      const line = await run.unit.rollback(this.ctx)
      this.journal.remove(run.id)
      run.state = 'rolled-back'
      run.rolledBackAtMs = this.now()
      this.reporter.event({type: 'fault', name: run.step.name, target: run.unit.target, action: 'rolled-back'})
      this.info(`${formatOffset(run.rolledBackAtMs)} rolled back (${why}): ${line}`)
    } catch (error) {
      run.state = 'rollback-failed'
      const message = `Rolling back "${run.step.name}" failed: ${(error as Error).message}`
      if (!this.rollbackFailures.includes(message)) this.rollbackFailures.push(message)
      this.warn(`${message} — it stays in the journal; repair it with: scalelab chaos --rollback`)
      return
    }
    const done = this.steps.every((s) => s.state === 'rolled-back' || s.state === 'skipped')
    if (done && this.stage.kind === 'fault') {
      this.enterStage('recovery', 'recovery', run.rolledBackAtMs!)
      this.recovery.begin(run.rolledBackAtMs!)
    }
  }

  /** After the queued fault operations: every fault still in, rolled back (the end of the run, a stop, an error). */
  private async rollbackAll(why: string): Promise<void> {
    await this.ops.catch(() => undefined)
    await this.rollbackEverything(why)
  }

  /** Every fault still in, rolled back now (pending steps are skipped); retries what failed before. Runs inside the queue. */
  private async rollbackEverything(why: string): Promise<void> {
    for (const run of [...this.steps].reverse()) {
      run.timers.forEach(clearTimeout)
      await this.rollback(run, why)
    }
  }

  private enterStage(kind: StageKind, name: string, atMs: number): void {
    const index = kind === 'baseline' ? 0 : kind === 'fault' ? 1 : 2
    this.stage = {kind, name, index}
    this.recorder.beginStage(kind, name, atMs)
    this.reporter.event({type: 'phase', index, name})
  }

  private faultStageName(): string {
    return this.experiment.steps.map((s) => s.name).join(' + ')
  }

  private get recoveryStartMs(): number | null {
    return this.stage.kind === 'recovery' ? (this.recorder.stages(this.now()).find((s) => s.kind === 'recovery')?.startMs ?? null) : null
  }

  /** Once a second, on the seconds completed so far: checks, abort rules, recovery, detection. */
  private tick(k: number): void {
    const atMs = this.now()
    const from = Math.max(0, k - this.windowSeconds)
    const obs = this.observations
    const previous = this.liveChecks
    this.liveChecks = this.experiment.checks.map((check) => evaluateCheck(check, obs, from, k))
    this.liveChecks.forEach((result, i) => {
      if (previous[i] && previous[i].passed !== result.passed) this.reporter.event({type: 'check', name: this.experiment.checks[i].expression, passed: result.passed, detail: result.detail})
    })
    const deviating = this.liveChecks.some((r) => !r.passed)
    this.detection.observeLoad(atMs, {firstErrorSince: (since) => this.recorder.firstErrorSince(since), deviating})
    this.reportDetections()
    this.judgeAbortRules(atMs, obs, from, k)
    this.judgeRecovery(atMs, obs, k)
    this.recorder.prune(k)
  }

  private judgeAbortRules(atMs: number, obs: Observations, from: number, k: number): void {
    if (this.abort || this.phaseAbort.signal.aborted) return
    this.experiment.abortRules.forEach((rule, i) => {
      if (this.abort) return
      const breach = evaluateCheck(rule.check, obs, from, k)
      if (!this.breaches[i].observe(atMs, breach.actual !== null && breach.passed)) return
      const since = this.breaches[i].breachStartMs ?? atMs
      this.abort = {reason: `${rule.expression}: ${rule.check.expression} held from ${formatOffset(since)} to ${formatOffset(atMs)} (${breach.detail})`, atMs}
      this.warn(`ABORT: ${this.abort.reason}; rolling every fault back`)
      void this.enqueue(async () => {
        await this.rollbackEverything('the experiment was aborted')
        // The planned recovery still runs, so the recovery and the writes can be measured.
        const lastRollbackMs = Math.max(...this.experiment.steps.map((s) => s.atMs + s.forMs))
        const endAtMs = this.now() + (this.experiment.totalMs - lastRollbackMs)
        if (endAtMs < this.experiment.totalMs) this.endTimer = setTimeout(() => this.phaseAbort.abort(), endAtMs - this.now())
      })
    })
  }

  private judgeRecovery(atMs: number, obs: Observations, k: number): void {
    const startMs = this.recoveryStartMs
    if (startMs === null || this.recovery.recoveredAtMs !== null) return
    const firstSecond = Math.ceil(startMs / 1000)
    const from = Math.max(k - this.windowSeconds, firstSecond)
    if (from >= k) return
    const results = this.experiment.checks.map((check) => evaluateCheck(check, obs, from, k))
    const passing = results.every((r) => r.passed)
    if (passing) this.recoveryStreakFrom ??= from
    else this.recoveryStreakFrom = undefined
    if (!this.recovery.observe(atMs, passing)) return
    // The steady state after recovery, as judged: load figures over the seconds of the passing streak, states as now.
    const spanFrom = this.recoveryStreakFrom!
    this.recoveredChecks = this.experiment.checks.map((check, i) => (check.kind === 'metric' ? evaluateCheck(check, obs, spanFrom, k) : results[i]))
    this.info(`${formatOffset(atMs)} steady state again: it held from ${formatOffset(this.recovery.recoveredAtMs!)}, ${this.recovery.afterS} s after the rollback`)
  }

  private reportDetections(): void {
    for (const d of this.detection.drainNew()) this.info(`detected: ${d.signal} ${d.afterS} s after ${d.fault}`)
  }

  /** The steady state after recovery: as judged when it held again, or (never recovered) over the whole recovery stage. */
  private recoveryChecks(endMs: number): CheckResult[] | undefined {
    if (this.recoveredChecks) return this.recoveredChecks
    const startMs = this.recoveryStartMs
    if (startMs === null) return undefined
    const stage = this.recorder.stages(endMs).find((s) => s.kind === 'recovery')!
    const fromSecond = Math.ceil(startMs / 1000)
    const toSecond = Math.max(fromSecond + 1, Math.ceil(endMs / 1000))
    const obs: Observations = {...this.observations, window: () => figures(stage.outcomes, stage.histogram)}
    return this.experiment.checks.map((check, i) => (check.kind === 'metric' ? evaluateCheck(check, obs, fromSecond, toSecond) : this.liveChecks[i]))
  }

  // ---------- stop and abort ----------

  private stopNow(): void {
    if (this.phaseAbort.signal.aborted) return
    this.phaseAbort.abort()
  }

  private async verifyWrites(headers: Record<string, string>): Promise<WriteCheck> {
    const postgres = findInstance(this.input.topology, 'postgres')
    if (!postgres) return {acknowledged: this.ledger.acknowledged, checked: 0, lost: 0, lostIds: [], refused: 0, notes: ['the lab has no postgres to check writes in']}
    this.info(`checking ${this.ledger.acknowledged} acknowledged writes: through the API and in Postgres directly`)
    const check = await this.ledger.verify({
      apiUrl: this.input.target.url,
      headers,
      postgres: {host: '127.0.0.1', port: postgres.hostPort, user: POSTGRES_USER, password: POSTGRES_PASSWORD, database: POSTGRES_DB},
    })
    for (const note of check.notes) this.warn(`writes: ${note}`)
    return check
  }

  // ---------- what the reporter shows ----------

  private runInfo() {
    const {experiment} = this
    const first = Math.min(...experiment.steps.map((s) => s.atMs))
    const last = Math.max(...experiment.steps.map((s) => s.atMs + s.forMs))
    return {
      kind: 'chaos' as const,
      name: experiment.name,
      description: experiment.description,
      runtime: this.input.target.runtime,
      target: this.input.target.url,
      phases: [
        {name: 'baseline', durationS: first / 1000},
        {name: this.faultStageName(), durationS: (last - first) / 1000},
        {name: 'recovery', durationS: (experiment.totalMs - last) / 1000},
      ],
      totalS: experiment.totalMs / 1000,
      reportDir: this.input.dir,
    }
  }

  private snapshot(): LiveSnapshot {
    const base = this.live.snapshot()
    const info = this.runInfo()
    const elapsedS = this.t0 ? this.now() / 1000 : 0
    const stageStartS = info.phases.slice(0, this.stage.index).reduce((sum, p) => sum + p.durationS, 0)
    const limits: LiveSnapshot['limits'] = {}
    for (const check of this.experiment.checks) {
      if (check.kind !== 'metric' || (check.op !== '<' && check.op !== '<=')) continue
      if (check.metric === 'p95') limits.p95Ms = check.value
      else if (check.metric === 'p99') limits.p99Ms = check.value
      else if (check.metric === 'errorRate') limits.errorRate = check.value
    }
    return {
      ...base,
      kind: 'chaos',
      phase: {
        ...base.phase,
        name: this.stage.name,
        index: this.stage.index,
        count: 3,
        elapsedS: round(Math.max(0, elapsedS - stageStartS)),
        durationS: info.phases[this.stage.index].durationS,
      },
      faults: this.steps
        .filter((run) => run.injectedAtMs !== null)
        .map((run) => ({
          name: run.step.name,
          target: run.unit.target,
          sinceS: round((run.rolledBackAtMs ?? run.injectedAtMs!) / 1000),
          active: run.state === 'injecting' || run.state === 'active' || run.state === 'rollback-failed',
        })),
      checks: this.experiment.checks.map((check, i) => ({name: check.expression, passed: this.liveChecks[i]?.passed ?? null, detail: this.liveChecks[i]?.detail ?? 'judged after the first second'})),
      limits,
    }
  }

  private faultRecords(): FaultRecord[] {
    return this.steps.map((run) => ({step: run.step, action: run.unit.action, target: run.unit.target, injectedAtMs: run.injectedAtMs, rolledBackAtMs: run.rolledBackAtMs}))
  }

  private info(text: string): void {
    this.reporter.event({type: 'message', level: 'info', text})
  }

  private warn(text: string): void {
    this.reporter.event({type: 'message', level: 'warn', text})
  }
}

function formatOffset(ms: number): string {
  return `[${(ms / 1000).toFixed(1)} s]`
}

function round(value: number): number {
  return Math.round(value * 100) / 100
}
