// The one call a finished run makes to write what people and CI read beside its report.json.
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {renderJunit} from './junit.js'
import {renderMarkdown} from './markdown.js'
import type {Report} from './schema.js'

export const REPORT_OUTPUT_FILES = {markdown: 'report.md', html: 'report.html', junit: 'junit.xml'} as const

/** Writes report.md, report.html and junit.xml into `dir` (beside report.json); returns their paths. */
export async function writeReportOutputs(report: Report, dir: string): Promise<string[]> {
  // Loaded on use: vega is heavy, and oclif imports every command module (and so this one) at start.
  const {renderHtml} = await import('./html.js')
  const outputs: Array<[string, string]> = [
    [join(dir, REPORT_OUTPUT_FILES.markdown), renderMarkdown(report)],
    [join(dir, REPORT_OUTPUT_FILES.html), await renderHtml(report)],
    [join(dir, REPORT_OUTPUT_FILES.junit), renderJunit(report)],
  ]
  for (const [path, content] of outputs) await writeFile(path, content, 'utf8')
  return outputs.map(([path]) => path)
}
