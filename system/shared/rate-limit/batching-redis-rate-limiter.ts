import type {Redis} from 'ioredis'
import type {ConsumeRequest, PartitionLimiter, RateLimitPolicy} from './policy.js'
import {DEFAULT_RATE_LIMIT_KEY_PREFIX} from './redis-rate-limiter.js'
import type {WindowDecision} from './sliding-window.js'

/**
 * The sliding-window counter of redis-rate-limiter.ts for many requests in one script call: each
 * request is decided in order, exactly as if it had its own EVALSHA right after the one before, but
 * every partition is read once, written once, and Redis TIME is read once per batch.
 * KEYS: one per request (repeats allowed); ARGV: limit, window (µs), cost per request.
 * Returns {allowed, current, previous, elapsed µs} per request, flattened.
 */
export const SLIDING_WINDOW_BATCH_LUA = /* lua */ `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local nowUs = tonumber(t[1]) * 1000000 + tonumber(t[2])
local states = {}
local function flush(key, s)
  if s.dirty then
    redis.call('HSET', key, 'w', s.index, 'c', s.current, 'p', s.previous)
    redis.call('PEXPIRE', key, math.ceil(2 * s.windowUs / 1000))
  end
end
local out = {}
for i = 1, #KEYS do
  local key = KEYS[i]
  local limit = tonumber(ARGV[i * 3 - 2])
  local windowUs = tonumber(ARGV[i * 3 - 1])
  local cost = tonumber(ARGV[i * 3])
  local index = math.floor(nowUs / windowUs)
  local elapsed = nowUs - index * windowUs
  local s = states[key]
  if s ~= nil and s.windowUs ~= windowUs then
    flush(key, s)
    s = nil
  end
  if s == nil then
    local stored = redis.call('HMGET', key, 'w', 'c', 'p')
    local w = tonumber(stored[1])
    local current, previous = 0, 0
    if w == index then
      current = tonumber(stored[2]) or 0
      previous = tonumber(stored[3]) or 0
    elseif w == index - 1 then
      previous = tonumber(stored[2]) or 0
    end
    s = {index = index, current = current, previous = previous, windowUs = windowUs, dirty = false}
    states[key] = s
  end
  local allowed = 0
  if s.previous * (windowUs - elapsed) + (s.current + cost) * windowUs <= limit * windowUs then
    allowed = 1
    s.current = s.current + cost
    s.dirty = true
  end
  out[#out + 1] = allowed
  out[#out + 1] = s.current
  out[#out + 1] = s.previous
  out[#out + 1] = elapsed
end
for key, s in pairs(states) do flush(key, s) end
return out
`

const COMMAND = 'scalelabSlidingWindowBatch'
/** Requests per script call at most (a burst larger than this takes several calls in the same turn). */
const MAX_BATCH = 512

interface RedisWithBatchScript {
  [COMMAND](numberOfKeys: number, ...keysThenArgs: Array<string | number>): Promise<number[]>
}

interface Pending {
  key: string
  policy: RateLimitPolicy
  cost: number
  resolve(decision: WindowDecision): void
  reject(err: unknown): void
}

/**
 * The Redis sliding-window limiter with its calls batched: every decision asked for during one turn
 * of the event loop (all the requests read in one poll phase) goes to Redis as one script call,
 * sent from setImmediate. Per request that saves the command's write and read syscalls, its
 * promise plumbing in ioredis and Redis's own per-script overhead; ioredis's auto-pipelining only
 * batches within one I/O callback, which at one request per socket read is a batch of one.
 */
export function createBatchingRedisRateLimiter(
  redis: Redis,
  keyPrefix = DEFAULT_RATE_LIMIT_KEY_PREFIX,
): PartitionLimiter & {keyFor(partition: string): string; consumeMany(requests: readonly ConsumeRequest[]): Promise<WindowDecision[]>} {
  if (!(COMMAND in redis)) {
    redis.defineCommand(COMMAND, {lua: SLIDING_WINDOW_BATCH_LUA})
    const load = () => void redis.script('LOAD', SLIDING_WINDOW_BATCH_LUA).catch(() => undefined)
    redis.on('ready', load)
    if (redis.status === 'ready') load()
  }
  const scripted = redis as unknown as RedisWithBatchScript
  let pending: Pending[] = []
  let scheduled = false

  const flush = () => {
    scheduled = false
    const all = pending
    pending = []
    for (let from = 0; from < all.length; from += MAX_BATCH) send(all.slice(from, from + MAX_BATCH))
  }

  const send = (batch: Pending[]) => {
    const args: Array<string | number> = new Array(batch.length * 4)
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]
      args[i] = p.key
      const at = batch.length + i * 3
      args[at] = p.policy.limit
      args[at + 1] = p.policy.windowSeconds * 1_000_000
      args[at + 2] = p.cost
    }
    scripted[COMMAND](batch.length, ...args).then(
      (reply) => {
        for (let i = 0; i < batch.length; i++) {
          const p = batch[i]
          const windowUs = p.policy.windowSeconds * 1_000_000
          p.resolve({allowed: reply[i * 4] === 1, current: reply[i * 4 + 1], previous: reply[i * 4 + 2], elapsedUs: reply[i * 4 + 3], windowUs, limit: p.policy.limit})
        }
      },
      (err: unknown) => {
        for (const p of batch) p.reject(err)
      },
    )
  }

  /** One script call per MAX_BATCH requests, answers in request order. */
  const consumeMany = (requests: readonly ConsumeRequest[]): Promise<WindowDecision[]> => {
    const calls: Array<Promise<WindowDecision[]>> = []
    for (let from = 0; from < requests.length; from += MAX_BATCH) {
      const part = requests.slice(from, from + MAX_BATCH)
      calls.push(
        new Promise((resolve, reject) => {
          const out: WindowDecision[] = new Array(part.length)
          let left = part.length
          send(
            part.map((r, i) => ({
              key: keyPrefix + r.partition,
              policy: r.policy,
              cost: r.cost,
              resolve(d: WindowDecision) {
                out[i] = d
                if (--left === 0) resolve(out)
              },
              reject: i === 0 ? reject : () => undefined,
            })),
          )
        }),
      )
    }
    return calls.length === 1 ? calls[0] : Promise.all(calls).then((parts) => parts.flat())
  }

  return {
    keyFor: (partition) => keyPrefix + partition,
    consumeMany,
    consume(partition: string, policy: RateLimitPolicy, cost = 1): Promise<WindowDecision> {
      return new Promise((resolve, reject) => {
        pending.push({key: keyPrefix + partition, policy, cost, resolve, reject})
        if (!scheduled) {
          scheduled = true
          setImmediate(flush)
        }
      })
    },
  }
}
