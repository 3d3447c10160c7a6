import {readFileSync} from 'node:fs'
import {z} from 'zod'
import {env} from '../shared/config.js'

/** The service's environment (topology sets HOST, PORT, LOG_LEVEL). */
export const faultProxyEnvSchema = z.object({
  HOST: env.string('127.0.0.1'),
  PORT: env.port(8474),
  LOG_LEVEL: env.string('info'),
  /** JSON file of proxies to create at start, like toxiproxy-server's -config. */
  FAULTPROXY_CONFIG: z.string().min(1).optional(),
  /** Seed for toxicity draws, jitter and slicing, like toxiproxy-server's -seed. */
  FAULTPROXY_SEED: z.coerce.number().int().optional(),
})

export type FaultProxyEnv = z.infer<typeof faultProxyEnvSchema>

/** Reads a proxies file: a JSON array of {name, listen, upstream, enabled?}, as POST /populate takes. */
export function loadProxyConfigFile(path: string): unknown {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new Error(`FAULTPROXY_CONFIG names ${path}, which cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); fix the path or unset FAULTPROXY_CONFIG.`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new Error(`FAULTPROXY_CONFIG file ${path} is not valid JSON (${(err as Error).message}); it must be an array of {"name", "listen", "upstream"}.`)
  }
  if (!Array.isArray(parsed)) throw new Error(`FAULTPROXY_CONFIG file ${path} must hold a JSON array of {"name", "listen", "upstream"} objects.`)
  return parsed
}
