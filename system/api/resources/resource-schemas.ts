import {z} from 'zod'
import {decodeCursor} from './cursor.js'

/** Resource ids are positive bigserials; kept within JS's safe integers. */
export const resourceIdSchema = z
  .string()
  .regex(/^[1-9][0-9]{0,15}$/, 'must be a positive integer id')
  .transform(Number)
  .refine(Number.isSafeInteger, 'is too large')

// Unknown query parameters are ignored (cache busters, tracing tags), not refused.
export const listQuerySchema = z.object({
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, 'must be an integer from 1 to 100')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100'))
    .default(20),
  cursor: z
    .string()
    .transform((value, ctx) => {
      const afterId = decodeCursor(value)
      if (afterId === null) {
        ctx.addIssue({code: 'custom', message: 'is not a cursor this API issued; use data.nextCursor from a previous page'})
        return z.NEVER
      }
      return afterId
    })
    .optional(),
})

const jsonObject = z.record(z.string(), z.unknown())

export const createResourceSchema = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  description: z.string().max(2000, 'must be at most 2000 characters').default(''),
  data: jsonObject.default({}),
})

export const updateResourceSchema = z
  .strictObject({
    name: createResourceSchema.shape.name.optional(),
    description: z.string().max(2000, 'must be at most 2000 characters').optional(),
    data: jsonObject.optional(),
    /** Optimistic concurrency: the update applies only if the stored version still equals this. */
    version: z.number().int().min(1).optional(),
  })
  .refine((b) => b.name !== undefined || b.description !== undefined || b.data !== undefined, {
    message: 'must change at least one of name, description, data',
    path: ['name'],
  })

export type CreateResource = z.infer<typeof createResourceSchema>
export type UpdateResource = z.infer<typeof updateResourceSchema>
