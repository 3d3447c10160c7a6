// Scenario and experiment files are found the same way: a name resolves to <dir>/<name>.yaml (or
// .yml) of the working directory — the user's own — then of the package; a path (or a file that
// exists in the working directory) works wherever a name does. A name in both places is the user's.
import {existsSync, readdirSync, statSync} from 'node:fs'
import {basename, extname, join, relative, resolve} from 'node:path'
import {isUserError, UserError} from '../errors.js'
import {packageRoot} from '../runtime/package-root.js'

export interface FileLocations {
  cwd?: string
  packageRoot?: string
}

/** One kind of named file, and how to speak of it in an error. */
export interface NamedFileKind {
  /** Directory relative to the working directory and to the package, e.g. scenarios/chaos. */
  dir: string
  /** "Scenario file …" / "Experiment file …" */
  fileNoun: string
  /** "No scenario named …" / "No chaos experiment named …" */
  nameNoun: string
  /** "Known scenarios: …" */
  pluralNoun: string
  /** "a scenario" / "an experiment", as in "give a path … or a scenario name" */
  aNoun: string
  /** The command that lists them, for the hint. */
  listCommand: string
}

function directories(kind: NamedFileKind, locations: FileLocations): string[] {
  const cwd = locations.cwd ?? process.cwd()
  return [...new Set([join(cwd, kind.dir), join(locations.packageRoot ?? packageRoot(), kind.dir)].map((d) => resolve(d)))]
}

function looksLikePath(reference: string): boolean {
  return reference.includes('/') || reference.includes('\\') || /\.(ya?ml)$/i.test(reference)
}

/** The absolute path a name or path stands for; a UserError (exit 2) when there is none. */
export function resolveNamedFile(kind: NamedFileKind, reference: string, locations: FileLocations = {}): string {
  const cwd = locations.cwd ?? process.cwd()
  if (looksLikePath(reference) || isFile(resolve(cwd, reference))) {
    const path = resolve(cwd, reference)
    if (!isFile(path)) throw new UserError(`${kind.fileNoun} file ${reference} does not exist.`, {hint: `Give a path to a .yaml file, or ${kind.aNoun} name (list them with: ${kind.listCommand}).`})
    return path
  }
  for (const dir of directories(kind, locations)) {
    for (const ext of ['.yaml', '.yml']) {
      const candidate = join(dir, `${reference}${ext}`)
      if (isFile(candidate)) return candidate
    }
  }
  const known = [...new Set(listNamedFiles(kind, locations).map((f) => basename(f, extname(f))))].sort()
  throw new UserError(`No ${kind.nameNoun} named "${reference}".`, {
    hint: known.length ? `Known ${kind.pluralNoun}: ${known.join(', ')}; or give a path to a .yaml file.` : `Give a path to ${kind.aNoun} .yaml file.`,
  })
}

/** Every file of that kind in the working directory's and the package's directory (a name in both: the working directory's). */
export function listNamedFiles(kind: NamedFileKind, locations: FileLocations = {}): string[] {
  const byName = new Map<string, string>()
  for (const dir of directories(kind, locations)) {
    if (!existsSync(dir)) continue
    for (const entry of readdirSync(dir).sort()) {
      if (!/\.ya?ml$/i.test(entry)) continue
      const path = join(dir, entry)
      const name = basename(entry, extname(entry))
      if (isFile(path) && !byName.has(name)) byName.set(name, path)
    }
  }
  return [...byName.values()]
}

export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** The file as the user would name it: relative to the working directory when inside it. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path)
  return rel && !rel.startsWith('..') ? rel : path
}

/** One file in a `scenarios` or `chaos --list` listing: its name and path, or why it could not be read. */
export interface FileListing {
  name: string
  file: string
  /** Set when the file does not validate: what is wrong. */
  error?: string
}

/**
 * Reads every file into a listing. A file that does not validate (a UserError) is listed under its
 * file name with the error and `invalid`'s empty fields, so one bad file does not hide the others.
 */
export async function readListings<T extends FileListing>(
  paths: readonly string[],
  read: (path: string) => Promise<T>,
  invalid: Omit<T, keyof FileListing>,
): Promise<T[]> {
  const listings: T[] = []
  for (const path of paths) {
    try {
      listings.push(await read(path))
    } catch (error) {
      if (!isUserError(error)) throw error
      const name = path.split(/[\\/]/).pop()!.replace(/\.ya?ml$/i, '')
      listings.push({name, file: path, ...invalid, error: error.message} as T)
    }
  }
  return listings
}

/** The listings with their names in one column: a valid file's lines come from `lines`, an invalid one is one INVALID line. */
export function formatListings<T extends FileListing>(listings: readonly T[], empty: string, lines: (listing: T, nameWidth: number) => string[]): string {
  if (listings.length === 0) return empty
  const width = Math.max(...listings.map((l) => l.name.length))
  return listings.flatMap((l) => (l.error ? [`${l.name.padEnd(width)}  INVALID: ${l.error.split('\n')[0]}`] : lines(l, width))).join('\n')
}
