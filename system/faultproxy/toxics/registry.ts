import {bandwidthToxic} from './bandwidth.js'
import {latencyToxic} from './latency.js'
import {limitDataToxic} from './limit-data.js'
import {noopToxic} from './noop.js'
import {resetPeerToxic} from './reset-peer.js'
import {slicerToxic} from './slicer.js'
import {slowCloseToxic} from './slow-close.js'
import {timeoutToxic} from './timeout.js'
import type {ToxicDefinition} from './toxic.js'

/** Every toxic type the API accepts, by Toxiproxy's type name. */
export const TOXIC_TYPES: ReadonlyMap<string, ToxicDefinition> = new Map(
  [noopToxic, latencyToxic, bandwidthToxic, slowCloseToxic, timeoutToxic, resetPeerToxic, slicerToxic, limitDataToxic].map(
    (t) => [t.type, t as unknown as ToxicDefinition],
  ),
)
