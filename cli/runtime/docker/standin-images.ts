// Stand-in base images for a host with no registry (`scalelab images --offline`): Node, Redis and
// Postgres images imported from this machine's own binaries and the libraries they load. They play
// the official images' parts as far as the lab needs: same commands, same environment variables,
// data dirs owned by a non-root user, Postgres creating $POSTGRES_DB on first start.
import {execFile} from 'node:child_process'
import {createHash} from 'node:crypto'
import {mkdtempSync, realpathSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {promisify} from 'node:util'
import type Docker from 'dockerode'
import {UserError} from '../../errors.js'
import {findBinary} from '../local/datastores.js'
import {followDockerStream} from './docker-stream.js'
import {STANDIN_REPOSITORY, type StandinTags} from './image-refs.js'
import {LABELS} from './labels.js'
import {Rootfs, writeAccounts} from './rootfs.js'

const run = promisify(execFile)

export type StandinRole = keyof StandinTags

/** What one stand-in is made of: its tag, the host files it comes from, and how to lay them out. */
export interface StandinRecipe {
  role: StandinRole
  tag: string
  /** Identifies the host files (paths, sizes, mtimes): a changed binary means a rebuild. */
  source: string
  /** One line for people: which binary, which version. */
  description: string
  build(rootfs: Rootfs): Promise<void>
  /** Dockerfile instructions `docker import` applies (CMD, ENV, USER, WORKDIR, EXPOSE, ENTRYPOINT, LABEL). */
  changes: string[]
}

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
/** The official redis and postgres images run as uid 999; so do the stand-ins. */
const SERVICE_UID = 999

function fingerprint(paths: string[]): string {
  const hash = createHash('sha256')
  for (const p of paths) {
    const real = realpathSync(p)
    const st = statSync(real)
    hash.update(`${real}:${st.size}:${st.mtimeMs}\n`)
  }
  return hash.digest('hex').slice(0, 16)
}

/** The host binaries behind the stand-ins; a missing one is a clear error saying what to install. */
export async function standinRecipes(nodeBinary = process.execPath): Promise<StandinRecipe[]> {
  return [nodeRecipe(nodeBinary), await redisRecipe(), await postgresRecipe()]
}

export async function standinTags(nodeBinary = process.execPath): Promise<StandinTags> {
  const recipes = await standinRecipes(nodeBinary)
  return Object.fromEntries(recipes.map((r) => [r.role, r.tag])) as unknown as StandinTags
}

function nodeRecipe(nodeBinary: string): StandinRecipe {
  const version = process.execPath === nodeBinary ? process.versions.node : 'host'
  return {
    role: 'node',
    tag: `${STANDIN_REPOSITORY}:node-${version}`,
    source: fingerprint([nodeBinary, '/bin/sh']),
    description: `node ${version} from ${nodeBinary}`,
    async build(rootfs) {
      await rootfs.add(nodeBinary)
      if (realpathSync(nodeBinary) !== '/usr/local/bin/node') rootfs.symlink('/usr/local/bin/node', realpathSync(nodeBinary))
      await rootfs.add('/bin/sh')
      writeAccounts(rootfs, [{name: 'node', uid: 1000, gid: 1000, home: '/home/node'}])
      rootfs.ownedDir('/home/node', 1000, 1000)
    },
    changes: [`ENV PATH=${PATH}`, 'CMD ["node"]'],
  }
}

async function redisRecipe(): Promise<StandinRecipe> {
  const server = findBinary('redis-server')
  if (!server) throw missing('redis-server', 'redis-server')
  const cli = join(dirname(server), 'redis-cli')
  const {stdout} = await run(server, ['--version'], {encoding: 'utf8'})
  const version = /v=(\S+)/.exec(stdout)?.[1] ?? 'host'
  return {
    role: 'redis',
    tag: `${STANDIN_REPOSITORY}:redis-${version}`,
    source: fingerprint([server, cli, '/bin/sh']),
    description: `redis ${version} from ${server}`,
    async build(rootfs) {
      // redis-server is often a symlink to redis-check-rdb (one binary, named by argv[0]): keep the name.
      await rootfs.add(server)
      await rootfs.add(cli)
      await rootfs.add('/bin/sh')
      writeAccounts(rootfs, [{name: 'redis', uid: SERVICE_UID, gid: SERVICE_UID, home: '/data'}])
      rootfs.ownedDir('/data', SERVICE_UID, SERVICE_UID)
    },
    changes: [`ENV PATH=${PATH}`, `USER ${SERVICE_UID}:${SERVICE_UID}`, 'WORKDIR /data', 'EXPOSE 6379', 'CMD ["redis-server", "--protected-mode", "no"]'],
  }
}

/** What the official image's entrypoint does that the lab relies on, in plain sh (no other tools in the image). */
export const POSTGRES_ENTRYPOINT = `#!/bin/sh
# scalelab stand-in for the postgres image's entrypoint. First start: create the cluster with
# superuser $POSTGRES_USER, trust for network connections (a lab, not production), and $POSTGRES_DB.
set -e
if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  initdb -D "$PGDATA" -U "\${POSTGRES_USER:-postgres}" --auth=trust -E UTF8 --locale=C --no-sync
  echo "host all all all trust" >> "$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  if [ -n "$POSTGRES_DB" ] && [ "$POSTGRES_DB" != postgres ]; then
    echo "CREATE DATABASE \\"$POSTGRES_DB\\"" | postgres --single -D "$PGDATA" postgres > /dev/null
  fi
  echo "scalelab stand-in: cluster created in $PGDATA"
fi
exec "$@"
`

async function postgresRecipe(): Promise<StandinRecipe> {
  const postgres = findBinary('postgres')
  if (!postgres) throw missing('postgres', 'postgresql')
  const bin = dirname(realpathSync(postgres))
  const pgConfig = join(bin, 'pg_config')
  const dirs = async (flag: string) => (await run(pgConfig, [flag], {encoding: 'utf8'})).stdout.trim()
  const [share, lib] = [await dirs('--sharedir'), await dirs('--pkglibdir')]
  const {stdout} = await run(postgres, ['--version'], {encoding: 'utf8'})
  const version = /PostgreSQL\)\s+(\d+(?:\.\d+)?)/.exec(stdout)?.[1] ?? 'host'
  const binaries = ['postgres', 'initdb', 'pg_isready', 'psql', 'pg_ctl'].map((b) => join(bin, b))
  return {
    role: 'postgres',
    tag: `${STANDIN_REPOSITORY}:postgres-${version}`,
    source: fingerprint([...binaries, '/bin/sh']),
    description: `postgres ${version} from ${bin}`,
    async build(rootfs) {
      for (const b of binaries) await rootfs.add(b)
      await rootfs.add(share, (p) => !p.includes('/man/'))
      // bitcode is only for JIT compilation, which the lab leaves off: 26 MB saved.
      await rootfs.add(lib, (p) => !p.endsWith('/bitcode'))
      for (const tz of ['/usr/share/zoneinfo/UTC', '/usr/share/zoneinfo/Etc/UTC']) await rootfs.add(tz).catch(() => undefined)
      await rootfs.add('/bin/sh')
      writeAccounts(rootfs, [{name: 'postgres', uid: SERVICE_UID, gid: SERVICE_UID, home: '/var/lib/postgresql'}])
      rootfs.writeFile('/usr/local/bin/docker-entrypoint.sh', POSTGRES_ENTRYPOINT, 0o755)
      rootfs.ownedDir('/var/lib/postgresql', SERVICE_UID, SERVICE_UID)
      rootfs.ownedDir('/var/lib/postgresql/data', SERVICE_UID, SERVICE_UID, 0o700)
      rootfs.ownedDir('/var/run/postgresql', SERVICE_UID, SERVICE_UID, 0o2775)
    },
    changes: [
      `ENV PATH=${bin}:${PATH}`,
      'ENV PGDATA=/var/lib/postgresql/data',
      'ENV TZ=UTC',
      `USER ${SERVICE_UID}:${SERVICE_UID}`,
      'EXPOSE 5432',
      'ENTRYPOINT ["docker-entrypoint.sh"]',
      'CMD ["postgres"]',
    ],
  }
}

