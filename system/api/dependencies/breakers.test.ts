import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'
import {BrokenCircuitError, TaskCancelledError} from '../../shared/breaker.js'
import {createServiceMetrics, type ServiceMetrics} from '../../shared/metrics.js'
import {createApiBreakers, type ApiBreakers} from './breakers.js'

const SETTINGS = {
  BREAKER_FAILURES: 3,
  BREAKER_HALF_OPEN_MS: 5_000,
  REDIS_TIMEOUT_MS: 250,
  POSTGRES_TIMEOUT_MS: 2_500,
  EXTERNAL_TIMEOUT_MS: 1_000,
  DATABASE_READ_URL: undefined,
}

const fail = () => Promise.reject(new Error('connection refused'))
const succeed = () => Promise.resolve('ok')
const never = () => new Promise<string>(() => {})

/** A Postgres-style error about the statement, not the server. */
const uniqueViolation = () => Promise.reject(Object.assign(new Error('duplicate key value violates unique constraint'), {code: '23505'}))

describe('API circuit breakers (fake clock)', () => {
  let metrics: ServiceMetrics
  let breakers: ApiBreakers

  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'))
    metrics = createServiceMetrics('api', 'breaker-test')
    breakers = createApiBreakers(SETTINGS, metrics)
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  const series = async (name: string, labels: Record<string, string>) => {
    const {values} = await metrics.registry.getSingleMetric(name)!.get()
    return values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))?.value ?? 0
  }

  it('opens after N consecutive failures and then refuses calls without making them', async () => {
    const {postgres} = breakers
    for (let i = 0; i < 2; i++) await expect(postgres.execute(fail)).rejects.toThrow('connection refused')
    expect(postgres.state).toBe('closed')
    await expect(postgres.execute(fail)).rejects.toThrow('connection refused')
    expect(postgres.state).toBe('open')
    const attempted = vi.fn(succeed)
    await expect(postgres.execute(attempted)).rejects.toBeInstanceOf(BrokenCircuitError)
    expect(attempted).not.toHaveBeenCalled()
    expect(postgres.trips).toBe(1)
    expect(await series('scalelab_breaker_state', {dependency: 'postgres'})).toBe(2)
    expect(await series('scalelab_breaker_transitions_total', {dependency: 'postgres', to: 'open'})).toBe(1)
  })

  it('needs the failures to be consecutive: a success in between resets the count', async () => {
    const {redis} = breakers
    await expect(redis.execute(fail)).rejects.toThrow()
    await expect(redis.execute(fail)).rejects.toThrow()
    await redis.execute(succeed)
    await expect(redis.execute(fail)).rejects.toThrow()
    await expect(redis.execute(fail)).rejects.toThrow()
    expect(redis.state).toBe('closed')
  })

  it('counts timeouts as failures: a slow dependency trips its breaker', async () => {
    const {redis} = breakers
    for (let i = 0; i < 3; i++) {
      const call = redis.execute(never)
      const outcome = expect(call).rejects.toBeInstanceOf(TaskCancelledError)
      await vi.advanceTimersByTimeAsync(251)
      await outcome
    }
    expect(redis.state).toBe('open')
  })

  it('goes half-open after the delay, closes on a successful trial, and exports each transition', async () => {
    const {external} = breakers
    for (let i = 0; i < 3; i++) await expect(external.execute(fail)).rejects.toThrow()
    vi.setSystemTime(Date.now() + 4_999)
    await expect(external.execute(succeed)).rejects.toBeInstanceOf(BrokenCircuitError)
    vi.setSystemTime(Date.now() + 2)
    expect(await external.execute(succeed)).toBe('ok')
    expect(external.state).toBe('closed')
    expect(await series('scalelab_breaker_transitions_total', {dependency: 'external', to: 'half_open'})).toBe(1)
    expect(await series('scalelab_breaker_transitions_total', {dependency: 'external', to: 'closed'})).toBe(1)
    expect(await series('scalelab_breaker_state', {dependency: 'external'})).toBe(0)
  })

  it('reopens when the half-open trial fails', async () => {
    const {postgres} = breakers
    for (let i = 0; i < 3; i++) await expect(postgres.execute(fail)).rejects.toThrow()
    vi.setSystemTime(Date.now() + 5_001)
    await expect(postgres.execute(fail)).rejects.toThrow('connection refused')
    expect(postgres.state).toBe('open')
    expect(postgres.trips).toBe(2)
    await expect(postgres.execute(succeed)).rejects.toBeInstanceOf(BrokenCircuitError)
  })

  it('does not count errors about the statement (unique violation) against Postgres', async () => {
    const {postgres} = breakers
    for (let i = 0; i < 10; i++) await expect(postgres.execute(uniqueViolation)).rejects.toMatchObject({code: '23505'})
    expect(postgres.state).toBe('closed')
    expect(await series('scalelab_breaker_transitions_total', {dependency: 'postgres', to: 'open'})).toBe(0)
  })

  it('does not count Redis command errors (WRONGTYPE) against Redis', async () => {
    const wrongType = () => Promise.reject(Object.assign(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), {name: 'ReplyError'}))
    for (let i = 0; i < 5; i++) await expect(breakers.redis.execute(wrongType)).rejects.toThrow('WRONGTYPE')
    expect(breakers.redis.state).toBe('closed')
  })

  it('gives a configured read replica a breaker of its own', () => {
    const withReplica = createApiBreakers({...SETTINGS, DATABASE_READ_URL: 'postgres://replica/db'}, createServiceMetrics('api', 'replica-test'))
    expect(withReplica.postgresReplica?.dependency).toBe('postgres_replica')
    expect(breakers.postgresReplica).toBeUndefined()
  })
})
