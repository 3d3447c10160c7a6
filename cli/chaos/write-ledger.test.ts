// The write check against real parts: writes made through a real API instance (Postgres and Redis
// behind it), read back through that API and looked up in Postgres directly.
import pg from 'pg'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {ApiInstance} from '../../system/api/server.js'
import {call, startTestApi, USER_VIA_GATEWAY} from '../../test/support/api-harness.js'
import {startTestPostgres, startTestRedis, type TestPostgres, type TestRedis} from '../../test/support/datastores.js'
import type {CapturedResponse, RequestSpec} from '../load/types.js'
import {WriteLedger} from './write-ledger.js'

let redis: TestRedis
let postgres: TestPostgres
let api: ApiInstance

beforeAll(async () => {
  ;[redis, postgres] = await Promise.all([startTestRedis(), startTestPostgres({seedResources: 5})])
  api = await startTestApi({redis, postgres}, {INSTANCE_ID: 'api-writes'})
})

afterAll(async () => {
  await api?.close()
  await Promise.all([redis?.stop(), postgres?.stop()])
})

const writeRequest: RequestSpec = {method: 'POST', path: '/api/v1/resources', tag: 'create-resource', captureBody: true}

async function createThroughApi(name: string): Promise<CapturedResponse> {
  const response = await fetch(`${api.url}/api/v1/resources`, {method: 'POST', headers: {...USER_VIA_GATEWAY, 'content-type': 'application/json'}, body: JSON.stringify({name})})
  return {request: writeRequest, status: response.status, body: await response.text(), outcome: 'response', latencyMs: 5}
}

describe('WriteLedger', () => {
  it('counts only acknowledged writes of the write templates, and finds what went missing afterwards', async () => {
    const ledger = new WriteLedger(new Set(['create-resource']))
    const written = await Promise.all(Array.from({length: 12}, (_, i) => createThroughApi(`ledger-${i}`)))
    for (const response of written) ledger.observe(response)
    // Not writes, or not acknowledged: a read, a refused write, one that never got an answer.
    ledger.observe({request: {method: 'GET', path: '/api/v1/resources/1', tag: 'read-resource'}, status: 200, body: '{"data":{"id":1,"name":"x"}}', outcome: 'response', latencyMs: 1})
    ledger.observe({request: writeRequest, status: 503, body: '{"error":{}}', outcome: 'response', latencyMs: 1})
    ledger.observe({request: writeRequest, status: 0, body: '', outcome: 'socket-error', latencyMs: 1})
    ledger.observe({request: writeRequest, status: 0, body: '', outcome: 'unfinished', latencyMs: 1})
    expect(ledger.acknowledged).toBe(12)

    const ids = written.map((w) => (JSON.parse(w.body) as {data: {id: number}}).data.id)
    const verify = () =>
      ledger.verify({
        apiUrl: api.url,
        headers: USER_VIA_GATEWAY,
        postgres: {connectionString: postgres.url},
      })
    expect(await verify()).toEqual({acknowledged: 12, checked: 12, lost: 0, lostIds: [], refused: 2, notes: []})

    // Behind the API's back: one acknowledged write disappears, another is overwritten.
    const client = new pg.Client({connectionString: postgres.url})
    await client.connect()
    await client.query('DELETE FROM resources WHERE id = $1', [ids[3]])
    await client.query("UPDATE resources SET name = 'someone else' WHERE id = $1", [ids[7]])
    await client.end()
    const after = await verify()
    expect(after).toMatchObject({acknowledged: 12, checked: 12, lost: 2, lostIds: [String(ids[3]), String(ids[7])].sort((a, b) => Number(a) - Number(b))})
  })

  it('when Postgres cannot be read, the writes are unchecked and it says why', async () => {
    const ledger = new WriteLedger(new Set(['create-resource']))
    ledger.observe(await createThroughApi('unchecked'))
    const result = await ledger.verify({apiUrl: api.url, headers: USER_VIA_GATEWAY, postgres: {host: '127.0.0.1', port: postgres.port, user: 'nobody-here', database: 'nowhere'}})
    expect(result).toMatchObject({acknowledged: 1, checked: 0, lost: 0})
    expect(result.notes[0]).toMatch(/^Postgres could not be read directly \(.+\): the writes are unchecked$/)
  })

  it('reads back through the API: a write the API does not know is lost', async () => {
    const ledger = new WriteLedger(new Set(['create-resource']))
    ledger.observe(await createThroughApi('api-side'))
    const id = ledger['writes'].keys().next().value as number
    const result = await ledger.verify({apiUrl: `${api.url}/not-the-api`, headers: USER_VIA_GATEWAY, postgres: {connectionString: postgres.url}, attempts: 1})
    expect(result).toMatchObject({checked: 1, lost: 1, lostIds: [String(id)]})
  })
})
