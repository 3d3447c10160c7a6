// What `scalelab scenarios` shows: every scenario file it can find, read and checked.
import {isUserError} from '../errors.js'
import {formatDuration, parseDuration} from './duration.js'
import {listScenarioFiles, loadScenarioFile, type ScenarioLocations} from './load-scenario.js'

export interface ScenarioListing {
  name: string
  file: string
  description: string | null
  phases: Array<{name: string; duration: string; load: string}>
  totalS: number | null
  /** Set when the file does not validate: what is wrong. */
  error?: string
}

export async function listScenarios(locations: ScenarioLocations = {}): Promise<ScenarioListing[]> {
  const listings: ScenarioListing[] = []
  for (const path of listScenarioFiles(locations)) {
    try {
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
      listings.push({name: scenario.name, file, description: scenario.description, phases, totalS: totalMs / 1000})
    } catch (error) {
      if (!isUserError(error)) throw error
      const name = path.split(/[\\/]/).pop()!.replace(/\.ya?ml$/i, '')
      listings.push({name, file: path, description: null, phases: [], totalS: null, error: error.message})
    }
  }
  return listings
}

export function formatScenarioList(listings: readonly ScenarioListing[]): string {
  if (listings.length === 0) return 'No scenarios found (looked in ./scenarios and the package’s scenarios/).'
  const width = Math.max(...listings.map((l) => l.name.length))
  const lines: string[] = []
  for (const l of listings) {
    if (l.error) {
      lines.push(`${l.name.padEnd(width)}  INVALID: ${l.error.split('\n')[0]}`)
      continue
    }
    lines.push(`${l.name.padEnd(width)}  ${formatDuration((l.totalS ?? 0) * 1000).padStart(6)}  ${l.description}`)
    lines.push(`${''.padEnd(width)}          ${l.phases.map((p) => `${p.name} ${p.duration} @ ${p.load}`).join(' → ')}`)
  }
  return lines.join('\n')
}
