// What `scalelab chaos --list` shows: every experiment file it can find, read and checked.
import {stepName} from './experiment-schema.js'
import {formatListings, readListings, type FileListing} from '../scenario/named-files.js'
import {listExperimentFiles, loadExperimentFile, type ExperimentLocations} from './load-experiment.js'

export interface ExperimentListing extends FileListing {
  description: string | null
  duration: string | null
  load: string | null
  steps: Array<{name: string; at: string; for: string}>
}

export async function listExperiments(locations: ExperimentLocations = {}): Promise<ExperimentListing[]> {
  return readListings<ExperimentListing>(
    listExperimentFiles(locations),
    async (path) => {
      const {file, experiment, loadScenarioFile} = await loadExperimentFile(path, locations)
      return {
        name: experiment.name,
        file,
        description: experiment.description,
        duration: experiment.duration,
        load: `${experiment.load.rate} req/s of ${loadScenarioFile ?? 'its own requests'}${loadScenarioFile && experiment.load.requests?.length ? ' + its own' : ''}`,
        steps: experiment.method.map((step) => ({name: step.name ?? stepName(step), at: step.at, for: step.for})),
      }
    },
    {description: null, duration: null, load: null, steps: []},
  )
}

export function formatExperimentList(listings: readonly ExperimentListing[]): string {
  return formatListings(listings, 'No chaos experiments found (looked in ./scenarios/chaos and the package’s scenarios/chaos/).', (l, width) => [
    `${l.name.padEnd(width)}  ${(l.duration ?? '').padStart(5)}  ${l.description}`,
    `${''.padEnd(width)}         ${l.steps.map((s) => `${s.name} at ${s.at} for ${s.for}`).join(', ')} · load ${l.load}`,
  ])
}
