// compose.yaml, written from the same topology and container plans the Docker runtime uses, so
// `docker compose up` gives the same system without the CLI. Toxiproxy gets its links from a JSON
// file beside it (its -config flag), as the runtime creates them through its API.
import YAML, {isScalar, isSeq} from 'yaml'
import {DEFAULT_API_REPLICAS, DEFAULT_PORT_BASE, findInstance, resolveTopology, type LabOptions, type Topology} from '../../../contracts/topology.js'
import {containerPlans, type ContainerPlan, type LabImages} from './container-plan.js'
import {officialLabImages} from './image-refs.js'
import {LABELS} from './labels.js'

export const COMPOSE_FILE = 'compose.yaml'
export const COMPOSE_LINKS_FILE = 'compose.faultproxy.json'
const LINKS_IN_CONTAINER = '/etc/toxiproxy/links.json'
/** compose.yaml leaves the secret to the environment, with a default only good for a laptop. */
export const COMPOSE_GATEWAY_SECRET = '${GATEWAY_SECRET:-scalelab-compose-not-a-secret}'

export interface ComposeOptions {
  apiReplicas?: number
  portBase?: number
  faultProxy?: boolean
  logLevel?: string
  version: string
  /** Other images than the official ones (offline: the stand-ins `scalelab images --offline` builds). */
  images?: LabImages
}

export interface ComposeFiles {
  /** File name (relative to compose.yaml's directory) → content. */
  [file: string]: string
}

export function composeTopology(options: ComposeOptions): Topology {
  const lab: LabOptions = {
    runtime: 'docker',
    apiReplicas: options.apiReplicas ?? DEFAULT_API_REPLICAS,
    portBase: options.portBase ?? DEFAULT_PORT_BASE,
    gatewaySecret: COMPOSE_GATEWAY_SECRET,
    faultProxy: options.faultProxy ?? true,
    logLevel: options.logLevel ?? 'info',
  }
  return resolveTopology(lab)
}

/** compose.yaml and, with the fault proxy, the links file Toxiproxy loads at start. */
export function composeFiles(options: ComposeOptions): ComposeFiles {
  const topology = composeTopology(options)
  const images = options.images ?? officialLabImages(options.version)
  const files: ComposeFiles = {[COMPOSE_FILE]: composeYaml(topology, images, options)}
  if (topology.links.length) files[COMPOSE_LINKS_FILE] = `${JSON.stringify(linksConfig(topology), null, 2)}\n`
  return files
}

export function linksConfig(topology: Topology): Array<{name: string; listen: string; upstream: string; enabled: boolean}> {
  return topology.links.map((l) => ({name: l.name, listen: l.listen, upstream: l.upstream, enabled: true}))
}

function composeYaml(topology: Topology, images: LabImages, options: ComposeOptions): string {
  const services: Record<string, unknown> = {}
  const volumes = new Set<string>()
  for (const plan of containerPlans(topology, images)) {
    services[plan.instance] = composeService(plan, topology, images)
    for (const v of plan.volumes) volumes.add(v.volume)
  }
  // YAML 1.1 quoting: docker-compose v1 (PyYAML) reads a bare `no` or `yes` as a boolean.
  const doc = new YAML.Document({services, volumes: Object.fromEntries([...volumes].map((v) => [v, {}]))}, {version: '1.1'})
  // Short argv lists read best on one line; ports quoted, as compose's docs advise.
  YAML.visit(doc, {
    Pair(_, pair) {
      const key = isScalar(pair.key) ? pair.key.value : undefined
      if ((key === 'command' || key === 'test') && isSeq(pair.value)) pair.value.flow = true
      if (key === 'ports' && isSeq(pair.value)) for (const item of pair.value.items) if (isScalar(item)) item.type = 'QUOTE_DOUBLE'
    },
  })
  const api = topology.instances.filter((i) => i.service === 'api').length
  const official = images.faultProxyKind === 'toxiproxy'
  const header = [
    `# Generated from contracts/topology.ts by \`scalelab compose${official ? '' : ' --offline'} --output <file>\`; do not edit by hand`,
    official ? '# (a test fails when the committed compose.yaml and the topology disagree).' : "# Stand-in images from this machine's binaries (`scalelab images --offline` builds them); no registry needed.",
    `# The lab of \`scalelab up --runtime docker\`: ${api} API instances, ports from ${topology.options.portBase} on 127.0.0.1,`,
    `# Redis and Postgres reached through ${official ? 'Toxiproxy' : "scalelab's fault proxy"} (links in ${COMPOSE_LINKS_FILE}).`,
    '#',
    `#   GATEWAY_SECRET=$(openssl rand -hex 24) docker compose up -d${official ? ' --build' : ''}`,
    `#   curl http://127.0.0.1:${findInstance(topology, 'gateway')?.hostPort ?? options.portBase ?? DEFAULT_PORT_BASE}/ready`,
    '#   docker compose down -v',
  ]
  return `${header.join('\n')}\n${doc.toString({lineWidth: 0, directives: false})}`
}

function composeService(plan: ContainerPlan, topology: Topology, images: LabImages): Record<string, unknown> {
  const service: Record<string, unknown> = {image: plan.image}
  // Offline, the app image comes from `scalelab images --offline`; building from source needs the npm registry.
  if (plan.image === images.app && images.faultProxyKind === 'toxiproxy') service.build = {context: '.', dockerfile: 'system/Dockerfile'}
  const command = [...plan.command]
  const env = {...plan.env}
  const volumes = plan.volumes.map((v) => `${v.volume}:${v.target}`)
  if (plan.service === 'faultproxy' && topology.links.length) {
    // Both fault proxies read the same file at start: Toxiproxy's -config, ours FAULTPROXY_CONFIG.
    if (images.faultProxyKind === 'toxiproxy') command.push(`-config=${LINKS_IN_CONTAINER}`)
    else env.FAULTPROXY_CONFIG = LINKS_IN_CONTAINER
    volumes.push(`./${COMPOSE_LINKS_FILE}:${LINKS_IN_CONTAINER}:ro`)
  }
  service.command = command
  if (Object.keys(env).length) {
    // `$` is compose's interpolation; only the secret is meant to be interpolated.
    service.environment = Object.fromEntries(
      Object.entries(env).map(([k, v]) => [k, k === 'GATEWAY_SECRET' ? v : v.replaceAll('$', '$$$$')]),
    )
  }
  if (plan.ports.length) service.ports = plan.ports.map((p) => `127.0.0.1:${p.host}:${p.container}`)
  if (volumes.length) service.volumes = volumes
  if (plan.aliases.length > 1) service.networks = {default: {aliases: plan.aliases.slice(1)}}
  if (plan.healthcheck.test[0] === 'NONE') service.healthcheck = {disable: true}
  else {
    const hc = plan.healthcheck
    service.healthcheck = {test: hc.test, interval: `${hc.intervalS}s`, timeout: `${hc.timeoutS}s`, retries: hc.retries, start_period: `${hc.startPeriodS}s`}
  }
  if (plan.dependsOn.length) service.depends_on = Object.fromEntries(plan.dependsOn.map((d) => [d.instance, {condition: d.condition}]))
  if (plan.stopSignal !== 'SIGTERM') service.stop_signal = plan.stopSignal
  service.stop_grace_period = `${plan.stopGraceS}s`
  service.labels = {[LABELS.service]: plan.service, [LABELS.instance]: plan.instance}
  return service
}
