// The charts of report.html: Vega-Lite specs built from the report's series, compiled and
// rendered to SVG strings in Node at write time (vega's headless View, no canvas, no browser), so
// the HTML file carries finished pictures and needs no script or network to show them.
import {parse, View} from 'vega'
import {compile, type TopLevelSpec} from 'vega-lite'
import type {ChartId} from './report-view.js'
import type {Report} from './schema.js'

export interface Chart {
  id: ChartId
  title: string
  /** One sentence on how to read it. */
  caption: string
  /** null when the run has no data for it; `note` says why. */
  spec: TopLevelSpec | null
  note?: string
}

export interface RenderedChart extends Omit<Chart, 'spec'> {
  svg: string | null
}

const WIDTH = 720
const OUTCOME_COLORS: Record<string, string> = {
  ok: '#4c9a5b',
  '429 rate limited': '#e2a93b',
  'other 4xx': '#9b8bc4',
  '5xx': '#d1495b',
  'socket errors': '#8c2d3a',
  timeouts: '#5b1f28',
}
const BREAKER_COLORS = {closed: '#8cc79a', 'half-open': '#f0b64a', open: '#d1495b'}

interface Band {
  label: string
  start: number
  end: number
}

/** Phases for a bench, stages for a chaos run (a chaos run usually has one long load phase). */
function backgroundBands(report: Report): Band[] {
  if (report.chaos && report.chaos.stages.length) return report.chaos.stages.map((s) => ({label: s.name, start: s.startOffsetS, end: s.endOffsetS}))
  return report.phases.map((p) => ({label: p.name, start: p.startOffsetS, end: p.startOffsetS + p.durationS}))
}

function faultWindows(report: Report): Band[] {
  return (report.chaos?.faults ?? []).map((f) => ({
    label: `${f.step} (${f.target})`,
    start: f.injectedAtS,
    end: f.rolledBackAtS ?? report.summary.durationS,
  }))
}

function timeAxis(report: Report) {
  const end = Math.max(report.summary.durationS, ...report.series.map((s) => s.t + 1), 1)
  return {field: 't', type: 'quantitative' as const, title: 'seconds since start', scale: {domain: [0, end], nice: false}}
}

/** Shaded phases (or stages) and red fault windows, layered behind a time-series chart. */
function backdropLayers(report: Report): unknown[] {
  const bands = backgroundBands(report)
  const faults = faultWindows(report)
  const x = {field: 'start', type: 'quantitative'}
  const layers: unknown[] = [
    {
      data: {values: bands},
      mark: {type: 'rect', opacity: 0.35},
      encoding: {
        x,
        x2: {field: 'end'},
        color: {field: 'label', type: 'nominal', title: report.chaos ? 'stage' : 'phase', sort: null, scale: {scheme: 'pastel2'}, legend: {orient: 'top', direction: 'horizontal'}},
      },
    },
  ]
  if (faults.length) {
    layers.push(
      {
        data: {values: faults},
        mark: {type: 'rect', color: '#d1495b', opacity: 0.16, stroke: '#d1495b', strokeDash: [4, 3]},
        encoding: {x, x2: {field: 'end'}},
      },
      {
        data: {values: faults},
        mark: {type: 'text', align: 'left', baseline: 'top', dx: 4, dy: 4, color: '#a02c3c', fontWeight: 'bold'},
        encoding: {x, y: {value: 0}, text: {field: 'label'}},
      },
    )
  }
  return layers
}

function withBackdrop(report: Report, height: number, main: unknown[], title: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: WIDTH,
    height,
    title,
    layer: [...backdropLayers(report), ...main],
    resolve: {scale: {color: 'independent'}, legend: {color: 'independent'}},
  } as unknown as TopLevelSpec
}

function latencyChart(report: Report): Chart {
  const points = report.series.flatMap((s) =>
    (['p50', 'p95', 'p99'] as const).flatMap((percentile) => (s[percentile] !== null && s[percentile]! > 0 ? [{t: s.t, percentile, ms: s[percentile]}] : [])),
  )
  const base = {id: 'latency' as const, title: 'Latency percentiles per second', caption: 'p50, p95 and p99 of the responses completed in each second; phases shaded, fault windows in red.'}
  if (points.length === 0) return {...base, spec: null, note: 'No response completed during the run.'}
  const values = points.map((p) => p.ms)
  // A spike makes a linear axis useless for the calm phases: switch to log when the range is wide.
  const logScale = Math.max(...values) / Math.min(...values) > 30
  return {
    ...base,
    spec: withBackdrop(
      report,
      260,
      [
        {
          data: {values: points},
          mark: {type: 'line', strokeWidth: 1.6, interpolate: 'monotone'},
          encoding: {
            x: timeAxis(report),
            y: {field: 'ms', type: 'quantitative', title: logScale ? 'latency (ms, log scale)' : 'latency (ms)', scale: logScale ? {type: 'log'} : {zero: true}},
            color: {field: 'percentile', type: 'nominal', title: 'percentile', scale: {domain: ['p50', 'p95', 'p99'], range: ['#3b6ea8', '#e08a2c', '#b8336a']}, legend: {orient: 'right'}},
          },
        },
      ],
      'Latency (ms)',
    ),
  }
}

