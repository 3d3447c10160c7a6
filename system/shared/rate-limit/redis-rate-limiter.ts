import type {Redis} from 'ioredis'
import type {PartitionLimiter, RateLimitPolicy} from './policy.js'
import type {WindowDecision} from './sliding-window.js'

/**
 * The sliding-window counter of sliding-window.ts as one atomic script, so every gateway process
 * sharing this Redis draws from the same quota. Redis TIME is the only clock (gateways' clocks
 * never disagree about the window). One hash per partition with three small fields (window index,
 * current, previous): constant memory however many requests a client makes. Rejected requests
 * are not counted, so a client that keeps hammering regains quota at the normal pace.
 * KEYS[1] partition key; ARGV: limit, window (µs), cost. Returns {allowed, current, previous, elapsed µs}.
 */
export const SLIDING_WINDOW_LUA = /* lua */ `
if redis.replicate_commands then redis.replicate_commands() end
local limit = tonumber(ARGV[1])
local windowUs = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local nowUs = tonumber(t[1]) * 1000000 + tonumber(t[2])
local index = math.floor(nowUs / windowUs)
local elapsed = nowUs - index * windowUs
local stored = redis.call('HMGET', KEYS[1], 'w', 'c', 'p')
local w = tonumber(stored[1])
local current, previous = 0, 0
if w == index then
  current = tonumber(stored[2]) or 0
  previous = tonumber(stored[3]) or 0
elseif w == index - 1 then
  previous = tonumber(stored[2]) or 0
end
local allowed = 0
if previous * (windowUs - elapsed) + (current + cost) * windowUs <= limit * windowUs then
  allowed = 1
  current = current + cost
  redis.call('HSET', KEYS[1], 'w', index, 'c', current, 'p', previous)
  redis.call('PEXPIRE', KEYS[1], math.ceil(2 * windowUs / 1000))
end
return {allowed, current, previous, elapsed}
`

export const DEFAULT_RATE_LIMIT_KEY_PREFIX = 'scalelab:rl:'

const COMMAND = 'scalelabSlidingWindow'

type ScriptReply = [number, number, number, number]
interface RedisWithScript {
  [COMMAND](key: string, limit: number, windowUs: number, cost: number): Promise<ScriptReply>
}

/**
 * ioredis sends the script by EVALSHA. It is loaded (SCRIPT LOAD) each time the connection
 * becomes ready, so the first burst after a start or a Redis restart does not all answer NOSCRIPT
 * and retry with EVAL; ioredis still falls back to EVAL if Redis lost it some other way.
 */
export function createRedisRateLimiter(redis: Redis, keyPrefix = DEFAULT_RATE_LIMIT_KEY_PREFIX): PartitionLimiter & {keyFor(partition: string): string} {
  if (!(COMMAND in redis)) {
    redis.defineCommand(COMMAND, {numberOfKeys: 1, lua: SLIDING_WINDOW_LUA})
    const load = () => void redis.script('LOAD', SLIDING_WINDOW_LUA).catch(() => undefined)
    redis.on('ready', load)
    if (redis.status === 'ready') load()
  }
  const scripted = redis as unknown as RedisWithScript
  return {
    keyFor: (partition) => keyPrefix + partition,
    async consume(partition: string, policy: RateLimitPolicy, cost = 1): Promise<WindowDecision> {
      const windowUs = policy.windowSeconds * 1_000_000
      const [allowed, current, previous, elapsedUs] = await scripted[COMMAND](keyPrefix + partition, policy.limit, windowUs, cost)
      return {allowed: allowed === 1, current, previous, elapsedUs, windowUs, limit: policy.limit}
    },
  }
}
