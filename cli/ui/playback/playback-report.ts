// The report a playback "run" hands to finish(). Playback measures nothing, so this is a stand-in
// built from the last snapshot shown and labelled as playback in its scenario description; it only
// exercises the reporter's summary and is never written to disk.
import os from 'node:os'
import {REPORT_SCHEMA_VERSION, type Report} from '../../report/schema.js'
import {emptySystemTotals} from '../../report/build.js'
import type {LiveSnapshot} from '../live.js'

export function playbackReport(last: LiveSnapshot, options: {interrupted: boolean; startedAt: Date; finishedAt: Date}): Report {
  const o = last.outcomes
  const errors = o.serverErrors + o.socketErrors + o.timeouts
  const rate = (n: number) => (o.total === 0 ? 0 : n / o.total)
  const lat = last.latency.run
  const latencyMs =
    lat.p50 === null || lat.p95 === null || lat.p99 === null
      ? null
      : {p50: lat.p50, p90: lat.p95, p95: lat.p95, p99: lat.p99, p999: lat.p99, max: Math.max(lat.p99, ...last.history.p99.filter((v): v is number => v !== null)), mean: lat.p50}
  const failures = [
    ...(last.checks ?? []).filter((c) => c.passed === false).map((c) => `${c.name}: ${c.detail}`),
    ...(last.limits.p99Ms !== undefined && lat.p99 !== null && lat.p99 > last.limits.p99Ms ? [`p99 < ${last.limits.p99Ms}ms: ${lat.p99} ms`] : []),
  ]
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    kind: last.kind,
    id: last.reportDir.split('/').pop() ?? 'playback',
    startedAt: options.startedAt.toISOString(),
    finishedAt: options.finishedAt.toISOString(),
    interrupted: options.interrupted,
    command: ['playback'],
    scenario: {name: last.name, description: 'playback of recorded snapshots (nothing measured)', file: 'cli/ui/fixtures', resolved: null},
    target: {url: 'playback://recorded', lab: false},
    environment: {
      runtime: last.runtime === 'docker' || last.runtime === 'external' ? last.runtime : 'local',
      apiInstances: last.fleet.length || null,
      cores: os.cpus().length || 1,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.max(0.1, Math.round((os.totalmem() / 2 ** 30) * 10) / 10),
      node: process.version,
      platform: process.platform,
      gitCommit: null,
      scalelabVersion: '0.0.0-playback',
    },
    phases: [],
    summary: {
      durationS: last.elapsedS,
      latencyMs,
      requests: {total: o.total, ok: o.ok, errors, rateLimited: o.rateLimited, clientErrors: o.clientErrors},
      achievedRate: last.elapsedS > 0 ? o.total / last.elapsedS : 0,
      errorRate: rate(errors),
      rateLimitedRate: rate(o.rateLimited),
      cacheHitRate: last.cache?.hitRate ?? null,
      breakerTrips: last.cache === null ? null : last.breakers.reduce((sum, b) => sum + b.trips, 0),
      generatorBehind: o.behind,
      generatorSaturated: last.generatorSaturated,
    },
    series: [],
    system: {
      available: last.cache !== null,
      reason: last.cache === null ? 'metrics unavailable in the recording' : undefined,
      sources: {},
      totals: {
        ...emptySystemTotals(),
        cacheHitRate: last.cache?.hitRate ?? null,
        cacheHitRateByLayer: {l1: last.cache?.l1 ?? null, l2: last.cache?.l2 ?? null},
        breakerTrips: last.breakers.reduce((sum, b) => sum + b.trips, 0),
        rateLimit: {allowed: 0, limited: o.rateLimited, failOpen: 0},
        ejections: last.fleet.filter((i) => i.ejected).length,
      },
      series: [],
    },
    thresholds: [],
    verdict: {passed: failures.length === 0, failures},
  }
}
