import net from 'node:net'
import {describe, expect, it} from 'vitest'
import {resolveTopology} from '../../contracts/topology.js'
import {UserError} from '../errors.js'
import {assertPortsFree, portClaims, portsInUseError, takenPorts, validatePortBase} from './port-preflight.js'
import {freePortBase} from '../../test/support/fixture-lab.js'

describe('port preflight', () => {
  it('claims every host port of the topology, fault links included, each with its owner', () => {
    const topology = resolveTopology({runtime: 'local', apiReplicas: 2, portBase: 7400, gatewaySecret: 's', faultProxy: true})
    expect(portClaims(topology)).toEqual([
      {port: 7400, owner: 'gateway'},
      {port: 7401, owner: 'balancer'},
      {port: 7402, owner: 'faultproxy'},
      {port: 7410, owner: 'redis'},
      {port: 7411, owner: "the fault proxy's redis link"},
      {port: 7420, owner: 'postgres'},
      {port: 7421, owner: "the fault proxy's postgres link"},
      {port: 7501, owner: 'api-1'},
      {port: 7502, owner: 'api-2'},
    ])
  })

  it('finds a taken port and names it, its owner and the flag to move the lab', async () => {
    const base = await freePortBase()
    const claims = portClaims(resolveTopology({runtime: 'local', apiReplicas: 2, portBase: base, gatewaySecret: 's', faultProxy: true}))
    const blocker = net.createServer()
    await new Promise<void>((r) => blocker.listen(base + 102, '127.0.0.1', r))
    try {
      expect(await takenPorts(claims)).toEqual([{port: base + 102, owner: 'api-2'}])
      const err = await assertPortsFree(claims, base).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(UserError)
      expect((err as UserError).message).toBe(`Port ${base + 102} is already in use, and api-2 needs it.`)
      expect((err as UserError).hint).toContain(`--port-base ${base + 1000}`)
    } finally {
      blocker.close()
    }
  })

  it('lists several taken ports in one sentence', () => {
    const err = portsInUseError([{port: 7400, owner: 'gateway'}, {port: 7410, owner: 'redis'}], 7400)
    expect(err.message).toBe('Ports 7400 (gateway), 7410 (redis) are already in use, and the lab needs them.')
  })

  it('rejects a base whose range does not fit', () => {
    expect(() => validatePortBase(7400)).not.toThrow()
    expect(() => validatePortBase(80)).toThrow(/out of range/)
    expect(() => validatePortBase(65500)).toThrow(UserError)
  })
})
