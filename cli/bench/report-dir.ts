// Run directories: reports/<timestamp>-<scenario>/, repeats in reports/<timestamp>-<scenario>-x<K>/run-<i>/.
import {join, resolve} from 'node:path'

/** 2026-11-02T10-15-00Z: sortable, and safe in a file name on every platform. */
export function runTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-')
}

export interface RunDirs {
  /** The directory of the whole invocation (== the run's dir without --repeat). */
  root: string
  /** One per run. */
  runs: string[]
  /** Report ids, one per run. */
  ids: string[]
}

export function runDirectories(options: {scenario: string; startedAt: Date; repeat: number; out?: string; cwd?: string}): RunDirs {
  const stamp = `${runTimestamp(options.startedAt)}-${options.scenario}`
  const name = options.repeat > 1 ? `${stamp}-x${options.repeat}` : stamp
  const root = options.out ? resolve(options.cwd ?? process.cwd(), options.out) : join(resolve(options.cwd ?? process.cwd(), 'reports'), name)
  if (options.repeat <= 1) return {root, runs: [root], ids: [name]}
  const runs = Array.from({length: options.repeat}, (_, i) => join(root, `run-${i + 1}`))
  return {root, runs, ids: runs.map((_, i) => `${name}/run-${i + 1}`)}
}
