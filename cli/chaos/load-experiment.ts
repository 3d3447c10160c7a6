// Finding and reading experiment files. A name resolves to ./scenarios/chaos/<name>.yaml of the
// working directory, then to the package's scenarios/chaos/<name>.yaml; a path works wherever a name
// does. The background load is assembled here too (the named traffic scenario's identities and
// requests plus the experiment's own) and checked as a scenario, so a mistake in it points at the
// experiment file's field. Every way a file can be wrong is a UserError (exit 2): file, field path
// (with its line), what was expected.
import {readFile} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'
import {LineCounter, parseDocument, type Document} from 'yaml'
import type {z} from 'zod'
import {UserError} from '../errors.js'
import {describeIssues, loadScenario, loadScenarioFile} from '../scenario/load-scenario.js'
import {displayPath, isFile, listNamedFiles, resolveNamedFile, type FileLocations, type NamedFileKind} from '../scenario/named-files.js'
import {ScenarioSchema, type ScenarioFile} from '../scenario/scenario-schema.js'
import {ExperimentSchema, type ExperimentFile} from './experiment-schema.js'

export const EXPERIMENT_DIR = join('scenarios', 'chaos')
const SCHEMA_HINT = 'The format is described in scenarios/chaos/experiment.schema.json (print it with: scalelab chaos --schema).'

export interface LoadedExperiment {
  /** The file as the user would name it (relative to the cwd when inside it). */
  file: string
  path: string
  experiment: ExperimentFile
  /** The background load as a scenario: the named scenario's identities and requests plus the experiment's own. */
  load: ScenarioFile
  /** The traffic scenario the load came from, as the user would name its file (null: the experiment's own requests only). */
  loadScenarioFile: string | null
}

export type ExperimentLocations = FileLocations

const EXPERIMENT_FILES: NamedFileKind = {dir: EXPERIMENT_DIR, fileNoun: 'Experiment', nameNoun: 'chaos experiment', pluralNoun: 'experiments', aNoun: 'an experiment', listCommand: 'scalelab chaos --list'}

export function resolveExperimentPath(reference: string, locations: ExperimentLocations = {}): string {
  return resolveNamedFile(EXPERIMENT_FILES, reference, locations)
}

/** Every experiment file in ./scenarios/chaos and the package's scenarios/chaos (a name in both: the cwd's). */
export function listExperimentFiles(locations: ExperimentLocations = {}): string[] {
  return listNamedFiles(EXPERIMENT_FILES, locations)
}

export async function loadExperiment(reference: string, locations: ExperimentLocations = {}): Promise<LoadedExperiment> {
  return loadExperimentFile(resolveExperimentPath(reference, locations), locations)
}

export async function loadExperimentFile(path: string, locations: ExperimentLocations = {}): Promise<LoadedExperiment> {
  const cwd = locations.cwd ?? process.cwd()
  const file = displayPath(path, cwd)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new UserError(`Cannot read experiment file ${file}: ${(error as Error).message}.`, {cause: error})
  }
  const {experiment, doc, lineCounter} = parseExperimentText(text, file)
  const {load, scenarioFile} = await assembleLoad(experiment, {file, path, doc, lineCounter, cwd, packageRoot: locations.packageRoot})
  return {file, path, experiment, load, loadScenarioFile: scenarioFile}
}

/** Parses and validates experiment YAML (not the load's scenario); `file` names it in errors. */
export function parseExperimentText(text: string, file: string): {experiment: ExperimentFile; doc: Document; lineCounter: LineCounter} {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {lineCounter, prettyErrors: true})
  if (doc.errors.length > 0) {
    const error = doc.errors[0]
    const at = error.linePos?.[0]
    throw new UserError(`Experiment file ${file}${at ? `:${at.line}` : ''} is not valid YAML: ${error.message.split('\n')[0]}.`, {hint: SCHEMA_HINT})
  }
  const raw: unknown = doc.toJS()
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UserError(`Experiment file ${file} must be a YAML mapping with name, description, duration, load, steadyState and method.`, {hint: SCHEMA_HINT})
  }
  const parsed = ExperimentSchema.safeParse(raw)
  if (!parsed.success) throw new UserError(invalid(file, parsed.error.issues, doc, lineCounter), {hint: SCHEMA_HINT})
  return {experiment: parsed.data, doc, lineCounter}
}

