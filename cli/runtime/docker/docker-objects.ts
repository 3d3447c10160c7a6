// A lab's Docker objects from its container plans: one bridge network, named volumes and one
// container per instance, every one labelled with the project, ports published on 127.0.0.1 only.
import type Docker from 'dockerode'
import type {ContainerPlan} from './container-plan.js'
import {LABELS} from './labels.js'

export interface ProjectContext {
  project: string
  stateDir: string
}

const NS_PER_S = 1_000_000_000

export function networkName(project: string): string {
  return project
}

export function volumeName(project: string, volume: string): string {
  return `${project}-${volume}`
}

export function containerName(project: string, instance: string): string {
  return `${project}-${instance}`
}

export function projectLabels(ctx: ProjectContext): Record<string, string> {
  return {[LABELS.project]: ctx.project, [LABELS.stateDir]: ctx.stateDir}
}

export function networkCreateOptions(ctx: ProjectContext): Docker.NetworkCreateOptions {
  return {Name: networkName(ctx.project), Driver: 'bridge', CheckDuplicate: true, Labels: projectLabels(ctx)}
}

export function volumeCreateOptions(ctx: ProjectContext, volume: string): Docker.VolumeCreateOptions {
  return {Name: volumeName(ctx.project, volume), Labels: projectLabels(ctx)}
}

export function containerCreateOptions(plan: ContainerPlan, ctx: ProjectContext): Docker.ContainerCreateOptions {
  const network = networkName(ctx.project)
  const exposed: Record<string, object> = {}
  const bindings: Record<string, Array<{HostIp: string; HostPort: string}>> = {}
  for (const {container, host} of plan.ports) {
    exposed[`${container}/tcp`] = {}
    bindings[`${container}/tcp`] = [{HostIp: '127.0.0.1', HostPort: String(host)}]
  }
  const hc = plan.healthcheck
  return {
    name: containerName(ctx.project, plan.instance),
    Hostname: plan.instance,
    Image: plan.image,
    Cmd: plan.command,
    Env: Object.entries(plan.env).map(([k, v]) => `${k}=${v}`),
    Labels: {...projectLabels(ctx), [LABELS.service]: plan.service, [LABELS.instance]: plan.instance},
    ExposedPorts: exposed,
    StopSignal: plan.stopSignal,
    StopTimeout: plan.stopGraceS,
    Healthcheck:
      hc.test[0] === 'NONE'
        ? {Test: ['NONE']}
        : {Test: hc.test, Interval: hc.intervalS * NS_PER_S, Timeout: hc.timeoutS * NS_PER_S, Retries: hc.retries, StartPeriod: hc.startPeriodS * NS_PER_S},
    HostConfig: {
      NetworkMode: network,
      PortBindings: bindings,
      // A fault verb decides when a container comes back, never Docker.
      RestartPolicy: {Name: 'no'},
      Mounts: plan.volumes.map((v) => ({Type: 'volume' as const, Source: volumeName(ctx.project, v.volume), Target: v.target})),
    },
    NetworkingConfig: {EndpointsConfig: {[network]: {Aliases: plan.aliases}}},
  }
}
