// The app image's entry point: the first argument picks the service (`api`, `gateway`, `balancer`,
// `faultproxy`, `migrate`), the rest are passed to it, so one image runs every part of the system:
//   docker run scalelab/app gateway
//   docker run scalelab/app migrate migrate --seed
import {dirname, resolve} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {ENTRY_POINTS} from '../../contracts/topology.js'

type Service = keyof typeof ENTRY_POINTS

const services = Object.keys(ENTRY_POINTS) as Service[]
const service = process.argv[2] as Service | undefined

if (!service || !services.includes(service)) {
  console.error(`usage: start.js <service> [args...], where <service> is one of ${services.join(', ')}${service ? ` (got "${service}")` : ''}`)
  process.exit(2)
}

// dist/system/container/start.js → the package root holds dist/.
const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
// The service reads its own arguments from argv[2...]: drop the service name.
process.argv.splice(2, 1)
await import(pathToFileURL(resolve(packageRoot, ENTRY_POINTS[service])).href)
