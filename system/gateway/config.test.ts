import {describe, expect, it} from 'vitest'
import {TIER_LIMITS_PER_MINUTE} from '../../contracts/identity.js'
import {gatewayConfigFromEnv, parseRateLimits, parseSessionTiers} from './config.js'

const required = {
  UPSTREAM_URL: 'http://127.0.0.1:7401/',
  REDIS_URL: 'redis://127.0.0.1:7410',
  DATABASE_URL: 'postgres://scalelab@127.0.0.1:7420/scalelab',
  GATEWAY_SECRET: 'a-long-secret',
}

describe('gateway configuration', () => {
  it('fills defaults from the contract and trims the upstream URL', () => {
    const c = gatewayConfigFromEnv(required)
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      instanceId: 'gateway',
      upstreamUrl: 'http://127.0.0.1:7401',
      rateLimits: TIER_LIMITS_PER_MINUTE,
      rateLimitWindowSeconds: 60,
      sessionTiers: {user: 'free', admin: 'enterprise'},
      trustProxy: 0,
      bodyLimitBytes: 1_048_576,
    })
  })

  it('overrides some tiers with RATE_LIMITS and keeps the others', () => {
    expect(parseRateLimits('anonymous=5, pro=50')).toEqual({...TIER_LIMITS_PER_MINUTE, anonymous: 5, pro: 50})
    expect(gatewayConfigFromEnv({...required, RATE_LIMITS: 'free=7', SESSION_TIERS: 'user=pro'})).toMatchObject({
      rateLimits: {free: 7, anonymous: 100},
      sessionTiers: {user: 'pro', admin: 'enterprise'},
    })
  })

  it('names the variable and what to write when a value is wrong', () => {
    expect(() => parseRateLimits('gold=5')).toThrow(/unknown tier "gold" \(use anonymous, free, pro, enterprise\)/)
    expect(() => parseRateLimits('free=-1')).toThrow(/free must be a whole number/)
    expect(() => parseRateLimits('free')).toThrow(/name=value pairs/)
    expect(() => parseSessionTiers('root=pro')).toThrow(/unknown role "root"/)
    expect(() => gatewayConfigFromEnv({...required, GATEWAY_SECRET: 'short'})).toThrow(/GATEWAY_SECRET/)
    expect(() => gatewayConfigFromEnv({...required, UPSTREAM_URL: undefined})).toThrow(/UPSTREAM_URL/)
    expect(() => gatewayConfigFromEnv({...required, RATE_LIMITS: 'gold=1'})).toThrow(/RATE_LIMITS: unknown tier/)
  })
})
