// What each instance of the topology becomes as a container: image, command, environment, ports,
// volumes, network names, healthcheck and start conditions. Neutral data, derived only from the
// topology and the images chosen; the Docker runtime turns it into API calls (docker-objects.ts)
// and compose.yaml is written from it (compose-file.ts), so the two cannot tell different stories.
import {
  POSTGRES_DB,
  POSTGRES_USER,
  findInstance,
  type HealthCheck,
  type InstanceSpec,
  type ServiceKind,
  type Topology,
} from '../../../contracts/topology.js'

/** The images a lab runs. The fault proxy is Toxiproxy's own image, or ours from the app image. */
export interface LabImages {
  app: string
  redis: string
  postgres: string
  faultproxy: string
  faultProxyKind: 'toxiproxy' | 'scalelab'
}

export interface HealthcheckPlan {
  /** Docker's form: ['CMD', ...argv], or ['NONE'] for a one-shot job. */
  test: string[]
  intervalS: number
  timeoutS: number
  retries: number
  startPeriodS: number
}

export type StartCondition = 'service_healthy' | 'service_completed_successfully'

export interface ContainerPlan {
  /** The instance (chaos target) name; the compose service name. */
  instance: string
  service: ServiceKind
  image: string
  command: string[]
  env: Record<string, string>
  /** Published on 127.0.0.1 only. */
  ports: Array<{container: number; host: number}>
  /** Named volumes, by their name within the project. */
  volumes: Array<{volume: string; target: string}>
  /** Names on the lab network: the instance name first, then shared ones (`api`). */
  aliases: string[]
  healthcheck: HealthcheckPlan
  stopSignal: 'SIGTERM' | 'SIGINT'
  stopGraceS: number
  dependsOn: Array<{instance: string; condition: StartCondition}>
  oneShot: boolean
}

/** The app image's healthcheck script (system/container/healthcheck.ts), relative to its WORKDIR. */
export const APP_HEALTHCHECK = 'dist/system/container/healthcheck.js'

export const DATA_VOLUMES = {
  redis: {volume: 'redis-data', target: '/data'},
  postgres: {volume: 'postgres-data', target: '/var/lib/postgresql/data'},
} as const

const STOP_GRACE_S = 10

/** One plan per instance, in start order (dependencies first). */
export function containerPlans(topology: Topology, images: LabImages): ContainerPlan[] {
  return topology.startOrder.map((name) => containerPlan(findInstance(topology, name)!, topology, images))
}

export function containerPlan(spec: InstanceSpec, topology: Topology, images: LabImages): ContainerPlan {
  const ports = spec.oneShot ? [] : [{container: spec.port, host: spec.hostPort}]
  if (spec.service === 'faultproxy') for (const link of topology.links) ports.push({container: link.clientPort, host: link.hostPort})
  return {
    instance: spec.name,
    service: spec.service,
    image: imageOf(spec.service, images),
    command: commandOf(spec, images),
    env: envOf(spec, images),
    ports,
    volumes: spec.service === 'redis' || spec.service === 'postgres' ? [{...DATA_VOLUMES[spec.service]}] : [],
    aliases: [spec.name, ...(spec.aliases ?? [])],
    healthcheck: healthcheckOf(spec, images),
    // Postgres's SIGTERM waits for every client to leave (pools never do); SIGINT is its fast shutdown.
    stopSignal: spec.service === 'postgres' ? 'SIGINT' : 'SIGTERM',
    stopGraceS: STOP_GRACE_S,
    dependsOn: spec.dependsOn.map((dep) => ({
      instance: dep,
      condition: findInstance(topology, dep)?.oneShot ? 'service_completed_successfully' : 'service_healthy',
    })),
    oneShot: spec.oneShot ?? false,
  }
}

function imageOf(service: ServiceKind, images: LabImages): string {
  switch (service) {
    case 'redis':
      return images.redis
    case 'postgres':
      return images.postgres
    case 'faultproxy':
      return images.faultproxy
    default:
      return images.app
  }
}

function commandOf(spec: InstanceSpec, images: LabImages): string[] {
  switch (spec.service) {
    case 'redis':
      // Append-only file in the volume: sessions survive a kill and restart (everysec: at most a second lost).
      return ['redis-server', '--port', String(spec.port), '--protected-mode', 'no', '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', DATA_VOLUMES.redis.target]
    case 'postgres':
      return ['postgres', '-c', `port=${spec.port}`, '-c', 'max_connections=200', '-c', 'shared_buffers=128MB', '-c', 'log_min_messages=warning']
    case 'faultproxy':
      if (images.faultProxyKind === 'toxiproxy') return ['-host=0.0.0.0', `-port=${spec.port}`]
      return ['faultproxy']
    default:
      // The app image's entry point takes the service first, then the entry's own arguments.
      return [spec.service, ...(spec.args ?? [])]
  }
}

function envOf(spec: InstanceSpec, images: LabImages): Record<string, string> {
  // Toxiproxy is configured by flags; its LOG_LEVEL is the one variable it shares with our services.
  if (spec.service === 'faultproxy' && images.faultProxyKind === 'toxiproxy') return spec.env.LOG_LEVEL ? {LOG_LEVEL: spec.env.LOG_LEVEL} : {}
  return {...spec.env}
}

function healthcheckOf(spec: InstanceSpec, images: LabImages): HealthcheckPlan {
  const every = (test: string[], startPeriodS = 30): HealthcheckPlan => ({test, intervalS: 5, timeoutS: 3, retries: 3, startPeriodS})
  const check: HealthCheck = spec.health
  switch (check.kind) {
    case 'exit':
      return {test: ['NONE'], intervalS: 0, timeoutS: 0, retries: 0, startPeriodS: 0}
    case 'redis':
      return every(['CMD', 'redis-cli', '-p', String(spec.port), 'ping'])
    case 'postgres':
      // Over TCP: the official image's first-start server listens on its socket only, and must not count.
      return every(['CMD', 'pg_isready', '-h', '127.0.0.1', '-p', String(spec.port), '-U', POSTGRES_USER, '-d', POSTGRES_DB], 60)
    case 'http':
      if (spec.service === 'faultproxy' && images.faultProxyKind === 'toxiproxy') return every(['CMD', '/toxiproxy-cli', '--host', `http://127.0.0.1:${spec.port}`, 'list'])
      return every(['CMD', 'node', APP_HEALTHCHECK, check.path, check.accept.join(',')], 60)
  }
}
