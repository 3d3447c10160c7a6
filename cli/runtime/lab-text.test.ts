import {describe, expect, it} from 'vitest'
import {formatDoctor, formatDuration, formatProgress, formatStatus} from './lab-text.js'
import type {LabStatus, ServiceStatus} from './types.js'

const service = (over: Partial<ServiceStatus>): ServiceStatus => ({
  name: 'redis',
  service: 'redis',
  kind: 'service',
  url: null,
  address: '127.0.0.1:7410',
  port: 7410,
  pid: 42,
  state: 'running',
  health: 'healthy',
  healthy: true,
  uptimeSeconds: 75,
  ...over,
})

describe('lab text', () => {
  it('formats durations compactly', () => {
    expect(formatDuration(4.6)).toBe('4s')
    expect(formatDuration(75)).toBe('1m 15s')
    expect(formatDuration(3 * 3600 + 120)).toBe('3h 2m')
    expect(formatDuration(50 * 3600)).toBe('2d 2h')
  })

  it('prints one progress line per ready or failed service', () => {
    expect(formatProgress({type: 'ready', name: 'redis', address: '127.0.0.1:7410', seconds: 0.31, health: 'healthy'})).toBe('✔ redis       127.0.0.1:7410   (0.3s)')
    expect(formatProgress({type: 'failed', name: 'api-2', message: 'api-2 exited with code 1.\nmore'})).toBe('✖ api-2       api-2 exited with code 1.')
    expect(formatProgress({type: 'starting', name: 'redis'})).toBeUndefined()
  })

  it('renders the status table with a summary naming what is not healthy', () => {
    const status: LabStatus = {
      running: true,
      runtime: 'local',
      stateDir: '/lab',
      phase: 'up',
      options: {runtime: 'local', apiReplicas: 1, portBase: 7400, faultProxy: true},
      uptimeSeconds: 80,
      healthy: false,
      services: [
        service({}),
        service({name: 'api-1', service: 'api', url: 'http://127.0.0.1:7501', pid: null, state: 'stopped', health: 'unhealthy', healthy: false, uptimeSeconds: null, detail: 'killed (SIGKILL)'}),
      ],
    }
    const text = formatStatus(status)
    expect(text).toContain('Lab up 1m 20s · local runtime · 1 API instance · fault proxy on · state /lab')
    expect(text).toMatch(/redis\s+running\s+✔ healthy\s+42\s+127\.0\.0\.1:7410\s+1m 15s/)
    expect(text).toMatch(/api-1\s+stopped\s+✖ stopped\s+-\s+http:\/\/127\.0\.0\.1:7501\s+-\s+killed \(SIGKILL\)/)
    expect(text).toContain('1 of 2 not healthy: api-1 (stopped).')
    expect(formatStatus({running: false, runtime: 'local', stateDir: '/lab', healthy: false, services: [], note: 'The lab is not running.'})).toBe('The lab is not running.')
  })

  it('shows each doctor check with its fix, and the verdict', () => {
    const text = formatDoctor({
      ok: false,
      checks: [
        {name: 'Node.js', ok: true, required: true, detail: 'Node.js 20.20.2'},
        {name: 'redis-server', ok: false, required: true, detail: 'redis-server not found', fix: 'Install Redis.'},
        {name: 'Docker engine', ok: false, required: false, detail: 'no engine', fix: 'Nothing to do.'},
      ],
    })
    expect(text.split('\n')).toEqual([
      '✔ Node.js: Node.js 20.20.2',
      '✖ redis-server: redis-server not found',
      '    → Install Redis.',
      '✖ Docker engine (optional): no engine',
      '    → Nothing to do.',
      '',
      'The local runtime cannot run here yet: fix the ✖ lines above, then run scalelab doctor again.',
    ])
  })
})
