// `report show`: a finished run's report again, as Markdown (default), HTML or JSON. A directory
// of repeats shows how the runs went side by side.
import {writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {UserError} from '../errors.js'
import {renderMarkdown} from './markdown.js'
import {REPORT_OUTPUT_FILES} from './outputs.js'
import {renderRunSetMarkdown} from './repeats.js'
import {loadRunSet} from './run-set.js'

export type ShowFormat = 'md' | 'html' | 'json'

export interface ShowOptions {
  format: ShowFormat
  /** HTML only: where to write it ('-' = stdout); default beside each report.json. */
  output?: string
}

/** Returns what to print: Markdown, JSON, the HTML itself (output '-') or the paths of the HTML files written. */
export async function showReport(path: string, options: ShowOptions): Promise<string> {
  const set = await loadRunSet(path)
  const single = set.runs.length === 1 ? set.runs[0] : null
  if (options.output && options.format !== 'html') throw new UserError('--output applies only to --format html.', {hint: 'Redirect stdout to save Markdown or JSON.'})
  switch (options.format) {
    case 'md':
      return single ? renderMarkdown(single.report) : renderRunSetMarkdown(set)
    case 'json':
      return JSON.stringify(single ? single.report : set.runs.map((run) => run.report), null, 2)
    case 'html': {
      // Loaded on use: vega is heavy, and oclif imports every command module at start.
      const {renderHtml} = await import('./html.js')
      if (options.output === '-') {
        if (!single) throw new UserError(`${path} holds ${set.runs.length} runs; --output - prints the HTML of one run.`, {hint: 'Pass one run directory, or leave out --output to write report.html beside each run.'})
        return renderHtml(single.report)
      }
      if (options.output && !single) throw new UserError(`${path} holds ${set.runs.length} runs; --output names one file.`, {hint: 'Leave out --output to write report.html beside each run.'})
      const written: string[] = []
      for (const run of set.runs) {
        const target = options.output ?? join(dirname(run.path), REPORT_OUTPUT_FILES.html)
        await writeFile(target, await renderHtml(run.report), 'utf8')
        written.push(target)
      }
      return written.join('\n')
    }
  }
}
