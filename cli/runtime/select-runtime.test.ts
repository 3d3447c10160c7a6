import {rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {UserError} from '../errors.js'
import {tempStateDir} from '../../test/support/fixture-lab.js'
import {DockerRuntime} from './docker/docker-runtime.js'
import {LocalRuntime} from './local/local-runtime.js'
import {chooseRuntime, dockerStrategy, localStrategy, openLabRuntime} from './select-runtime.js'
import type {LabRuntime, RuntimeStrategy} from './types.js'

const engineUp = async () => ({reachable: true, detail: 'Docker engine 27.0'})
const engineDown = async () => ({reachable: false, detail: 'no Docker engine answered (no Docker socket)'})
const imagesHere = async () => ({present: true, missing: []})
const imagesMissing = async () => ({present: false, missing: ['redis:7', 'postgres:15']})
/** Stands in for the Docker runtime, so choosing never touches an engine. */
const fakeDockerStrategy: RuntimeStrategy = {
  name: 'docker',
  isAvailable: async () => ({available: true, reason: 'ok'}),
  create: (context) => ({name: 'docker', stateDir: context.stateDir}) as LabRuntime,
}
const strategies = [fakeDockerStrategy, localStrategy]

describe('choosing a runtime', () => {
  const home = tempStateDir()
  const context = {stateDir: home.dir, packageRoot: process.cwd()}
  afterAll(() => home.remove())

  it('--runtime docker without an engine says so plainly (exit 2)', async () => {
    const unavailable: RuntimeStrategy = {...fakeDockerStrategy, isAvailable: async () => ({available: false, reason: 'no Docker engine answered (no Docker socket); start Docker (or set DOCKER_HOST)'})}
    const err = await chooseRuntime('docker', {context, strategies: [unavailable, localStrategy]}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UserError)
    expect((err as UserError).message).toBe('Cannot use --runtime docker: no Docker engine answered (no Docker socket); start Docker (or set DOCKER_HOST).')
    expect((err as UserError).hint).toContain('--runtime local')
    expect((err as UserError).exitCode).toBe(2)
  })

  it('--runtime docker with an engine gives the Docker runtime', async () => {
    expect((await chooseRuntime('docker', {context, strategies})).runtime.name).toBe('docker')
    const engineHere = {...dockerStrategy, isAvailable: async () => ({available: true, reason: 'Docker engine 27.0'})}
    expect((await chooseRuntime('docker', {context, strategies: [engineHere, localStrategy]})).runtime).toBeInstanceOf(DockerRuntime)
  })

  it('auto takes Docker when an engine answers and the images are here', async () => {
    const choice = await chooseRuntime('auto', {context, strategies, probeEngine: engineUp, imagesPresent: imagesHere})
    expect(choice.runtime.name).toBe('docker')
    expect(choice.reason).toBe('docker (auto: Docker engine 27.0, images present)')
  })

  it('auto never starts a download: images missing means local, saying how to get them', async () => {
    const choice = await chooseRuntime('auto', {context, strategies, probeEngine: engineUp, imagesPresent: imagesMissing})
    expect(choice.runtime).toBeInstanceOf(LocalRuntime)
    expect(choice.reason).toContain('missing redis:7, postgres:15')
    expect(choice.reason).toContain('`scalelab images` pulls them')
    expect(choice.reason).toContain('--offline')
  })

  it('auto --offline takes Docker whenever an engine answers (stand-ins are built here, nothing is downloaded)', async () => {
    const choice = await chooseRuntime('auto', {context, strategies, probeEngine: engineUp, imagesPresent: imagesMissing, offline: true})
    expect(choice.runtime.name).toBe('docker')
    expect(choice.reason).toBe('docker (auto: Docker engine 27.0, stand-in images)')
  })

  it('auto without an engine is local, and says why', async () => {
    const down = await chooseRuntime('auto', {context, strategies, probeEngine: engineDown, imagesPresent: imagesHere, offline: true})
    expect(down.runtime.name).toBe('local')
    expect(down.reason).toBe('local processes (auto: no Docker engine answered (no Docker socket))')
  })

  it('a state dir holding a Docker lab opens the Docker runtime', async () => {
    writeFileSync(join(home.dir, 'state.json'), JSON.stringify({runtime: 'docker'}))
    try {
      expect(openLabRuntime(context)).toBeInstanceOf(DockerRuntime)
      expect((await chooseRuntime('auto', {context, probeEngine: engineDown})).runtime).toBeInstanceOf(DockerRuntime)
    } finally {
      rmSync(join(home.dir, 'state.json'))
    }
  })

  it('local is always available, and a state dir without a lab opens the local runtime', async () => {
    expect((await chooseRuntime('local', {context})).runtime).toBeInstanceOf(LocalRuntime)
    expect(openLabRuntime(context)).toBeInstanceOf(LocalRuntime)
  })
})