function throughputChart(report: Report): Chart {
  const base = {id: 'throughput' as const, title: 'Throughput and outcomes per second', caption: 'Responses per second stacked by outcome; the dashed line is the target arrival rate (open-model phases).'}
  if (report.series.length === 0) return {...base, spec: null, note: 'The run has no per-second series.'}
  const categories: Array<[string, (s: Report['series'][number]) => number]> = [
    ['ok', (s) => s.ok],
    ['429 rate limited', (s) => s.rateLimited],
    ['other 4xx', (s) => s.clientErrors],
    ['5xx', (s) => s.serverErrors],
    ['socket errors', (s) => s.socketErrors],
    ['timeouts', (s) => s.timeouts],
  ]
  // Categories that never happened only clutter the legend.
  const present = categories.filter(([name, pick]) => name === 'ok' || report.series.some((s) => pick(s) > 0))
  // Step charts draw each second from t to t+1: repeat the last second at its end so it shows.
  const last = report.series[report.series.length - 1]
  const seconds = [...report.series, {...last, t: last.t + 1}]
  const outcomes = seconds.flatMap((s) => present.map(([outcome, pick], order) => ({t: s.t, outcome, order, count: pick(s)})))
  const targets = seconds.filter((s) => s.targetRate !== null).map((s) => ({t: s.t, target: s.targetRate}))
  const layers: unknown[] = [
    {
      data: {values: outcomes},
      mark: {type: 'area', interpolate: 'step-after', opacity: 0.9},
      encoding: {
        x: timeAxis(report),
        y: {field: 'count', type: 'quantitative', stack: 'zero', title: 'responses per second'},
        color: {
          field: 'outcome',
          type: 'nominal',
          title: 'outcome',
          scale: {domain: present.map(([name]) => name), range: present.map(([name]) => OUTCOME_COLORS[name])},
          legend: {orient: 'right'},
        },
        order: {field: 'order', type: 'quantitative'},
      },
    },
  ]
  if (targets.length) {
    layers.push({
      data: {values: targets},
      mark: {type: 'line', interpolate: 'step-after', strokeDash: [6, 4], color: '#222', strokeWidth: 1.4},
      encoding: {x: timeAxis(report), y: {field: 'target', type: 'quantitative'}},
    })
  }
  return {...base, spec: withBackdrop(report, 240, layers, 'Throughput (responses/s)')}
}

function cacheChart(report: Report): Chart {
  const base = {id: 'cache' as const, title: 'Cache hit rate per second', caption: 'Share of cache lookups answered by the cache: both layers, the in-process L1 and Redis (L2).'}
  if (!report.system.available) return {...base, spec: null, note: 'System metrics were not available.'}
  const layers: Array<[string, (s: Report['system']['series'][number]) => number | null]> = [
    ['both layers', (s) => s.cacheHitRate],
    ['L1 (in-process)', (s) => s.l1HitRate],
    ['L2 (Redis)', (s) => s.l2HitRate],
  ]
  const series = report.system.series
  const seconds = series.length ? [...series, {...series[series.length - 1], t: series[series.length - 1].t + 1}] : []
  const points = seconds.flatMap((s) => layers.flatMap(([layer, pick]) => (pick(s) === null ? [] : [{t: s.t, layer, rate: pick(s)}])))
  if (points.length === 0) return {...base, spec: null, note: 'No cache lookups were recorded.'}
  return {
    ...base,
    spec: withBackdrop(
      report,
      200,
      [
        {
          data: {values: points},
          mark: {type: 'line', strokeWidth: 1.6, interpolate: 'step-after'},
          encoding: {
            x: timeAxis(report),
            y: {field: 'rate', type: 'quantitative', title: 'hit rate', scale: {domain: [0, 1]}, axis: {format: '%'}},
            color: {field: 'layer', type: 'nominal', title: 'cache', scale: {domain: layers.map(([n]) => n), range: ['#2a7f62', '#7fb8a4', '#3b6ea8']}, legend: {orient: 'right'}},
            strokeDash: {field: 'layer', type: 'nominal', legend: null, scale: {domain: layers.map(([n]) => n), range: [[1, 0], [4, 2], [2, 2]]}},
          },
        },
      ],
      'Cache hit rate',
    ),
  }
}

