// The containers a topology becomes: labels, ports on 127.0.0.1 only, healthchecks, environment,
// network names and start conditions, for the official images and for the offline stand-ins.
import {describe, expect, it} from 'vitest'
import {API_DNS_NAME, CONTAINER_PORTS, resolveTopology, type LabOptions} from '../../../contracts/topology.js'
import {containerPlans, type ContainerPlan} from './container-plan.js'
import {containerCreateOptions, networkCreateOptions, volumeCreateOptions} from './docker-objects.js'
import {offlineLabImages, officialLabImages} from './image-refs.js'
import {LABELS, projectName} from './labels.js'

const options: LabOptions = {runtime: 'docker', apiReplicas: 3, portBase: 7400, gatewaySecret: 's3cret', faultProxy: true, logLevel: 'info'}
const topology = resolveTopology(options)
const official = officialLabImages('1.2.3')
const offline = offlineLabImages('1.2.3', {node: 'scalelab/standin:node-20', redis: 'scalelab/standin:redis-7', postgres: 'scalelab/standin:postgres-15'})
const ctx = {project: projectName('/home/me/lab/.scalelab'), stateDir: '/home/me/lab/.scalelab'}
const plans = containerPlans(topology, official)
const plan = (name: string): ContainerPlan => plans.find((p) => p.instance === name)!

