import {describe, expect, it} from 'vitest'
import {refuseSubRequestPath} from './batch-path.js'

describe('refuseSubRequestPath: only plain relative paths to this API', () => {
  it.each([
    '/api/v1/resources',
    '/api/v1/resources/42',
    '/api/v1/resources?limit=5&cursor=cjox',
    '/api/v1/me',
    '/api/v1/admin/cache',
    '/api/v1/resources?q=%2e%2e', // percent-encoding in the query cannot change the target
  ])('allows %s', (path) => {
    expect(refuseSubRequestPath(path)).toBeNull()
  })

  it.each([
    ['absolute URL', 'http://169.254.169.254/latest/meta-data'],
    ['absolute URL to an API path', 'http://evil.example/api/v1/resources'],
    ['protocol-relative', '//evil.example/api/v1/resources'],
    ['scheme without slashes', 'http:/api/v1/resources'],
    ['relative without a slash', 'api/v1/resources'],
    ['outside /api/v1', '/metrics'],
    ['prefix look-alike', '/api/v10/resources'],
    ['dot-dot traversal', '/api/v1/../metrics'],
    ['dot-dot deeper', '/api/v1/resources/../../../metrics'],
    ['single dot', '/api/v1/./resources'],
    ['empty segment', '/api/v1//resources'],
    ['encoded dots', '/api/v1/%2e%2e/metrics'],
    ['encoded dots, upper case', '/api/v1/%2E%2E/metrics'],
    ['encoded slash', '/api/v1/resources%2F..%2F..%2Fmetrics'],
    ['double encoding', '/api/v1/%252e%252e/metrics'],
    ['encoded backslash', '/api/v1/..%5cmetrics'],
    ['backslash', '/api/v1/..\\metrics'],
    ['backslash as slash', '/api/v1\\..\\metrics'],
    ['tab', '/api/v1/resources\t'],
    ['newline (header injection)', '/api/v1/resources\r\nHost: evil'],
    ['space', '/api/v1/resources /x'],
    ['null byte', '/api/v1/resources\u0000'],
    ['fragment', '/api/v1/resources#x'],
    ['batch recursion', '/api/v1/batch'],
    ['batch recursion, other case', '/api/v1/BATCH'],
    ['batch recursion, trailing slash', '/api/v1/batch/'],
    ['batch recursion with a query', '/api/v1/batch?x=1'],
    ['empty', ''],
    ['too long', `/api/v1/${'a'.repeat(3000)}`],
    ['unicode dot look-alike normalised by URL parsers', '/api/v1/\u3002\u3002/metrics'],
  ])('refuses %s', (_name, path) => {
    expect(refuseSubRequestPath(path)).toEqual(expect.any(String))
  })
})
