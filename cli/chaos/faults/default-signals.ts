// What shows that the system noticed a fault, when the step does not say (`detect:`): the signals a
// fault of that kind should raise in this system. Each is timed from the injection in the report.
import type {FaultSpec} from './fault.js'

export function defaultSignals(spec: FaultSpec): string[] {
  switch (spec.kind) {
    case 'service':
      return serviceSignals(spec.target)
    case 'cut':
      return dependencySignals(spec.link)
    case 'toxic':
      return ['steady state deviates', `breaker ${spec.link} open`]
    case 'http':
      return [`${spec.instance} out of rotation`, 'client errors']
  }
}

function serviceSignals(target: string): string[] {
  if (target === 'redis' || target === 'postgres') return dependencySignals(target)
  if (/^api-\d+$/.test(target)) return [`${target} out of rotation`]
  if (target === 'faultproxy') return [...dependencySignals('redis'), 'breaker postgres open']
  if (target === 'balancer') return ['gateway degraded', 'client errors']
  return ['client errors']
}

/** Redis or Postgres out of reach: the breakers open and the gateway reports itself degraded; without Redis the rate limiter falls back to local decisions. */
function dependencySignals(dependency: 'redis' | 'postgres'): string[] {
  return dependency === 'redis' ? ['breaker redis open', 'gateway degraded', 'rate limiter fail-open'] : ['breaker postgres open', 'gateway degraded']
}
