// The metric names and labels the lab reads from the system's /metrics. Both sides import this
// module: the services register exactly these (system/shared/metrics.ts), the lab's scraper looks
// them up by the same constants. Histograms, never summaries, so instances aggregate.
// Every series also carries the registry's default labels `service` and `instance`
// (DEFAULT_LABELS), set once per process.

export type MetricType = 'counter' | 'gauge' | 'histogram'

export interface MetricSpec<L extends string = string> {
  name: string
  type: MetricType
  help: string
  labels: readonly L[]
  buckets?: readonly number[]
}

const spec = <L extends string>(s: MetricSpec<L>): MetricSpec<L> => s

/** Seconds; covers sub-millisecond cache hits up to timeouts. */
export const LATENCY_BUCKETS_SECONDS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const

export const METRIC_PREFIX = 'scalelab_'
export const DEFAULT_LABELS = ['service', 'instance'] as const

export const METRICS = {
  // --- every HTTP service (api, gateway, balancer) ---
  httpRequests: spec({
    name: 'scalelab_http_requests_total',
    type: 'counter',
    help: 'HTTP requests served, by route template, method and status code.',
    labels: ['route', 'method', 'status'],
  }),
  httpDuration: spec({
    name: 'scalelab_http_request_duration_seconds',
    type: 'histogram',
    help: 'HTTP request duration from first byte in to last byte out.',
    labels: ['route', 'method'],
    buckets: LATENCY_BUCKETS_SECONDS,
  }),
  httpInFlight: spec({
    name: 'scalelab_http_in_flight_requests',
    type: 'gauge',
    help: 'Requests being served right now.',
    labels: [],
  }),
  up: spec({
    name: 'scalelab_instance_up',
    type: 'gauge',
    help: 'Always 1; carries the service and instance labels of this process.',
    labels: [],
  }),

  // --- api: two-level cache ---
  cacheEvents: spec({
    name: 'scalelab_cache_events_total',
    type: 'counter',
    help: 'Cache lookups by layer (l1 in-process, l2 Redis) and result (hit, miss, stale: served stale on error, negative_hit: cached 404, error: layer unreachable).',
    labels: ['layer', 'result'],
  }),
  cacheL1Entries: spec({
    name: 'scalelab_cache_l1_entries',
    type: 'gauge',
    help: 'Entries in the in-process L1 cache.',
    labels: [],
  }),
  cacheL1Bytes: spec({
    name: 'scalelab_cache_l1_bytes',
    type: 'gauge',
    help: 'Approximate bytes held by the L1 cache.',
    labels: [],
  }),
  cacheInvalidations: spec({
    name: 'scalelab_cache_invalidations_total',
    type: 'counter',
    help: 'Invalidations applied, by source (local write or pubsub message from another instance).',
    labels: ['source'],
  }),
  dbQueries: spec({
    name: 'scalelab_db_queries_total',
    type: 'counter',
    help: 'Postgres queries issued, by operation and outcome (ok, error).',
    labels: ['operation', 'outcome'],
  }),

  // --- api: HTTP fault injection (PUT /api/v1/admin/faults) ---
  httpFaultsInjected: spec({
    name: 'scalelab_http_faults_injected_total',
    type: 'counter',
    help: 'Requests answered with an injected error or delayed by the HTTP fault endpoint (chaos experiments), by kind (error, delay).',
    labels: ['kind'],
  }),

  // --- circuit breakers (api: redis, postgres, external; gateway: redis, postgres) ---
  breakerState: spec({
    name: 'scalelab_breaker_state',
    type: 'gauge',
    help: 'Circuit breaker state per dependency: 0 closed, 1 half-open, 2 open.',
    labels: ['dependency'],
  }),
  breakerTransitions: spec({
    name: 'scalelab_breaker_transitions_total',
    type: 'counter',
    help: 'Circuit breaker transitions by target state; to="open" counts trips.',
    labels: ['dependency', 'to'],
  }),

  // --- postgres pool ---
  dbPoolTotal: spec({name: 'scalelab_db_pool_connections', type: 'gauge', help: 'Connections in the pg pool.', labels: []}),
  dbPoolIdle: spec({name: 'scalelab_db_pool_idle', type: 'gauge', help: 'Idle connections in the pg pool.', labels: []}),
  dbPoolWaiting: spec({
    name: 'scalelab_db_pool_waiting',
    type: 'gauge',
    help: 'Callers waiting for a pg pool connection.',
    labels: [],
  }),

  // --- gateway ---
  rateLimitDecisions: spec({
    name: 'scalelab_ratelimit_decisions_total',
    type: 'counter',
    help: 'Rate-limit decisions by tier: allowed, limited (429), fail_open (Redis unreachable, local fallback decided).',
    labels: ['tier', 'decision'],
  }),
  authDecisions: spec({
    name: 'scalelab_auth_decisions_total',
    type: 'counter',
    help: 'Authentication outcomes at the gateway: anonymous, session, api_key, cached (served from the gateway cache during a Redis or Postgres outage), rejected, unavailable.',
    labels: ['result'],
  }),

  loadShed: spec({
    name: 'scalelab_gateway_load_shed_total',
    type: 'counter',
    help: 'Requests the gateway refused with 503 (overloaded) before forwarding: every upstream connection busy and the wait queue full, or no connection free within the queue timeout.',
    labels: [],
  }),

  // --- balancer ---
  lbRequests: spec({
    name: 'scalelab_lb_backend_requests_total',
    type: 'counter',
    help: 'Requests sent to each backend by outcome (ok: a response, error: connect or reset before response, timeout).',
    labels: ['backend', 'outcome'],
  }),
  lbInFlight: spec({name: 'scalelab_lb_backend_in_flight', type: 'gauge', help: 'In-flight requests per backend.', labels: ['backend']}),
  lbHealthy: spec({
    name: 'scalelab_lb_backend_healthy',
    type: 'gauge',
    help: '1 when the active health check considers the backend healthy.',
    labels: ['backend'],
  }),
  lbEjected: spec({
    name: 'scalelab_lb_backend_ejected',
    type: 'gauge',
    help: '1 while outlier detection has the backend ejected.',
    labels: ['backend'],
  }),
  lbEjections: spec({
    name: 'scalelab_lb_ejections_total',
    type: 'counter',
    help: 'Outlier ejections per backend.',
    labels: ['backend', 'reason'],
  }),
  lbRetries: spec({
    name: 'scalelab_lb_retries_total',
    type: 'counter',
    help: 'Retries on another backend, by reason; budget_exhausted counts retries refused by the budget.',
    labels: ['reason'],
  }),
  lbOverloaded: spec({
    name: 'scalelab_lb_overloaded_total',
    type: 'counter',
    help: 'Requests refused with 503 because every eligible backend was at its in-flight limit.',
    labels: [],
  }),

  // --- every Node service: from prom-client's default metrics (prefix scalelab_process_) ---
  processResidentMemory: spec({
    name: 'scalelab_process_process_resident_memory_bytes',
    type: 'gauge',
    help: 'Resident memory size in bytes (registered by collectDefaultMetrics, not by the typed constructors).',
    labels: [],
  }),
} as const

export type MetricKey = keyof typeof METRICS

/** Encoding of scalelab_breaker_state. */
export const BREAKER_STATE_VALUE = {closed: 0, 'half-open': 1, open: 2} as const
