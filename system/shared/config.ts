import {z} from 'zod'

/**
 * Services are configured only through environment variables (12-factor). Each service declares a
 * zod schema of its variables; a bad value stops the process at start with the variable's name.
 */
export function readConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(env)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`)
    throw new Error(`invalid configuration:\n${lines.join('\n')}`)
  }
  return parsed.data
}

/** Common coercions for env values. */
export const env = {
  port: (def: number) => z.coerce.number().int().min(0).max(65535).default(def),
  int: (def: number, min = 0) => z.coerce.number().int().min(min).default(def),
  number: (def: number, min = 0) => z.coerce.number().min(min).default(def),
  ratio: (def: number) => z.coerce.number().min(0).max(1).default(def),
  bool: (def: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .default(def ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  url: () => z.string().url(),
  string: (def: string) => z.string().min(1).default(def),
}
