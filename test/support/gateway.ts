import {gatewayConfigFromEnv, type GatewayConfig} from '../../system/gateway/config.js'
import {createLogger} from '../../system/shared/logger.js'

export const TEST_GATEWAY_SECRET = 'test-gateway-secret'

/** A gateway configuration for tests: defaults from the real env parser, a free port, and overrides. */
export function testGatewayConfig(
  deps: {upstreamUrl: string; redisUrl: string; databaseUrl: string},
  overrides: Partial<GatewayConfig> = {},
): GatewayConfig {
  const base = gatewayConfigFromEnv({
    HOST: '127.0.0.1',
    PORT: '0',
    UPSTREAM_URL: deps.upstreamUrl,
    REDIS_URL: deps.redisUrl,
    DATABASE_URL: deps.databaseUrl,
    GATEWAY_SECRET: TEST_GATEWAY_SECRET,
    LOG_LEVEL: 'silent',
  })
  return {...base, shutdownGraceMs: 1_000, ...overrides}
}

export const silentLog = () => createLogger('gateway', 'test', process.env.TEST_LOG_LEVEL ?? 'silent')
