import {describe, expect, it} from 'vitest'
import {balancerConfig, parseBackends} from './config.js'

describe('BACKENDS syntax', () => {
  it('reads name=host:port with optional @weight', () => {
    expect(parseBackends('api-1=127.0.0.1:7501@3, api-2=127.0.0.1:7502')).toEqual([
      {name: 'api-1', host: '127.0.0.1', port: 7501, weight: 3},
      {name: 'api-2', host: '127.0.0.1', port: 7502, weight: 1},
    ])
  })

  it('names an unnamed backend by its address, and takes bracketed IPv6', () => {
    expect(parseBackends('10.0.0.5:3000,[::1]:3001@2')).toEqual([
      {name: '10.0.0.5:3000', host: '10.0.0.5', port: 3000, weight: 1},
      {name: '[::1]:3001', host: '::1', port: 3001, weight: 2},
    ])
  })

  it('rejects malformed entries with a sentence naming them', () => {
    expect(() => parseBackends('api-1=127.0.0.1')).toThrow(/backend "api-1=127.0.0.1": expected host:port/)
    expect(() => parseBackends('api-1=h:70000')).toThrow(/outside 1-65535/)
    expect(() => parseBackends('api-1=h:1@0')).toThrow(/weight must be a whole number/)
    expect(() => parseBackends('a=h:1,a=h:2')).toThrow(/appears twice/)
  })
})

describe('balancer configuration from the environment', () => {
  it('has lab defaults and reads overrides', () => {
    const c = balancerConfig({BACKENDS: 'api-1=127.0.0.1:7501', LB_HEALTH_PATH: '/health', LB_OUTLIER_BASE_EJECTION_MS: '500'})
    expect(c.backends).toHaveLength(1)
    expect(c.healthCheck.path).toBe('/health')
    expect(c.outlier.baseEjectionMs).toBe(500)
    expect(c.retry).toEqual({budgetPercent: 20, minRetryConcurrency: 3})
  })

  it('needs BACKENDS or BACKENDS_DNS', () => {
    expect(() => balancerConfig({})).toThrow(/set BACKENDS .* or BACKENDS_DNS/)
    expect(balancerConfig({BACKENDS_DNS: 'api:3000@2'}).backendsDns).toEqual({host: 'api', port: 3000, weight: 2, refreshMs: 5000})
  })

  it('names the variable that is wrong', () => {
    expect(() => balancerConfig({BACKENDS: 'x=h:1', LB_OUTLIER_MAX_EJECTION_PERCENT: '150'})).toThrow(/LB_OUTLIER_MAX_EJECTION_PERCENT/)
  })
})
