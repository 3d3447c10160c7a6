// Regenerates scenarios/chaos/experiment.schema.json from the zod schema:
//   npm run build && node dist/cli/chaos/write-json-schema.js
// (a test fails when the committed file differs from what this writes).
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {packageRoot} from '../runtime/package-root.js'
import {experimentJsonSchema} from './experiment-schema.js'

export const EXPERIMENT_SCHEMA_FILE = join('scenarios', 'chaos', 'experiment.schema.json')

export function experimentJsonSchemaText(): string {
  return `${JSON.stringify(experimentJsonSchema(), null, 2)}\n`
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  const path = join(packageRoot(), EXPERIMENT_SCHEMA_FILE)
  writeFileSync(path, experimentJsonSchemaText())
  console.log(`wrote ${path}`)
}
