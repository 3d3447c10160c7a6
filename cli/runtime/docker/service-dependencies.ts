// The npm packages the services need at run time, and only those: the bare imports of the built
// services (dist/system, dist/contracts) and everything they depend on, found in node_modules the
// way Node resolves them. The CLI's own dependencies (oclif, ink, vega, ...) stay out of the image.
// npm cannot list the closure of a subset of a package's dependencies, hence this walk.
import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs'
import {isBuiltin} from 'node:module'
import {dirname, join, relative, sep} from 'node:path'

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s*)['"]([^'"]+)['"]/gm

/** Package names imported by the .js files under `dirs` (tests excluded), without Node's built-ins. */
export function bareImports(dirs: readonly string[]): Set<string> {
  const names = new Set<string>()
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, {withFileTypes: true})) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) visit(path)
      else if (entry.name.endsWith('.js') && !entry.name.endsWith('.test.js')) {
        for (const m of readFileSync(path, 'utf8').matchAll(IMPORT)) {
          const name = packageName(m[1])
          if (name) names.add(name)
        }
      }
    }
  }
  for (const dir of dirs) if (existsSync(dir)) visit(dir)
  return names
}

/** `@scope/pkg/sub` → `@scope/pkg`, `pkg/sub` → `pkg`; relative paths and built-ins → undefined. */
export function packageName(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:') || isBuiltin(specifier)) return undefined
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

interface PackageJson {
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, {optional?: boolean}>
}

/** Node's lookup: node_modules/<name> in `fromDir`, then each parent up to (and including) `root`. */
function resolvePackageDir(name: string, fromDir: string, root: string): string | undefined {
  let dir = fromDir
  for (;;) {
    const candidate = join(dir, 'node_modules', name)
    if (existsSync(join(candidate, 'package.json'))) return candidate
    if (dir === root || dirname(dir) === dir) return undefined
    dir = dirname(dir)
  }
}

/**
 * The package directories (relative to `root`, e.g. `node_modules/pg`) that `roots` need, with
 * their dependencies, optional and peer ones included when installed. A missing required
 * dependency throws: an image without it would fail at start.
 */
export function dependencyClosure(root: string, roots: Iterable<string>): string[] {
  const found = new Set<string>()
  const queue: Array<{name: string; from: string; optional: boolean; wantedBy: string}> = [...roots].map((name) => ({name, from: root, optional: false, wantedBy: 'the services'}))
  while (queue.length) {
    const {name, from, optional, wantedBy} = queue.shift()!
    const dir = resolvePackageDir(name, from, root)
    if (!dir) {
      if (optional) continue
      throw new Error(`the npm package ${name} (needed by ${wantedBy}) is not installed under ${root}; run npm install`)
    }
    if (found.has(dir)) continue
    found.add(dir)
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson
    for (const dep of Object.keys(pkg.dependencies ?? {})) queue.push({name: dep, from: dir, optional: false, wantedBy: name})
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) queue.push({name: dep, from: dir, optional: true, wantedBy: name})
    for (const dep of Object.keys(pkg.peerDependencies ?? {})) queue.push({name: dep, from: dir, optional: true, wantedBy: name})
  }
  const dirs = [...found].map((d) => relative(root, d)).sort()
  // A package copied whole brings its nested node_modules: list only the outermost directories.
  return dirs.filter((d) => !dirs.some((outer) => outer !== d && d.startsWith(`${outer}${sep}`)))
}

/** Bytes under the given directories (for the report of what went into the image). */
export function directorySize(root: string, dirs: readonly string[]): number {
  let total = 0
  const visit = (path: string) => {
    const st = statSync(path)
    if (st.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry))
    else total += st.size
  }
  for (const d of dirs) visit(join(root, d))
  return total
}
