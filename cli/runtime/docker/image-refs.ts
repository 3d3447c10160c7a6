// Which images a lab runs. With a registry: the official Redis, Postgres and Toxiproxy images, and
// the app image built on the official Node image. On a registry-less host (`--offline`): stand-ins
// imported from this machine's own binaries, and our own fault proxy from the app image.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import type {LabImages} from './container-plan.js'

export const OFFICIAL_IMAGES = {
  node: 'node:20-slim',
  redis: 'redis:7',
  postgres: 'postgres:15',
  toxiproxy: 'ghcr.io/shopify/toxiproxy:2.12.0',
} as const

export const APP_IMAGE_REPOSITORY = 'scalelab/app'
export const STANDIN_REPOSITORY = 'scalelab/standin'

export type ImageSource = 'official' | 'offline'

/** The stand-ins' tags: `scalelab/standin:<role>-<version of the host binary>`. */
export interface StandinTags {
  node: string
  redis: string
  postgres: string
}

export function appImage(version: string, source: ImageSource): string {
  return `${APP_IMAGE_REPOSITORY}:${version}${source === 'offline' ? '-standin' : ''}`
}

export function officialLabImages(version: string): LabImages {
  return {
    app: appImage(version, 'official'),
    redis: OFFICIAL_IMAGES.redis,
    postgres: OFFICIAL_IMAGES.postgres,
    faultproxy: OFFICIAL_IMAGES.toxiproxy,
    faultProxyKind: 'toxiproxy',
  }
}

export function offlineLabImages(version: string, standins: StandinTags): LabImages {
  const app = appImage(version, 'offline')
  return {app, redis: standins.redis, postgres: standins.postgres, faultproxy: app, faultProxyKind: 'scalelab'}
}

/** The Node image the app image is built on. */
export function nodeBaseImage(source: ImageSource, standins?: StandinTags): string {
  return source === 'offline' ? standins!.node : OFFICIAL_IMAGES.node
}

export function scalelabVersion(packageRoot: string): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {version: string}).version
}