/** Consecutive seconds in the same state merged into one segment per instance/dependency. */
export function breakerSegments(report: Report): Array<{breaker: string; state: string; start: number; end: number}> {
  const segments: Array<{breaker: string; state: string; start: number; end: number}> = []
  const open = new Map<string, {breaker: string; state: string; start: number; end: number}>()
  for (const second of report.system.series) {
    for (const [instance, dependencies] of Object.entries(second.breakerStates)) {
      for (const [dependency, state] of Object.entries(dependencies)) {
        const breaker = `${instance} → ${dependency}`
        const current = open.get(breaker)
        if (current && current.state === state && current.end === second.t) {
          current.end = second.t + 1
        } else {
          const segment = {breaker, state, start: second.t, end: second.t + 1}
          segments.push(segment)
          open.set(breaker, segment)
        }
      }
    }
  }
  return segments
}

function breakerChart(report: Report): Chart {
  const base = {id: 'breakers' as const, title: 'Circuit breaker states', caption: 'Each row is one API instance’s breaker for one dependency: green closed, amber half-open, red open.'}
  if (!report.system.available) return {...base, spec: null, note: 'System metrics were not available.'}
  const segments = breakerSegments(report)
  if (segments.length === 0) return {...base, spec: null, note: 'No breaker states were scraped.'}
  const rows = new Set(segments.map((s) => s.breaker)).size
  return {
    ...base,
    spec: withBackdrop(
      report,
      Math.max(60, rows * 24),
      [
        {
          data: {values: segments},
          mark: {type: 'bar', height: {band: 0.7}},
          encoding: {
            x: {...timeAxis(report), field: 'start'},
            x2: {field: 'end'},
            y: {field: 'breaker', type: 'nominal', title: null, sort: 'ascending'},
            color: {field: 'state', type: 'nominal', title: 'state', scale: {domain: Object.keys(BREAKER_COLORS), range: Object.values(BREAKER_COLORS)}, legend: {orient: 'right'}},
          },
        },
      ],
      'Breaker states',
    ),
  }
}

function instancesChart(report: Report): Chart {
  const base = {id: 'instances' as const, title: 'Requests per API instance', caption: 'Requests each API instance served over the run; amber bars were ejected by the balancer for a while.'}
  if (!report.system.available) return {...base, spec: null, note: 'System metrics were not available.'}
  const totals = Object.entries(report.system.totals.perInstanceRequests)
  if (totals.length === 0) return {...base, spec: null, note: 'No per-instance request counts were scraped.'}
  const served = totals.reduce((acc, [, n]) => acc + n, 0)
  const ejected = new Set(report.system.series.flatMap((s) => s.ejected))
  const values = totals
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([instance, requests]) => ({instance, requests, share: served ? requests / served : 0, status: ejected.has(instance) ? 'ejected at times' : 'always in rotation'}))
  return {
    ...base,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: WIDTH,
      height: Math.max(60, values.length * 30),
      title: 'Requests per API instance',
      data: {values},
      layer: [
        {
          mark: {type: 'bar', height: {band: 0.7}},
          encoding: {
            y: {field: 'instance', type: 'nominal', title: null, sort: 'ascending'},
            x: {field: 'requests', type: 'quantitative', title: 'requests served'},
            color: {field: 'status', type: 'nominal', title: null, scale: {domain: ['always in rotation', 'ejected at times'], range: ['#3b6ea8', '#e2a93b']}, legend: {orient: 'right'}},
          },
        },
        {
          mark: {type: 'text', align: 'left', dx: 4},
          encoding: {
            y: {field: 'instance', type: 'nominal', sort: 'ascending'},
            x: {field: 'requests', type: 'quantitative'},
            text: {field: 'share', type: 'quantitative', format: '.1%'},
          },
        },
      ],
    } as unknown as TopLevelSpec,
  }
}

export function buildCharts(report: Report): Chart[] {
  return [latencyChart(report), throughputChart(report), cacheChart(report), breakerChart(report), instancesChart(report)]
}

const CHART_CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  view: {stroke: '#ddd'},
  axis: {labelFontSize: 11, titleFontSize: 12, gridColor: '#eee'},
  legend: {labelFontSize: 11, titleFontSize: 11},
  title: {fontSize: 14, anchor: 'start'},
}

/** Compiles a Vega-Lite spec and renders it to an SVG string without a browser. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vegaSpec = compile({...spec, config: CHART_CONFIG} as TopLevelSpec).spec
  const view = new View(parse(vegaSpec), {renderer: 'none'})
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

export async function renderCharts(report: Report): Promise<RenderedChart[]> {
  const rendered: RenderedChart[] = []
  for (const {spec, ...chart} of buildCharts(report)) rendered.push({...chart, svg: spec ? await renderSvg(spec) : null})
  return rendered
}
