import type {Redis} from 'ioredis'

/**
 * Waits until the Redis clock is at least `marginSeconds` away from the end of a fixed window of
 * `windowSeconds`, so a short burst in a test cannot straddle two windows of the rate limiter.
 */
export async function waitForRoomInWindow(redis: Redis, windowSeconds: number, marginSeconds = 5): Promise<void> {
  const [sec, usec] = await redis.time()
  const into = (Number(sec) % windowSeconds) + Number(usec) / 1e6
  const left = windowSeconds - into
  if (left < marginSeconds) await new Promise((r) => setTimeout(r, left * 1000 + 50))
}

/** Resolves once an ioredis client (created without an offline queue) can take commands. */
export async function redisReady(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return
  await new Promise<void>((resolve) => redis.once('ready', () => resolve()))
}