interface Origin {
  file: string
  path: string
  doc: Document
  lineCounter: LineCounter
  cwd: string
  packageRoot?: string
}

async function assembleLoad(experiment: ExperimentFile, origin: Origin): Promise<{load: ScenarioFile; scenarioFile: string | null}> {
  const fail = (path: PropertyKey[], message: string): never => {
    throw new UserError(invalid(origin.file, [{code: 'custom', path, message, input: undefined}], origin.doc, origin.lineCounter), {hint: SCHEMA_HINT})
  }
  let base: ScenarioFile | undefined
  let scenarioFile: string | null = null
  const reference = experiment.load.scenario
  if (reference !== undefined) {
    // A path is relative to the experiment file; a name is a scenario as `scalelab bench` finds it.
    const loaded = /[\\/]|\.ya?ml$/i.test(reference)
      ? await loadScenarioFile(resolveRelative(origin.path, reference, () => fail(['load', 'scenario'], `expected a scenario file; ${reference} (relative to ${origin.file}) does not exist`)), origin.cwd)
      : await loadScenario(reference, {cwd: origin.cwd, packageRoot: origin.packageRoot}).catch((error: unknown) => {
          if (error instanceof UserError && error.message.startsWith('No scenario named')) fail(['load', 'scenario'], `${error.message} ${error.hint ?? ''}`.trim())
          throw error
        })
    base = loaded.scenario
    scenarioFile = loaded.file
  }
  const own = experiment.load.requests ?? []
  const offset = base?.requests.length ?? 0
  const load: ScenarioFile = {
    name: experiment.name,
    description: experiment.description,
    target: 'gateway',
    identities: {...base?.identities, ...experiment.load.identities},
    ...(base?.ids ? {ids: base.ids} : {}),
    requests: [...(base?.requests ?? []), ...own],
    phases: [{name: 'load', duration: experiment.duration, rate: experiment.load.rate}],
  }
  const parsed = ScenarioSchema.safeParse(load)
  if (!parsed.success) {
    // Point at the experiment's own field when the problem is there, else name the scenario file.
    const issues = parsed.error.issues.map((issue) => ({...issue, path: experimentPath(issue.path, offset)}))
    throw new UserError(invalid(origin.file, issues, origin.doc, origin.lineCounter), {hint: SCHEMA_HINT})
  }
  if (!parsed.data.requests.some(isWriteTemplate)) {
    fail(['load'], `expected writes in the background load: a request template with method: POST and path: ${WRITE_PATH}${scenarioFile ? ` (${scenarioFile} has none)` : ''}; its acknowledged ids are read back after recovery to prove nothing was lost`)
  }
  return {load: parsed.data, scenarioFile}
}

/** Where an issue in the assembled load sits in the experiment file. */
function experimentPath(path: readonly PropertyKey[], offset: number): PropertyKey[] {
  const [head, index, ...rest] = path
  if (head === 'requests' && typeof index === 'number') {
    return index >= offset ? ['load', 'requests', index - offset, ...rest] : ['load', 'scenario', `requests[${index}]`, ...rest]
  }
  if (head === 'identities') return ['load', 'identities', ...path.slice(1)]
  if (head === 'phases') return ['load', 'rate']
  return ['load', ...path]
}

export const WRITE_PATH = '/api/v1/resources'

/** A write whose id the run captures and checks: POST /api/v1/resources. */
export function isWriteTemplate(template: {method?: string; path: string}): boolean {
  return (template.method ?? 'GET').toUpperCase() === 'POST' && template.path.split('?')[0].replace(/\/+$/, '') === WRITE_PATH
}

function invalid(file: string, issues: readonly z.core.$ZodIssue[], doc: Document, lineCounter: LineCounter): string {
  return describeIssues(file, issues, doc, lineCounter).replace(/^Invalid scenario file/, 'Invalid experiment file')
}

function resolveRelative(experimentPath: string, reference: string, missing: () => never): string {
  const path = resolve(dirname(experimentPath), reference)
  return isFile(path) ? path : missing()
}

