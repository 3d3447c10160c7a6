// Regenerates scenarios/scenario.schema.json from the zod schema:
//   npm run build && node dist/cli/scenario/write-json-schema.js
// (a test fails when the committed file differs from what this writes).
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {packageRoot} from '../runtime/package-root.js'
import {scenarioJsonSchema} from './scenario-schema.js'

export const SCENARIO_SCHEMA_FILE = join('scenarios', 'scenario.schema.json')

export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  const path = join(packageRoot(), SCENARIO_SCHEMA_FILE)
  writeFileSync(path, scenarioJsonSchemaText())
  console.log(`wrote ${path}`)
}
