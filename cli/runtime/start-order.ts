import {findInstance, type InstanceSpec, type Topology} from '../../contracts/topology.js'

/**
 * Starts every instance as soon as its dependencies are up (dependency order, in parallel where it
 * can); the first failure aborts what has not started. Throws the cause, not the dependents that
 * were aborted because of it. Shared by every runtime.
 */
export async function startInDependencyOrder(
  topology: Topology,
  startOne: (spec: InstanceSpec, signal: AbortSignal) => Promise<unknown>,
  outer?: AbortSignal,
): Promise<void> {
  const firstFailure = new AbortController()
  const signal = outer ? AbortSignal.any([outer, firstFailure.signal]) : firstFailure.signal
  const tasks = new Map<string, Promise<void>>()
  const run = (name: string): Promise<void> => {
    let task = tasks.get(name)
    if (!task) {
      const spec = findInstance(topology, name)!
      task = (async () => {
        await Promise.all(spec.dependsOn.map(run))
        signal.throwIfAborted()
        await startOne(spec, signal)
      })()
      task.catch(() => firstFailure.abort())
      tasks.set(name, task)
    }
    return task
  }
  const results = await Promise.allSettled(topology.startOrder.map(run))
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []))
  const cause = failures.find((e) => e?.name !== 'AbortError') ?? failures[0]
  if (cause) throw cause
}
