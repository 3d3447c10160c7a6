// Reading reports back: one report.json, a run directory, or a directory of repeats
// (`bench --repeat K` writes <dir>/run-<i>/report.json). Every way a path can be wrong is a
// UserError (exit 2) that says which file and what to do.
import {readdir, readFile, stat} from 'node:fs/promises'
import {join, relative} from 'node:path'
import {UserError} from '../errors.js'
import {Report, REPORT_SCHEMA_VERSION} from './schema.js'

export interface LoadedReport {
  path: string
  report: Report
}

/** One or more runs of the same scenario. */
export interface RunSet {
  /** The path the user gave. */
  source: string
  runs: LoadedReport[]
  scenario: string
  kind: Report['kind']
}

const WHAT_TO_PASS = 'Pass a report.json, a run directory that holds one, or a directory of repeats (run-*/report.json).'

export async function readReportFile(path: string): Promise<LoadedReport> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new UserError(`Cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : (error as Error).message}.`, {hint: WHAT_TO_PASS, cause: error})
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw new UserError(`${path} is not a scalelab report: it is not JSON (${(error as Error).message}).`, {hint: WHAT_TO_PASS, cause: error})
  }
  if (!raw || typeof raw !== 'object' || !('schemaVersion' in raw)) {
    throw new UserError(`${path} is not a scalelab report: it has no schemaVersion field.`, {hint: WHAT_TO_PASS})
  }
  const version = (raw as {schemaVersion: unknown}).schemaVersion
  if (version !== REPORT_SCHEMA_VERSION) {
    throw new UserError(`${path} has report schema version ${JSON.stringify(version)}, but this scalelab reads version ${REPORT_SCHEMA_VERSION}.`, {
      hint: 'Read it with the scalelab version that wrote it, or run the scenario again with this version to get a comparable report.',
    })
  }
  const parsed = Report.safeParse(raw)
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
      .join('; ')
    throw new UserError(`${path} is not a valid scalelab report (schema version ${REPORT_SCHEMA_VERSION}): ${issues}.`, {hint: WHAT_TO_PASS})
  }
  return {path, report: parsed.data}
}

/** Natural order, so run-10 comes after run-9. */
const byNaturalName = (a: string, b: string) => a.localeCompare(b, 'en', {numeric: true})

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false
}

/** Finds the report files a path stands for: the file itself, dir/report.json, or dir/<run>/report.json. */
export async function findReportFiles(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => null)
  if (!info) throw new UserError(`No report at ${path}: the path does not exist.`, {hint: WHAT_TO_PASS})
  if (info.isFile()) return [path]
  const direct = join(path, 'report.json')
  if (await isFile(direct)) return [direct]
  const entries = await readdir(path, {withFileTypes: true})
  const nested: string[] = []
  for (const entry of entries.filter((e) => e.isDirectory()).map((e) => e.name).sort(byNaturalName)) {
    const candidate = join(path, entry, 'report.json')
    if (await isFile(candidate)) nested.push(candidate)
  }
  if (nested.length === 0) throw new UserError(`No report.json in ${path} or in its subdirectories.`, {hint: WHAT_TO_PASS})
  return nested
}

export async function loadRunSet(path: string): Promise<RunSet> {
  const files = await findReportFiles(path)
  const runs: LoadedReport[] = []
  for (const file of files) runs.push(await readReportFile(file))
  const first = runs[0].report
  const stranger = runs.find((run) => run.report.scenario.name !== first.scenario.name || run.report.kind !== first.kind)
  if (stranger) {
    throw new UserError(
      `${path} mixes runs of different scenarios: ${first.kind} "${first.scenario.name}" (${relative(path, runs[0].path) || runs[0].path}) and ${stranger.report.kind} "${stranger.report.scenario.name}" (${relative(path, stranger.path) || stranger.path}).`,
      {hint: 'A directory of repeats must hold runs of one scenario: move the others out.'},
    )
  }
  return {source: path, runs, scenario: first.scenario.name, kind: first.kind}
}