describe('container plans from the topology', () => {
  it('one per instance, in start order: datastores, fault proxy and migrations, fleet, balancer, gateway', () => {
    expect(plans.map((p) => p.instance)).toEqual(topology.startOrder)
    expect(topology.startOrder.indexOf('migrate')).toBeLessThan(topology.startOrder.indexOf('api-1'))
    expect(topology.startOrder.at(-1)).toBe('gateway')
  })

  it('official images: redis:7, postgres:15, Toxiproxy, and the app image for every node service', () => {
    expect(plan('redis').image).toBe('redis:7')
    expect(plan('postgres').image).toBe('postgres:15')
    expect(plan('faultproxy').image).toMatch(/^ghcr\.io\/shopify\/toxiproxy:2\./)
    for (const name of ['migrate', 'api-1', 'balancer', 'gateway']) expect(plan(name).image).toBe('scalelab/app:1.2.3')
    expect(plan('faultproxy').command).toEqual(['-host=0.0.0.0', `-port=${CONTAINER_PORTS.faultproxy}`])
  })

  it('offline: stand-ins for the datastores, and our own fault proxy from the app image', () => {
    const byName = new Map(containerPlans(topology, offline).map((p) => [p.instance, p]))
    expect(byName.get('redis')!.image).toBe('scalelab/standin:redis-7')
    expect(byName.get('postgres')!.image).toBe('scalelab/standin:postgres-15')
    expect(byName.get('faultproxy')!.image).toBe('scalelab/app:1.2.3-standin')
    expect(byName.get('faultproxy')!.command).toEqual(['faultproxy'])
    expect(byName.get('faultproxy')!.env).toMatchObject({HOST: '0.0.0.0', PORT: String(CONTAINER_PORTS.faultproxy)})
    expect(byName.get('faultproxy')!.healthcheck.test).toEqual(['CMD', 'node', 'dist/system/container/healthcheck.js', '/version', ''])
  })

  it('publishes each service on its host port, and the fault proxy its links too; the job publishes nothing', () => {
    expect(plan('gateway').ports).toEqual([{container: CONTAINER_PORTS.gateway, host: 7400}])
    expect(plan('api-2').ports).toEqual([{container: CONTAINER_PORTS.api, host: 7502}])
    expect(plan('faultproxy').ports).toEqual([
      {container: CONTAINER_PORTS.faultproxy, host: 7402},
      {container: CONTAINER_PORTS.redisLink, host: 7411},
      {container: CONTAINER_PORTS.postgresLink, host: 7421},
    ])
    expect(plan('migrate').ports).toEqual([])
  })

  it('the environment is the topology\'s: container names and ports inside the network, through the fault proxy', () => {
    expect(plan('api-1').env).toEqual({
      HOST: '0.0.0.0',
      PORT: '3000',
      INSTANCE_ID: 'api-1',
      DATABASE_URL: 'postgres://scalelab:scalelab@faultproxy:15432/scalelab',
      REDIS_URL: 'redis://faultproxy:16379',
      GATEWAY_SECRET: 's3cret',
      LOG_LEVEL: 'info',
    })
    expect(plan('balancer').env).toMatchObject({BACKENDS_DNS: `${API_DNS_NAME}:3000`})
    expect(plan('balancer').env.BACKENDS).toBeUndefined()
    expect(plan('gateway').env.UPSTREAM_URL).toBe('http://balancer:8081')
    expect(plan('migrate').env.DATABASE_URL).toBe('postgres://scalelab:scalelab@postgres:5432/scalelab')
    expect(plan('postgres').env).toEqual({POSTGRES_DB: 'scalelab', POSTGRES_USER: 'scalelab', POSTGRES_PASSWORD: 'scalelab'})
    // Toxiproxy takes flags, not our services' variables.
    expect(plan('faultproxy').env).toEqual({LOG_LEVEL: 'info'})
  })

  it('the command picks the service in the app image; the job gets its arguments', () => {
    expect(plan('api-3').command).toEqual(['api'])
    expect(plan('gateway').command).toEqual(['gateway'])
    expect(plan('migrate').command).toEqual(['migrate', 'migrate', '--seed'])
    expect(plan('redis').command).toEqual(expect.arrayContaining(['redis-server', '--appendonly', 'yes', '--dir', '/data']))
  })

  it('every API container answers to its own name and the fleet name; the others to their own name', () => {
    for (const i of [1, 2, 3]) expect(plan(`api-${i}`).aliases).toEqual([`api-${i}`, API_DNS_NAME])
    expect(plan('balancer').aliases).toEqual(['balancer'])
  })

  it('healthchecks: redis-cli, pg_isready over TCP, Toxiproxy\'s CLI, /ready with the accepted statuses; none for the job', () => {
    expect(plan('redis').healthcheck.test).toEqual(['CMD', 'redis-cli', '-p', '6379', 'ping'])
    expect(plan('postgres').healthcheck.test).toEqual(['CMD', 'pg_isready', '-h', '127.0.0.1', '-p', '5432', '-U', 'scalelab', '-d', 'scalelab'])
    expect(plan('faultproxy').healthcheck.test).toEqual(['CMD', '/toxiproxy-cli', '--host', 'http://127.0.0.1:8474', 'list'])
    expect(plan('api-1').healthcheck.test).toEqual(['CMD', 'node', 'dist/system/container/healthcheck.js', '/ready', 'ready'])
    expect(plan('gateway').healthcheck.test).toEqual(['CMD', 'node', 'dist/system/container/healthcheck.js', '/ready', 'ready,degraded'])
    expect(plan('migrate').healthcheck.test).toEqual(['NONE'])
    for (const p of plans.filter((p) => !p.oneShot)) expect(p.healthcheck.intervalS).toBeGreaterThan(0)
  })

  it('start conditions: healthy dependencies, and migrations completed successfully', () => {
    expect(plan('api-1').dependsOn).toEqual([
      {instance: 'faultproxy', condition: 'service_healthy'},
      {instance: 'migrate', condition: 'service_completed_successfully'},
    ])
    expect(plan('balancer').dependsOn.map((d) => d.instance)).toEqual(['api-1', 'api-2', 'api-3'])
    expect(plan('migrate').dependsOn).toEqual([{instance: 'postgres', condition: 'service_healthy'}])
  })

  it('Postgres stops with SIGINT (its fast shutdown) and keeps its data in a volume; so does Redis', () => {
    expect(plan('postgres').stopSignal).toBe('SIGINT')
    expect(plan('api-1').stopSignal).toBe('SIGTERM')
    expect(plan('postgres').volumes).toEqual([{volume: 'postgres-data', target: '/var/lib/postgresql/data'}])
    expect(plan('redis').volumes).toEqual([{volume: 'redis-data', target: '/data'}])
  })

  it('without the fault proxy, services reach Redis and Postgres directly and no Toxiproxy runs', () => {
    const direct = containerPlans(resolveTopology({...options, faultProxy: false}), official)
    expect(direct.map((p) => p.instance)).not.toContain('faultproxy')
    expect(direct.find((p) => p.instance === 'api-1')!.env).toMatchObject({REDIS_URL: 'redis://redis:6379', DATABASE_URL: 'postgres://scalelab:scalelab@postgres:5432/scalelab'})
  })
})

