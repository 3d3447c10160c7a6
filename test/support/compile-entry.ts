// Compiles one entry point of the project (and what it imports) with the project's own compiler
// options into a temporary folder inside the checkout, so a test can run it as a real process (in
// tmux, say) without depending on a fresh `npm run build`. The folder sits inside the checkout so
// node_modules and cli/ui/fixtures are found from it.
import {execa} from 'execa'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {dirname, join, relative, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

export interface CompiledEntry {
  /** The compiled JavaScript file of the entry. */
  file: string
  remove(): Promise<void>
}

/** `entry` relative to the project root, e.g. 'cli/ui/playback/main.ts'. */
export async function compileEntry(entry: string): Promise<CompiledEntry> {
  const base = join(PROJECT_ROOT, '.tmp')
  await mkdir(base, {recursive: true})
  const outDir = await mkdtemp(join(base, 'compiled-'))
  const rel = (path: string) => relative(outDir, path)
  await writeFile(
    join(outDir, 'tsconfig.json'),
    JSON.stringify({
      extends: rel(join(PROJECT_ROOT, 'tsconfig.json')),
      compilerOptions: {outDir: '.', rootDir: rel(PROJECT_ROOT), sourceMap: false, incremental: false},
      files: [rel(join(PROJECT_ROOT, entry))],
      include: [],
    }),
  )
  try {
    await execa(join(PROJECT_ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(outDir, 'tsconfig.json')], {cwd: PROJECT_ROOT})
  } catch (err) {
    await rm(outDir, {recursive: true, force: true})
    throw new Error(`compiling ${entry} failed:\n${(err as {stdout?: string}).stdout ?? String(err)}`)
  }
  return {file: join(outDir, entry.replace(/\.tsx?$/, '.js')), remove: () => rm(outDir, {recursive: true, force: true})}
}
