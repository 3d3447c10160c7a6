// Is a Docker engine answering here? dockerode's ping (honours DOCKER_HOST) with a short bound, so
// `doctor` and `--runtime auto` never hang on an engine that is not there.
import Docker from 'dockerode'
import {UserError} from '../../errors.js'

export interface DockerEngineProbe {
  reachable: boolean
  /** Engine version when reachable, else why not. */
  detail: string
}

export async function probeDockerEngine(timeoutMs = 1_500): Promise<DockerEngineProbe> {
  const docker = new Docker({timeout: timeoutMs})
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    await Promise.race([docker.ping(), deadline])
    const version = (await Promise.race([docker.version(), deadline])) as {Version?: string}
    return {reachable: true, detail: `Docker engine ${version.Version ?? '(unknown version)'}`}
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const reason = code === 'ENOENT' ? 'no Docker socket' : code === 'ECONNREFUSED' ? 'connection refused' : (err as Error).message
    return {reachable: false, detail: `no Docker engine answered (${reason})`}
  } finally {
    clearTimeout(timer)
  }
}

/** An engine that is not there (or not ours to use) is something the user fixes: say what to do. */
export function engineUnavailable(err: unknown, docker?: Docker): UserError | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  const where = docker ? engineAddress(docker) : (process.env.DOCKER_HOST ?? 'the default Docker socket')
  if (code === 'ENOENT' || code === 'ECONNREFUSED') {
    return new UserError(`No Docker engine answers at ${where}.`, {
      hint: 'Start Docker (e.g. `sudo systemctl start docker`, or `dockerd` as root), set DOCKER_HOST, or use --runtime local.',
      cause: err,
    })
  }
  if (code === 'EACCES') {
    return new UserError(`Permission denied on the Docker socket ${where}.`, {
      hint: 'Add yourself to the docker group (then log in again), run as root, or use --runtime local.',
      cause: err,
    })
  }
  return undefined
}

/** Where a client talks to its engine, for messages: the socket path, or host:port. */
export function engineAddress(docker: Docker): string {
  const modem = docker.modem as {socketPath?: unknown; host?: string; port?: number | string}
  if (typeof modem.socketPath === 'string') return modem.socketPath
  if (modem.host) return `${modem.host}${modem.port ? `:${modem.port}` : ''}`
  return process.env.DOCKER_HOST ?? 'the default Docker socket'
}
