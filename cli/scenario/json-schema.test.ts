import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {packageRoot} from '../runtime/package-root.js'
import {SCENARIO_SCHEMA_FILE, scenarioJsonSchemaText} from './write-json-schema.js'

describe('scenarios/scenario.schema.json', () => {
  it('is what the zod schema generates (regenerate: npm run build && node dist/cli/scenario/write-json-schema.js)', () => {
    const committed = readFileSync(join(packageRoot(), SCENARIO_SCHEMA_FILE), 'utf8')
    expect(committed).toBe(scenarioJsonSchemaText())
  })

  it('describes the fields an editor needs', () => {
    const schema = JSON.parse(scenarioJsonSchemaText()) as {required: string[]; properties: Record<string, unknown>}
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'description', 'requests', 'phases']))
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['target', 'identities', 'requests', 'phases', 'thresholds', 'setup', 'compare']))
  })
})
