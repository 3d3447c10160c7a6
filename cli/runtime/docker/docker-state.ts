// The Docker runtime's state file: the project, the options the lab was started with (incl. the
// generated gateway secret), the images it runs and which containers a fault verb stopped. What
// runs is Docker's to say (containers by label); the file remembers what Docker cannot.
import {z} from 'zod'
import {RuntimeStateFiles, stateHeaderSchema} from '../state-file.js'

const DockerStateSchema = stateHeaderSchema('docker').extend({
  project: z.string().min(1),
  imageSource: z.enum(['official', 'offline']),
  images: z.object({
    app: z.string(),
    redis: z.string(),
    postgres: z.string(),
    faultproxy: z.string(),
    faultProxyKind: z.enum(['toxiproxy', 'scalelab']),
  }),
  /** Image ids at `up`, by role: what ran, for reports. */
  imageIds: z.record(z.string(), z.string()).default({}),
  /** Instances a fault verb took down, and how (status tells "stopped on purpose" from "crashed"). */
  faults: z.record(z.string(), z.enum(['kill', 'stop'])).default({}),
})

export type DockerLabState = z.infer<typeof DockerStateSchema>

/** The Docker lab's files under its state dir: the state file and the logs saved at `down`. */
export class DockerLabFiles extends RuntimeStateFiles<DockerLabState> {
  constructor(stateDir: string) {
    super(stateDir, 'docker', DockerStateSchema)
  }
}
