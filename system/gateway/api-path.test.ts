import {describe, expect, it} from 'vitest'
import {createRouteLabeler, isAdminPath, isApiPath, normalizeApiPath} from './api-path.js'
import {clientIpOf} from './client-ip.js'
import {requestIdFrom} from './request-id.js'

describe('api paths', () => {
  it('normalizes the spellings a router would treat as the same path', () => {
    expect(normalizeApiPath('/api/v1/resources/12')).toBe('/api/v1/resources/12')
    expect(normalizeApiPath('/api/v1/resources/')).toBe('/api/v1/resources')
    expect(normalizeApiPath('/API/V1/Admin/Dashboard')).toBe('/api/v1/admin/dashboard')
    expect(normalizeApiPath('/api/v1//admin///cache')).toBe('/api/v1/admin/cache')
    expect(normalizeApiPath('/api/v1/x/../admin/cache')).toBe('/api/v1/admin/cache')
    expect(normalizeApiPath('/api/v1/x/%2e%2e/admin')).toBe('/api/v1/admin')
    expect(normalizeApiPath('/api/v1/%61dmin/cache')).toBe('/api/v1/admin/cache')
    expect(normalizeApiPath('/api/v1/%E0%A4%A')).toBeNull()
  })

  it('tells API and admin paths apart', () => {
    expect(isApiPath('/api/v1')).toBe(true)
    expect(isApiPath('/api/v10/x')).toBe(false)
    expect(isAdminPath('/api/v1/admin')).toBe(true)
    expect(isAdminPath('/api/v1/administrators')).toBe(false)
  })

  it('labels routes by first segment, with a bound on distinct labels', () => {
    const label = createRouteLabeler(2)
    expect(label('/api/v1/resources/5')).toBe('/api/v1/resources')
    expect(label('/api/v1/auth/login')).toBe('/api/v1/auth')
    expect(label('/api/v1/third')).toBe('/api/v1/*')
    expect(label('/api/v1/resources')).toBe('/api/v1/resources')
    expect(label('/api/v1/123')).toBe('/api/v1/*')
  })
})

describe('client address and request id', () => {
  it('uses the socket peer unless proxies are trusted, then the entry those proxies appended', () => {
    expect(clientIpOf('::ffff:10.0.0.9', '1.2.3.4', 0)).toBe('10.0.0.9')
    expect(clientIpOf('10.0.0.9', 'spoofed, 1.2.3.4', 1)).toBe('1.2.3.4')
    expect(clientIpOf('10.0.0.9', 'spoofed, 1.2.3.4, 10.0.0.2', 2)).toBe('1.2.3.4')
    expect(clientIpOf('10.0.0.9', undefined, 1)).toBe('10.0.0.9')
  })

  it('keeps plain request ids and replaces others', () => {
    expect(requestIdFrom('abc-123_x.y:z')).toBe('abc-123_x.y:z')
    expect(requestIdFrom('has space')).toMatch(/^[0-9a-f-]{36}$/)
    expect(requestIdFrom('x'.repeat(129))).toMatch(/^[0-9a-f-]{36}$/)
    expect(requestIdFrom(undefined)).toMatch(/^[0-9a-f-]{36}$/)
  })
})
