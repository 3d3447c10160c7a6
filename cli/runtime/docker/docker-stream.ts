// Docker's JSON-lines progress streams (pull, build, import), followed with dockerode's
// followProgress; an `error` line rejects, which followProgress alone does not do.
import type Docker from 'dockerode'

export interface DockerProgressEvent {
  status?: string
  id?: string
  progress?: string
  progressDetail?: {current?: number; total?: number}
  stream?: string
  error?: string
  errorDetail?: {message?: string}
  aux?: {ID?: string}
}

export function followDockerStream(docker: Docker, stream: NodeJS.ReadableStream, onEvent?: (event: DockerProgressEvent) => void): Promise<DockerProgressEvent[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, output: DockerProgressEvent[]) => {
        if (err) return reject(err)
        const failed = output.find((e) => e.error || e.errorDetail)
        if (failed) return reject(new Error(failed.errorDetail?.message ?? failed.error))
        resolve(output)
      },
      (event: DockerProgressEvent) => onEvent?.(event),
    )
  })
}
