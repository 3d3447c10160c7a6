// Where a lab keeps its state, logs and data: $SCALELAB_HOME, else `.scalelab` in the working
// directory (so each checkout has its own lab).
import {existsSync, readFileSync} from 'node:fs'
import {join, resolve} from 'node:path'
import type {RuntimeName} from '../../contracts/topology.js'

export function resolveStateDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return env.SCALELAB_HOME ? resolve(cwd, env.SCALELAB_HOME) : join(cwd, '.scalelab')
}

export const STATE_FILE_NAME = 'state.json'

export function stateFilePath(stateDir: string): string {
  return join(stateDir, STATE_FILE_NAME)
}

/** Which runtime wrote the state file (the one that must drive the running lab), if any. */
export function runtimeOfStateFile(stateDir: string): RuntimeName | undefined {
  const file = stateFilePath(stateDir)
  if (!existsSync(file)) return undefined
  try {
    const runtime = (JSON.parse(readFileSync(file, 'utf8')) as {runtime?: unknown}).runtime
    return runtime === 'local' || runtime === 'docker' ? runtime : undefined
  } catch {
    return undefined
  }
}
