// Plain-text rendering of what the runtime reports (progress lines, endpoints, the status table,
// doctor's checks). Plain lines read the same in a terminal, a CI log and a pipe.
import type {DoctorReport} from './doctor.js'
import type {DownResult, Endpoint, LabStatus, ProgressEvent, ServiceStatus, UpResult} from './types.js'

export const OK = '✔'
const instances = (n: number | undefined) => `${n} API instance${n === 1 ? '' : 's'}`
export const FAIL = '✖'

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.floor(seconds)}s`
  const m = Math.floor(seconds / 60)
  if (m < 60) return `${m}m ${Math.floor(seconds % 60)}s`
  const h = Math.floor(m / 60)
  return h < 24 ? `${h}h ${m % 60}m` : `${Math.floor(h / 24)}d ${h % 24}h`
}

/** One line per event that matters to a person watching `up`/`down`; undefined for the rest. */
export function formatProgress(event: ProgressEvent): string | undefined {
  switch (event.type) {
    case 'ready': {
      const note = event.health === 'degraded' ? '  degraded' : ''
      return `${OK} ${event.name.padEnd(11)} ${event.address.padEnd(16)} (${event.seconds.toFixed(1)}s)${note}`
    }
    case 'failed':
      return `${FAIL} ${event.name.padEnd(11)} ${event.message.split('\n')[0]}`
    case 'links':
      return event.links.map((l) => `  ↳ fault link ${l.name.padEnd(8)} ${l.listen} → ${l.upstream}`).join('\n')
    case 'membership':
      return `  ↳ balancer now routes to ${event.backends.join(', ')}`
    case 'cleaned':
      return `Cleaned up: ${event.detail}.`
    case 'image':
      return `  ⋯ ${event.message}`
    case 'stopped':
      return `■ stopped ${event.name.padEnd(11)} pid ${event.pid}${event.forced ? ' (needed SIGKILL)' : ''}`
    default:
      return undefined
  }
}

export function formatEndpoints(endpoints: readonly Endpoint[]): string {
  const width = Math.max(...endpoints.map((e) => e.name.length))
  return endpoints.map((e) => `  ${e.name.padEnd(width)}  ${e.url}${e.note ? `  (${e.note})` : ''}`).join('\n')
}

export function formatUpResult(result: UpResult): string {
  const gateway = result.endpoints.find((e) => e.name === 'gateway')
  const lines: string[] = []
  if (result.action === 'already-up') {
    lines.push(`The lab is already up (${instances(result.options.apiReplicas)}, port base ${result.options.portBase}); nothing changed.`)
    if (result.ignored?.length) lines.push(`Not applied to the running lab: ${result.ignored.join('; ')}. Run \`scalelab down\` first to change them.`)
  } else if (result.action === 'scaled') {
    const {added = [], removed = []} = result.scaled ?? {}
    lines.push(`Scaled the fleet to ${instances(result.options.apiReplicas)}${added.length ? ` (started ${added.join(', ')})` : ''}${removed.length ? ` (stopped ${removed.join(', ')})` : ''} in ${result.seconds.toFixed(1)}s.`)
    if (result.ignored?.length) lines.push(`Not applied to the running lab: ${result.ignored.join('; ')}. Run \`scalelab down\` first to change them.`)
  } else {
    lines.push('', `The lab is up in ${result.seconds.toFixed(1)}s.${gateway ? ` Send traffic to the gateway: ${gateway.url}` : ''}`)
  }
  lines.push('', 'Endpoints:', formatEndpoints(result.endpoints))
  if (result.action === 'started') {
    lines.push(
      '',
      'Next steps:',
      '  scalelab status               health of every service',
      `  curl ${gateway?.url ?? 'http://127.0.0.1:7400'}/ready`,
      '  scalelab logs gateway -f      follow a service log',
      '  scalelab up --api 5           resize the API fleet',
      '  scalelab down                 stop everything (--purge also removes data and logs)',
    )
  }
  return lines.join('\n')
}

function healthCell(s: ServiceStatus): string {
  if (s.kind === 'job') return s.healthy ? `${OK} done` : `${FAIL} ${s.state}`
  if (s.healthy) return `${OK} healthy`
  return `${FAIL} ${s.state === 'running' || s.state === 'starting' ? s.health : s.state}`
}

export function formatStatus(status: LabStatus): string {
  if (!status.running) return status.note ?? 'The lab is not running.'
  const header = [
    `Lab ${status.phase === 'starting' ? 'starting' : 'up'} ${formatDuration(status.uptimeSeconds ?? 0)}`,
    `${status.runtime} runtime`,
    instances(status.options?.apiReplicas),
    `fault proxy ${status.options?.faultProxy ? 'on' : 'off'}`,
    `state ${status.stateDir}`,
  ].join(' · ')
  const rows = status.services.map((s) => [
    s.name,
    s.state,
    healthCell(s),
    s.pid === null ? '-' : String(s.pid),
    s.url ?? s.address ?? '-',
    s.uptimeSeconds === null ? '-' : formatDuration(s.uptimeSeconds),
    s.detail ?? '',
  ])
  const table = [['SERVICE', 'STATE', 'HEALTH', 'PID', 'ADDRESS', 'UPTIME', 'DETAIL'], ...rows]
  const widths = table[0].map((_, col) => Math.max(...table.map((r) => r[col].length)))
  const lines = table.map((r) => r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]))).join('  ').trimEnd())
  const bad = status.services.filter((s) => !s.healthy)
  const summary = bad.length
    ? `${bad.length} of ${status.services.length} not healthy: ${bad.map((s) => `${s.name} (${s.state === 'running' ? s.health : s.state})`).join(', ')}.`
    : `All ${status.services.length} healthy.`
  const images = status.images ? [`Images: ${[...new Set(Object.values(status.images))].join(' · ')}`] : []
  return [header, '', ...lines, '', summary, ...images, ...(status.note ? [status.note] : [])].join('\n')
}

export function formatDown(result: DownResult): string {
  const lines: string[] = []
  if (result.note) lines.push(result.note)
  if (result.stopped.length) {
    const forced = result.stopped.filter((s) => s.forced).length
    lines.push(`The lab is down: stopped ${result.stopped.length} processes${forced ? ` (${forced} needed SIGKILL)` : ''}; none is left.`)
  }
  if (result.purged.length) lines.push(`Removed ${result.purged.join(', ')}.`)
  return lines.join('\n')
}

export function formatDoctor(report: DoctorReport): string {
  const lines = report.checks.map((c) => {
    const mark = c.ok ? OK : FAIL
    const optional = !c.ok && !c.required ? ' (optional)' : ''
    return `${mark} ${c.name}${optional}: ${c.detail}${!c.ok && c.fix ? `\n    → ${c.fix}` : ''}`
  })
  lines.push('', report.ok ? 'The local runtime can run here: scalelab up' : 'The local runtime cannot run here yet: fix the ✖ lines above, then run scalelab doctor again.')
  return lines.join('\n')
}