function missing(binary: string, pkg: string): UserError {
  return new UserError(`Cannot build the ${binary} stand-in image: ${binary} is not installed on this machine.`, {
    hint: `Install it (Debian/Ubuntu: apt-get install ${pkg}), or pull the official images on a host with a registry.`,
  })
}

export type StandinOutcome = {role: StandinRole; tag: string; action: 'present' | 'built'; seconds: number; description: string}

/** Imports each stand-in unless an image with its tag and the same source is already there. */
export async function ensureStandinImages(
  docker: Docker,
  options: {rebuild?: boolean; onProgress?: (line: string) => void; recipes?: StandinRecipe[]} = {},
): Promise<StandinOutcome[]> {
  const recipes = options.recipes ?? (await standinRecipes())
  const outcomes: StandinOutcome[] = []
  for (const recipe of recipes) {
    const t0 = Date.now()
    const existing = await docker.getImage(recipe.tag).inspect().catch(() => undefined)
    if (!options.rebuild && existing?.Config?.Labels?.[LABELS.source] === recipe.source) {
      outcomes.push({role: recipe.role, tag: recipe.tag, action: 'present', seconds: 0, description: recipe.description})
      continue
    }
    options.onProgress?.(`building ${recipe.tag} (${recipe.description})`)
    await importStandin(docker, recipe)
    outcomes.push({role: recipe.role, tag: recipe.tag, action: 'built', seconds: (Date.now() - t0) / 1000, description: recipe.description})
  }
  return outcomes
}

async function importStandin(docker: Docker, recipe: StandinRecipe): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `scalelab-standin-${recipe.role}-`))
  try {
    const rootfs = new Rootfs(join(dir, 'rootfs'))
    await recipe.build(rootfs)
    const tarFile = join(dir, 'rootfs.tar')
    await rootfs.pack(tarFile)
    const [repo, tag] = recipe.tag.split(':')
    const labels = [`LABEL ${LABELS.image}=${recipe.role} ${LABELS.source}=${recipe.source} "dev.scalelab.standin"="${recipe.description}"`]
    const stream = await docker.importImage(tarFile, {repo, tag, changes: [...recipe.changes, ...labels]} as object)
    await followDockerStream(docker, stream)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
