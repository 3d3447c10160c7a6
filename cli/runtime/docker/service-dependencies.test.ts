// The npm packages that go into the app image: what the built services import, and what those
// packages need, resolved like Node does (nested copies first), on a node_modules tree made here.
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {bareImports, dependencyClosure, packageName} from './service-dependencies.js'

const dir = mkdtempSync(join(tmpdir(), 'scalelab-deps-test-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

function write(path: string, content: string): void {
  mkdirSync(join(dir, path, '..'), {recursive: true})
  writeFileSync(join(dir, path), content)
}

function pkg(path: string, json: object): void {
  write(join(path, 'package.json'), JSON.stringify(json))
}

describe('bare imports of the built services', () => {
  it('finds static, dynamic and re-exported packages; skips relative paths, built-ins and tests', () => {
    write('dist/system/a.js', "import express from 'express'\nimport {x} from './local.js'\nimport fs from 'node:fs'\nimport path from 'path'\n")
    write('dist/system/sub/b.js', "const pg = await import('pg')\nexport {z} from 'zod/v4'\nimport '@scope/side-effect/register'\n")
    write('dist/system/sub/b.test.js', "import {it} from 'vitest'\n")
    write('dist/system/c.json', '{"import": "not-code"}')
    expect([...bareImports([join(dir, 'dist/system'), join(dir, 'dist/missing')])].sort()).toEqual(['@scope/side-effect', 'express', 'pg', 'zod'])
  })

  it('package names from specifiers', () => {
    expect(packageName('@scope/pkg/deep/file.js')).toBe('@scope/pkg')
    expect(packageName('pkg/sub')).toBe('pkg')
    expect(packageName('node:crypto')).toBeUndefined()
    expect(packageName('crypto')).toBeUndefined()
    expect(packageName('../x.js')).toBeUndefined()
  })
})

describe('the dependency closure', () => {
  const root = join(dir, 'app')
  pkg('app/node_modules/express', {dependencies: {'body-parser': '^2', debug: '^4'}})
  pkg('app/node_modules/body-parser', {dependencies: {debug: '^3'}})
  // body-parser has its own debug@3; express gets the hoisted debug@4.
  pkg('app/node_modules/body-parser/node_modules/debug', {dependencies: {ms: '^2'}})
  pkg('app/node_modules/debug', {dependencies: {ms: '^2'}})
  pkg('app/node_modules/ms', {})
  pkg('app/node_modules/pg', {optionalDependencies: {'pg-native': '*', 'pg-cloudflare': '*'}, peerDependencies: {'pg-native-peer': '*'}})
  pkg('app/node_modules/pg-cloudflare', {})
  pkg('app/node_modules/vega', {dependencies: {d3: '*'}})
  pkg('app/node_modules/broken', {dependencies: {'not-installed': '*'}})

  it('holds what the roots need and nothing else (no CLI packages)', () => {
    expect(dependencyClosure(root, ['express', 'pg'])).toEqual([
      'node_modules/body-parser',
      'node_modules/debug',
      'node_modules/express',
      'node_modules/ms',
      'node_modules/pg',
      'node_modules/pg-cloudflare',
    ])
  })

  it('a nested copy is found first and travels inside its parent (not listed twice)', () => {
    const closure = dependencyClosure(root, ['body-parser'])
    expect(closure).toEqual(['node_modules/body-parser', 'node_modules/ms'])
  })

  it('a missing required dependency is an error naming who needs it', () => {
    expect(() => dependencyClosure(root, ['broken'])).toThrow('the npm package not-installed (needed by broken) is not installed')
    expect(() => dependencyClosure(root, ['nowhere'])).toThrow('the npm package nowhere (needed by the services)')
  })
})
