import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {packageRoot} from '../runtime/package-root.js'
import {EXPERIMENT_SCHEMA_FILE, experimentJsonSchemaText} from './write-json-schema.js'

describe('scenarios/chaos/experiment.schema.json', () => {
  it('is what the zod schema generates (regenerate: npm run build && node dist/cli/chaos/write-json-schema.js)', () => {
    const committed = readFileSync(join(packageRoot(), EXPERIMENT_SCHEMA_FILE), 'utf8')
    expect(committed).toBe(experimentJsonSchemaText())
  })

  it('describes the fields an editor needs, fault kinds included', () => {
    const schema = JSON.parse(experimentJsonSchemaText()) as {required: string[]; properties: Record<string, {items?: {properties?: Record<string, unknown>}}>}
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'description', 'duration', 'load', 'steadyState', 'method']))
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['load', 'steadyState', 'method', 'expectations', 'abort']))
    expect(Object.keys(schema.properties.method.items!.properties!)).toEqual(expect.arrayContaining(['at', 'for', 'kill', 'stop', 'pause', 'toxic', 'cut', 'http', 'detect']))
  })
})
