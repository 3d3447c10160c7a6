// What `scalelab scenarios` shows: every scenario file it can find, read and checked.
import {formatDuration, parseDuration} from './duration.js'
import {listScenarioFiles, loadScenarioFile, type ScenarioLocations} from './load-scenario.js'
import {formatListings, readListings, type FileListing} from './named-files.js'

export interface ScenarioListing extends FileListing {
  description: string | null
  phases: Array<{name: string; duration: string; load: string}>
  totalS: number | null
}

export async function listScenarios(locations: ScenarioLocations = {}): Promise<ScenarioListing[]> {
  return readListings<ScenarioListing>(
    listScenarioFiles(locations),
    async (path) => {
      const {file, scenario} = await loadScenarioFile(path, locations.cwd)
      const phases = scenario.phases.map((p) => ({
        name: p.name,
        duration: p.duration,
        load:
          p.connections !== undefined
            ? `${p.connections} connections`
            : typeof p.rate === 'number'
              ? `${p.rate} req/s`
              : `${p.rate!.from}→${p.rate!.to} req/s`,
      }))
      const totalMs = scenario.phases.reduce((sum, p) => sum + (parseDuration(p.duration) ?? 0), 0)
      return {name: scenario.name, file, description: scenario.description, phases, totalS: totalMs / 1000}
    },
    {description: null, phases: [], totalS: null},
  )
}

export function formatScenarioList(listings: readonly ScenarioListing[]): string {
  return formatListings(listings, 'No scenarios found (looked in ./scenarios and the package’s scenarios/).', (l, width) => [
    `${l.name.padEnd(width)}  ${formatDuration((l.totalS ?? 0) * 1000).padStart(6)}  ${l.description}`,
    `${''.padEnd(width)}          ${l.phases.map((p) => `${p.name} ${p.duration} @ ${p.load}`).join(' → ')}`,
  ])
}
