// Where a run ran, as the report records it: all read from this machine at run time.
import {readFileSync} from 'node:fs'
import os from 'node:os'
import {join} from 'node:path'
import {execa} from 'execa'
import type {Environment} from '../report/schema.js'
import {packageRoot} from '../runtime/package-root.js'

export async function readEnvironment(runtime: Environment['runtime'], apiInstances: number | null, images?: Record<string, string>): Promise<Environment> {
  const cpus = os.cpus()
  return {
    runtime,
    apiInstances,
    cores: Math.max(1, cpus.length),
    cpuModel: cpus[0]?.model.trim() || 'unknown',
    memoryGb: Math.max(0.1, Math.round((os.totalmem() / 2 ** 30) * 10) / 10),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    gitCommit: await gitCommit(),
    scalelabVersion: scalelabVersion(),
    ...(images && Object.keys(images).length > 0 ? {images} : {}),
  }
}

async function gitCommit(): Promise<string | null> {
  try {
    const {stdout} = await execa('git', ['rev-parse', 'HEAD'], {cwd: packageRoot(), timeout: 3_000})
    return /^[0-9a-f]{40}$/.test(stdout.trim()) ? stdout.trim() : null
  } catch {
    return null
  }
}

function scalelabVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {version?: string}).version ?? 'unknown'
  } catch {
    return 'unknown'
  }
}
