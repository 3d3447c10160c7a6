// The one place a run's report reaches the disk: validated against the schema first (a report
// that does not match it is a bug, never written), then report.json, then what people and CI read
// beside it (report.md, report.html, junit.xml).
import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {writeReportOutputs} from './outputs.js'
import {Report} from './schema.js'

export const REPORT_FILE = 'report.json'

/** Writes the run directory; returns the paths written, report.json first. */
export async function writeRunReport(report: Report, dir: string): Promise<string[]> {
  const parsed = Report.safeParse(report)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new Error(`the report does not match its schema at ${issue.path.join('.') || '(root)'}: ${issue.message}`)
  }
  await mkdir(dir, {recursive: true})
  const reportPath = join(dir, REPORT_FILE)
  await writeFile(reportPath, `${JSON.stringify(parsed.data, null, 2)}\n`, 'utf8')
  return [reportPath, ...(await writeReportOutputs(parsed.data, dir))]
}
