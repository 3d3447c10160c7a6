// What `scalelab chaos --list` shows: every experiment file it can find, read and checked.
import {isUserError} from '../errors.js'
import {stepName} from './experiment-schema.js'
import {listExperimentFiles, loadExperimentFile, type ExperimentLocations} from './load-experiment.js'

export interface ExperimentListing {
  name: string
  file: string
  description: string | null
  duration: string | null
  load: string | null
  steps: Array<{name: string; at: string; for: string}>
  /** Set when the file does not validate: what is wrong. */
  error?: string
}

export async function listExperiments(locations: ExperimentLocations = {}): Promise<ExperimentListing[]> {
  const listings: ExperimentListing[] = []
  for (const path of listExperimentFiles(locations)) {
    try {
      const {file, experiment, loadScenarioFile} = await loadExperimentFile(path, locations)
      listings.push({
        name: experiment.name,
        file,
        description: experiment.description,
        duration: experiment.duration,
        load: `${experiment.load.rate} req/s of ${loadScenarioFile ?? 'its own requests'}${loadScenarioFile && experiment.load.requests?.length ? ' + its own' : ''}`,
        steps: experiment.method.map((step) => ({name: step.name ?? stepName(step), at: step.at, for: step.for})),
      })
    } catch (error) {
      if (!isUserError(error)) throw error
      const name = path.split(/[\\/]/).pop()!.replace(/\.ya?ml$/i, '')
      listings.push({name, file: path, description: null, duration: null, load: null, steps: [], error: error.message})
    }
  }
  return listings
}

export function formatExperimentList(listings: readonly ExperimentListing[]): string {
  if (listings.length === 0) return 'No chaos experiments found (looked in ./scenarios/chaos and the package’s scenarios/chaos/).'
  const width = Math.max(...listings.map((l) => l.name.length))
  const lines: string[] = []
  for (const l of listings) {
    if (l.error) {
      lines.push(`${l.name.padEnd(width)}  INVALID: ${l.error.split('\n')[0]}`)
      continue
    }
    lines.push(`${l.name.padEnd(width)}  ${(l.duration ?? '').padStart(5)}  ${l.description}`)
    lines.push(`${''.padEnd(width)}         ${l.steps.map((s) => `${s.name} at ${s.at} for ${s.for}`).join(', ')} · load ${l.load}`)
  }
  return lines.join('\n')
}
