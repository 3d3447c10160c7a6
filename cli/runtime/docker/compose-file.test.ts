// compose.yaml and its links file are written from the topology; the committed ones must match,
// and what they say must be what compose needs (conditions, healthchecks, loopback ports, quoting).
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {CONTAINER_PORTS} from '../../../contracts/topology.js'
import {COMPOSE_FILE, COMPOSE_LINKS_FILE, composeFiles} from './compose-file.js'
import {offlineLabImages, scalelabVersion} from './image-refs.js'

const root = join(import.meta.dirname, '..', '..', '..')
const generated = composeFiles({version: scalelabVersion(root)})

interface ComposeService {
  image: string
  build?: {context: string; dockerfile: string}
  command: string[]
  environment?: Record<string, string>
  ports?: string[]
  volumes?: string[]
  networks?: {default: {aliases: string[]}}
  healthcheck: {test?: string[]; disable?: boolean; interval?: string}
  depends_on?: Record<string, {condition: string}>
}

describe('compose.yaml', () => {
  it.each([COMPOSE_FILE, COMPOSE_LINKS_FILE])('the committed %s is what the topology gives (regenerate: scalelab compose --output compose.yaml)', (file) => {
    const committed = readFileSync(join(root, file), 'utf8')
    expect(committed, `${file} drifted from contracts/topology.ts; run: node bin/run.js compose --output compose.yaml`).toBe(generated[file])
  })

  const doc = parse(generated[COMPOSE_FILE], {version: '1.1'}) as {services: Record<string, ComposeService>; volumes: Record<string, unknown>}
  const services = doc.services

  it('has every instance of the default lab as a service', () => {
    expect(Object.keys(services)).toEqual(['redis', 'postgres', 'faultproxy', 'migrate', 'api-1', 'api-2', 'api-3', 'balancer', 'gateway'])
    expect(Object.keys(doc.volumes)).toEqual(['redis-data', 'postgres-data'])
  })

  it('waits for healthy dependencies, and for the migrations to complete successfully', () => {
    expect(services['api-1'].depends_on).toEqual({faultproxy: {condition: 'service_healthy'}, migrate: {condition: 'service_completed_successfully'}})
    expect(services.migrate.depends_on).toEqual({postgres: {condition: 'service_healthy'}})
    expect(services.gateway.depends_on).toEqual({balancer: {condition: 'service_healthy'}, faultproxy: {condition: 'service_healthy'}})
    for (const [name, service] of Object.entries(services)) {
      for (const dep of Object.keys(service.depends_on ?? {})) {
        const target = services[dep]
        expect(target, `${name} depends on ${dep}`).toBeDefined()
        if (service.depends_on![dep].condition === 'service_healthy') expect(target.healthcheck.test, `${dep} needs a healthcheck`).toBeDefined()
      }
    }
  })

  it('publishes ports on 127.0.0.1 only', () => {
    for (const service of Object.values(services)) for (const port of service.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:\d+:\d+$/)
    expect(services.gateway.ports).toEqual([`127.0.0.1:7400:${CONTAINER_PORTS.gateway}`])
  })

  it('builds the app image from system/Dockerfile; the fleet shares one DNS name the balancer follows', () => {
    expect(services.gateway.build).toEqual({context: '.', dockerfile: 'system/Dockerfile'})
    expect(services['api-2'].networks).toEqual({default: {aliases: ['api']}})
    expect(services.balancer.environment).toMatchObject({BACKENDS_DNS: 'api:3000'})
  })

  it('leaves the gateway secret to the environment, with compose interpolation', () => {
    expect(services.gateway.environment!.GATEWAY_SECRET).toMatch(/^\$\{GATEWAY_SECRET:-.+\}$/)
    expect(services['api-1'].environment!.GATEWAY_SECRET).toBe(services.gateway.environment!.GATEWAY_SECRET)
  })

  it('gives Toxiproxy its links from the file beside compose.yaml', () => {
    expect(services.faultproxy.command).toContain('-config=/etc/toxiproxy/links.json')
    expect(services.faultproxy.volumes).toEqual([`./${COMPOSE_LINKS_FILE}:/etc/toxiproxy/links.json:ro`])
    expect(JSON.parse(generated[COMPOSE_LINKS_FILE])).toEqual([
      {name: 'redis', listen: '0.0.0.0:16379', upstream: 'redis:6379', enabled: true},
      {name: 'postgres', listen: '0.0.0.0:15432', upstream: 'postgres:5432', enabled: true},
    ])
  })

  it('quotes what YAML 1.1 (docker-compose v1) would read as a boolean or number', () => {
    expect(generated[COMPOSE_FILE]).toContain('--appendonly, "yes"')
    expect(generated[COMPOSE_FILE]).toContain('--protected-mode, "no"')
    expect(services.redis.command).toContain('no')
    expect(services['api-1'].environment!.PORT).toBe('3000')
  })

  it('offline: stand-in images, no build from source, our fault proxy reading the same links file', () => {
    const images = offlineLabImages('1.0.0', {node: 'scalelab/standin:node-20', redis: 'scalelab/standin:redis-7', postgres: 'scalelab/standin:postgres-15'})
    const offline = parse(composeFiles({version: '1.0.0', images})[COMPOSE_FILE]) as {services: Record<string, ComposeService>}
    expect(offline.services.redis.image).toBe('scalelab/standin:redis-7')
    expect(offline.services.gateway).toMatchObject({image: 'scalelab/app:1.0.0-standin'})
    expect(offline.services.gateway.build).toBeUndefined()
    expect(offline.services.faultproxy).toMatchObject({image: 'scalelab/app:1.0.0-standin', command: ['faultproxy']})
    expect(offline.services.faultproxy.environment).toMatchObject({HOST: '0.0.0.0', PORT: '8474', FAULTPROXY_CONFIG: '/etc/toxiproxy/links.json'})
    expect(offline.services.faultproxy.volumes).toEqual([`./${COMPOSE_LINKS_FILE}:/etc/toxiproxy/links.json:ro`])
  })

  it('follows the options it is asked for', () => {
    const five = parse(composeFiles({version: '0', apiReplicas: 5, portBase: 8400, faultProxy: false})[COMPOSE_FILE]) as {services: Record<string, ComposeService>}
    expect(Object.keys(five.services)).toEqual(['redis', 'postgres', 'migrate', 'api-1', 'api-2', 'api-3', 'api-4', 'api-5', 'balancer', 'gateway'])
    expect(five.services.gateway.ports).toEqual(['127.0.0.1:8400:8080'])
    expect(composeFiles({version: '0', faultProxy: false})[COMPOSE_LINKS_FILE]).toBeUndefined()
  })
})
