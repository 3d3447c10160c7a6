import type {Redis} from 'ioredis'
import type pg from 'pg'
import type {TwoLevelCache} from '../shared/cache/two-level-cache.js'
import type {InvalidationBus} from '../shared/cache/invalidation-bus.js'
import type {Logger} from '../shared/logger.js'
import type {ServiceMetrics} from '../shared/metrics.js'
import type {ApiConfig} from './config.js'
import type {BatchRunner} from './batch/batch-runner.js'
import type {ApiBreakers} from './dependencies/breakers.js'
import type {Database} from './dependencies/database.js'
import type {DependencyProbe} from './dependencies/dependency-probe.js'
import type {FlakyDownstream} from './external/flaky-downstream.js'
import type {HttpFaults} from './faults/http-faults.js'
import type {Access} from './identity/access.js'
import type {SessionStore} from './identity/session-store.js'
import type {UserStore} from './identity/user-store.js'
import type {RequestLogWriter} from './request-log/request-log-writer.js'
import type {Resource} from './resources/resource-store.js'
import type {ResourceService} from './resources/resource-service.js'

/** starting: not listening yet; serving; draining: shutting down (readiness 503). */
export type Lifecycle = 'starting' | 'serving' | 'draining'

export interface LifecycleState {
  state: Lifecycle
  startedAt: number
  inFlight: number
}

/** Everything one API instance is made of; built once by startApi, handed to the routes. */
export interface ApiServices {
  config: ApiConfig
  log: Logger
  metrics: ServiceMetrics
  lifecycle: LifecycleState
  primaryPool: pg.Pool
  replicaPool?: pg.Pool
  redis: Redis
  subscriber: Redis
  db: Database
  breakers: ApiBreakers
  bus: InvalidationBus
  cache: TwoLevelCache<Resource>
  resources: ResourceService
  users: UserStore
  sessions: SessionStore
  access: Access
  faults: HttpFaults
  downstream: FlakyDownstream
  probe: DependencyProbe
  requestLog: RequestLogWriter
  batch: BatchRunner
  /** This instance's own base URL (batch sub-requests go there); known once listening. */
  selfUrl(): string
}
