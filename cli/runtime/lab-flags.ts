// Flags shared by the commands that shape a lab (up, doctor).
import {Flags} from '@oclif/core'
import {MAX_API_REPLICAS, PORT_OFFSETS} from '../../contracts/topology.js'

export const labFlags = {
  api: Flags.integer({
    description: `Number of API instances (1-${MAX_API_REPLICAS}, default 3). On a running lab, resizes the fleet to this many.`,
    min: 1,
    max: MAX_API_REPLICAS,
  }),
  'port-base': Flags.integer({
    description: `First port of the lab's range: gateway = base, balancer +1, fault proxy +2, redis +10, postgres +20, api-N +${PORT_OFFSETS.api}+N (default 7400).`,
    env: 'SCALELAB_PORT_BASE',
    min: 1024,
    max: 65535 - PORT_OFFSETS.api - MAX_API_REPLICAS,
  }),
}
