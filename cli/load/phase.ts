// One entry point for the integration layer: run a phase with the engine its model calls for.
import {closedEngine} from './closed-engine.js'
import {openEngine} from './open-engine.js'
import type {EngineOptions, LoadEngine, LoadModel, PhaseResult, PhaseRun, PhaseSpec} from './types.js'

const engines: Record<LoadModel, LoadEngine> = {open: openEngine, closed: closedEngine}

export function engineFor(model: LoadModel): LoadEngine {
  return engines[model]
}

/** Starts a phase; read `snapshot()` for the dashboard and await `result`. */
export function startPhase(spec: PhaseSpec, options?: EngineOptions): PhaseRun {
  return engineFor(spec.load.model).start(spec, options)
}

export function runPhase(spec: PhaseSpec, options?: EngineOptions): Promise<PhaseResult> {
  return startPhase(spec, options).result
}
