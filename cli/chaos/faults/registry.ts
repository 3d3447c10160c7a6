// From a FaultSpec (a step of the experiment, or an entry of the journal) to its unit.
import type {FaultSpec, FaultUnit} from './fault.js'
import {HttpFault} from './http-fault.js'
import {LinkCutFault} from './link-cut-fault.js'
import {ServiceFault} from './service-fault.js'
import {ToxicFault} from './toxic-fault.js'

export function faultUnit(spec: FaultSpec): FaultUnit {
  switch (spec.kind) {
    case 'service':
      return new ServiceFault(spec)
    case 'toxic':
      return new ToxicFault(spec)
    case 'cut':
      return new LinkCutFault(spec)
    case 'http':
      return new HttpFault(spec)
  }
}
