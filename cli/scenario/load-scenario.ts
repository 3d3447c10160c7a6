// Finding and reading scenario files. A name resolves to ./scenarios/<name>.yaml of the working
// directory (the user's own) or, failing that, to the package's scenarios/<name>.yaml; a path
// works wherever a name does. Every way a file can be wrong is a UserError (exit 2) naming the
// file, the field path (with its line) and what was expected.
import {readFile} from 'node:fs/promises'
import {LineCounter, parseDocument, type Document} from 'yaml'
import type {z} from 'zod'
import {UserError} from '../errors.js'
import {displayPath, listNamedFiles, resolveNamedFile, type FileLocations, type NamedFileKind} from './named-files.js'
import {ScenarioSchema, type ScenarioFile} from './scenario-schema.js'

export interface LoadedScenario {
  /** The file as the user would name it (relative to the cwd when inside it). */
  file: string
  /** Absolute path. */
  path: string
  scenario: ScenarioFile
}

export type ScenarioLocations = FileLocations

const SCENARIO_FILES: NamedFileKind = {dir: 'scenarios', fileNoun: 'Scenario', nameNoun: 'scenario', pluralNoun: 'scenarios', aNoun: 'a scenario', listCommand: 'scalelab scenarios'}

const SCHEMA_HINT = 'The format is described in scenarios/scenario.schema.json (print it with: scalelab scenarios --schema).'
const MAX_ISSUES_SHOWN = 6

/** The absolute path a scenario name or path stands for; UserError when there is none. */
export function resolveScenarioPath(reference: string, locations: ScenarioLocations = {}): string {
  return resolveNamedFile(SCENARIO_FILES, reference, locations)
}

/** Every scenario file in ./scenarios and the package's scenarios/ (a name in both: the cwd's). */
export function listScenarioFiles(locations: ScenarioLocations = {}): string[] {
  return listNamedFiles(SCENARIO_FILES, locations)
}

export async function loadScenario(reference: string, locations: ScenarioLocations = {}): Promise<LoadedScenario> {
  const path = resolveScenarioPath(reference, locations)
  return loadScenarioFile(path, locations.cwd)
}

export async function loadScenarioFile(path: string, cwd = process.cwd()): Promise<LoadedScenario> {
  const file = displayPath(path, cwd)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new UserError(`Cannot read scenario file ${file}: ${(error as Error).message}.`, {cause: error})
  }
  return {file, path, scenario: parseScenarioText(text, file)}
}

/** Parses and validates scenario YAML; `file` names it in errors. */
export function parseScenarioText(text: string, file: string): ScenarioFile {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {lineCounter, prettyErrors: true})
  if (doc.errors.length > 0) {
    const error = doc.errors[0]
    const at = error.linePos?.[0]
    throw new UserError(`Scenario file ${file}${at ? `:${at.line}` : ''} is not valid YAML: ${error.message.split('\n')[0]}.`, {hint: SCHEMA_HINT})
  }
  const raw: unknown = doc.toJS()
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UserError(`Scenario file ${file} must be a YAML mapping with name, description, requests and phases.`, {hint: SCHEMA_HINT})
  }
  const parsed = ScenarioSchema.safeParse(raw)
  if (parsed.success) return parsed.data
  throw new UserError(describeIssues(file, parsed.error.issues, doc, lineCounter), {hint: SCHEMA_HINT})
}

/** "Invalid scenario file x.yaml: phases[1].rate (line 12): expected …" plus further issues, one a line. */
export function describeIssues(file: string, issues: readonly z.core.$ZodIssue[], doc?: Document, lineCounter?: LineCounter): string {
  const lines = issues.slice(0, MAX_ISSUES_SHOWN).map((issue) => {
    const path = issuePath(issue)
    const line = doc && lineCounter ? lineOf(doc, lineCounter, issue.path) : undefined
    const missing = issue.code === 'invalid_type' && doc !== undefined && !doc.hasIn(path as unknown[])
    const message = issueMessage(issue)
    return `${formatPath(path)}${line ? ` (line ${line})` : ''}: ${missing && !message.startsWith('missing') ? `missing: ${message}` : message}`
  })
  const more = issues.length > MAX_ISSUES_SHOWN ? [`… and ${issues.length - MAX_ISSUES_SHOWN} more`] : []
  const [first, ...rest] = [...lines, ...more]
  return [`Invalid scenario file ${file}: ${first}`, ...rest.map((l) => `  ${l}`)].join('\n')
}

function issuePath(issue: z.core.$ZodIssue): PropertyKey[] {
  // An unknown key is reported on its parent; point at the key itself.
  if (issue.code === 'unrecognized_keys' && issue.keys.length === 1) return [...issue.path, issue.keys[0]]
  // A wrong discriminator is reported on the `kind` field, which is where it belongs.
  return [...issue.path]
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? `s ${issue.keys.join(', ')}` : ''}; check the spelling against the scenario format`
  if (issue.code === 'invalid_type' && issue.message.startsWith('Invalid input')) {
    return issue.message.includes('received undefined') ? `missing; expected ${issue.expected}` : issue.message.replace(/^Invalid input: /, '')
  }
  if (issue.code === 'invalid_union' && issue.message.startsWith('Invalid discriminator')) {
    return `expected ${(issue as {options?: unknown[]}).options?.map((o) => String(o)).join(', ') ?? 'a known kind'}`
  }
  return issue.message.replace(/^Invalid input: /, '')
}

/** phases[1].rate, requests[0].headers.x-api-key */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)'
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '')
}

/** The line of the deepest node on `path` that exists in the document. */
function lineOf(doc: Document, lineCounter: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true) as {range?: [number, number, number]} | undefined
    const range = node && typeof node === 'object' ? node.range : undefined
    if (range) return lineCounter.linePos(range[0]).line
  }
  return undefined
}

