// The package root (where package.json and dist/ are), found from this file's location so it is
// right both from source (tests) and from dist/ (the built CLI).
import {existsSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

let cached: string | undefined

export function packageRoot(): string {
  if (cached) return cached
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as {name?: string}).name === 'scalelab') return (cached = dir)
    const parent = dirname(dir)
    if (parent === dir) throw new Error('cannot find the scalelab package root above ' + fileURLToPath(import.meta.url))
    dir = parent
  }
}