describe('Docker objects from the plans', () => {
  it('every container is labelled with project, service and instance, named after the project', () => {
    const create = containerCreateOptions(plan('api-2'), ctx)
    expect(create.name).toBe(`${ctx.project}-api-2`)
    expect(create.Labels).toEqual({[LABELS.project]: ctx.project, [LABELS.stateDir]: ctx.stateDir, [LABELS.service]: 'api', [LABELS.instance]: 'api-2'})
    expect(ctx.project).toMatch(/^scalelab-[0-9a-f]{8}$/)
    expect(projectName('/another/lab')).not.toBe(ctx.project)
  })

  it('ports are published on 127.0.0.1 only, never on every interface', () => {
    for (const p of plans) {
      const create = containerCreateOptions(p, ctx)
      const bindings = Object.values(create.HostConfig!.PortBindings ?? {}) as Array<Array<{HostIp: string; HostPort: string}>>
      expect(bindings.length).toBe(p.ports.length)
      for (const binding of bindings.flat()) expect(binding.HostIp).toBe('127.0.0.1')
    }
    expect(containerCreateOptions(plan('gateway'), ctx).HostConfig!.PortBindings).toEqual({'8080/tcp': [{HostIp: '127.0.0.1', HostPort: '7400'}]})
  })

  it('on the project network with the plan\'s aliases, no restart policy, environment as KEY=value', () => {
    const create = containerCreateOptions(plan('api-1'), ctx)
    expect(create.HostConfig!.NetworkMode).toBe(ctx.project)
    expect(create.NetworkingConfig!.EndpointsConfig![ctx.project].Aliases).toEqual(['api-1', API_DNS_NAME])
    expect(create.HostConfig!.RestartPolicy).toEqual({Name: 'no'})
    expect(create.Env).toContain('INSTANCE_ID=api-1')
    expect(create.Cmd).toEqual(['api'])
  })

  it('healthchecks in nanoseconds, and disabled for the job', () => {
    expect(containerCreateOptions(plan('redis'), ctx).Healthcheck).toEqual({
      Test: ['CMD', 'redis-cli', '-p', '6379', 'ping'],
      Interval: 5e9,
      Timeout: 3e9,
      Retries: 3,
      StartPeriod: 30e9,
    })
    expect(containerCreateOptions(plan('migrate'), ctx).Healthcheck).toEqual({Test: ['NONE']})
  })

  it('volumes, network and containers all carry the project label', () => {
    const create = containerCreateOptions(plan('postgres'), ctx)
    expect(create.HostConfig!.Mounts).toEqual([{Type: 'volume', Source: `${ctx.project}-postgres-data`, Target: '/var/lib/postgresql/data'}])
    expect(volumeCreateOptions(ctx, 'postgres-data')).toEqual({Name: `${ctx.project}-postgres-data`, Labels: {[LABELS.project]: ctx.project, [LABELS.stateDir]: ctx.stateDir}})
    expect(networkCreateOptions(ctx).Labels).toEqual({[LABELS.project]: ctx.project, [LABELS.stateDir]: ctx.stateDir})
    expect(create.StopSignal).toBe('SIGINT')
  })
})
