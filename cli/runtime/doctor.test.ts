import net from 'node:net'
import {describe, expect, it} from 'vitest'
import {freePortBase, tempStateDir} from '../../test/support/fixture-lab.js'
import {compareVersions, nodeCheck, runDoctor} from './doctor.js'

describe('doctor', () => {
  it('judges the Node.js version', () => {
    expect(nodeCheck('20.18.0').ok).toBe(true)
    expect(nodeCheck('22.1.0').ok).toBe(true)
    const old = nodeCheck('20.17.9')
    expect(old).toMatchObject({ok: false, required: true})
    expect(old.fix).toMatch(/20\.18/)
    expect(compareVersions('v20.9.0', '20.18.0')).toBeLessThan(0)
  })

  it('checks every requirement, flags a taken port with the fix, and is ok only when every required check is', async () => {
    const home = tempStateDir()
    const base = await freePortBase()
    const blocker = net.createServer()
    await new Promise<void>((r) => blocker.listen(base, '127.0.0.1', r))
    try {
      const report = await runDoctor({stateDir: home.dir, packageRoot: process.cwd()}, {portBase: base, dockerTimeoutMs: 500})
      const names = report.checks.map((c) => c.name)
      expect(names.slice(0, 5)).toEqual(['Node.js', 'Docker engine', 'redis-server', 'postgres', 'initdb'])
      expect(names).toContain('ports')
      expect(names.some((n) => n.endsWith(' build'))).toBe(true)
      const ports = report.checks.find((c) => c.name === 'ports')!
      expect(ports).toMatchObject({ok: false, required: true})
      expect(ports.detail).toContain(`${base} (gateway)`)
      expect(ports.fix).toContain(`--port-base ${base + 1000}`)
      expect(report.ok).toBe(false)
      expect(report.checks.find((c) => c.name === 'Docker engine')!.required).toBe(false)
      for (const c of report.checks.filter((x) => !x.ok)) expect(c.fix, c.name).toBeTruthy()
    } finally {
      blocker.close()
      home.remove()
    }
  })
})
