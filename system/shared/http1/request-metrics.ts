import type client from 'prom-client'
import {METRICS} from '../../../contracts/metrics.js'
import type {ServiceMetrics} from '../metrics.js'

interface PendingCount {
  labels: {route: string; method: string; status: string}
  n: number
}

/**
 * The shared HTTP metrics (requests, duration, in-flight) for every request a lean (http1) server serves,
 * recorded cheaply: counts accumulate in plain numbers and reach prom-client at scrape time
 * (`flush`), because each prom-client call builds and hashes a label object, which shows at
 * balancer request rates. Durations are still observed one by one, so the histogram is exact.
 */
export function createHttpRecorder(metrics: ServiceMetrics) {
  const requests = metrics.registry.getSingleMetric(METRICS.httpRequests.name) as client.Counter<string>
  const duration = metrics.registry.getSingleMetric(METRICS.httpDuration.name) as client.Histogram<string>
  const inFlightGauge = metrics.http.inFlight
  const counts = new Map<string, PendingCount>()
  const durationLabels = new Map<string, {route: string; method: string}>()
  let inFlight = 0
  return {
    /** Returns the start time to hand to `end`. */
    start(): number {
      inFlight++
      return performance.now()
    },
    end(route: string, method: string, status: number, startedAt: number): void {
      inFlight--
      const key = route + method + status
      let count = counts.get(key)
      if (count === undefined) counts.set(key, (count = {labels: {route, method, status: String(status)}, n: 0}))
      count.n++
      const dkey = route + method
      let labels = durationLabels.get(dkey)
      if (labels === undefined) durationLabels.set(dkey, (labels = {route, method}))
      duration.observe(labels, (performance.now() - startedAt) / 1000)
    },
    /** Moves the accumulated counts into prom-client; call right before rendering /metrics. */
    flush(): void {
      inFlightGauge.set(inFlight)
      for (const c of counts.values()) {
        if (c.n === 0) continue
        requests.inc(c.labels, c.n)
        c.n = 0
      }
    },
  }
}
