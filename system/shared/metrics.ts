import client from 'prom-client'
import {METRICS, type MetricSpec} from '../../contracts/metrics.js'

export type ServiceMetrics = ReturnType<typeof createServiceMetrics>

/**
 * One registry per process, with the contract's default labels (service, instance) on every
 * series, process metrics, and typed constructors that only accept metrics from the contract.
 */
export function createServiceMetrics(service: string, instance: string) {
  const registry = new client.Registry()
  registry.setDefaultLabels({service, instance})
  client.collectDefaultMetrics({register: registry, prefix: 'scalelab_process_'})

  // Asking twice for one metric (two breakers share scalelab_breaker_state) returns the registered one.
  const registered = <M>(s: MetricSpec) => registry.getSingleMetric(s.name) as M | undefined
  const counter = <L extends string>(s: MetricSpec<L>) =>
    registered<client.Counter<L>>(s) ?? new client.Counter<L>({name: s.name, help: s.help, labelNames: s.labels, registers: [registry]})
  /** `collect`, when given, runs at every scrape to set the value (for state read from elsewhere). */
  const gauge = <L extends string>(s: MetricSpec<L>, collect?: (g: client.Gauge<L>) => void) =>
    registered<client.Gauge<L>>(s) ??
    new client.Gauge<L>({
      name: s.name,
      help: s.help,
      labelNames: s.labels,
      registers: [registry],
      ...(collect ? {collect(this: client.Gauge<L>) { collect(this) }} : {}),
    })
  const histogram = <L extends string>(s: MetricSpec<L>) =>
    registered<client.Histogram<L>>(s) ??
    new client.Histogram<L>({name: s.name, help: s.help, labelNames: s.labels, buckets: [...(s.buckets ?? [])], registers: [registry]})

  const up = gauge(METRICS.up)
  up.set(1)
  const httpRequests = counter(METRICS.httpRequests)
  const httpDuration = histogram(METRICS.httpDuration)
  const httpInFlight = gauge(METRICS.httpInFlight)

  return {
    registry,
    counter,
    gauge,
    histogram,
    http: {
      /** Call when a request starts; call the returned function once it has finished. */
      start(): (route: string, method: string, status: number) => void {
        httpInFlight.inc()
        const began = process.hrtime.bigint()
        return (route, method, status) => {
          httpInFlight.dec()
          const seconds = Number(process.hrtime.bigint() - began) / 1e9
          httpRequests.inc({route, method, status: String(status)})
          httpDuration.observe({route, method}, seconds)
        }
      },
      inFlight: httpInFlight,
    },
    async text(): Promise<{contentType: string; body: string}> {
      return {contentType: registry.contentType, body: await registry.metrics()}
    },
  }
}
