// How `{{id}}` is drawn for a template: uniform over [min, max], or Zipf with rank 1 = min.
import type {IdRange} from './resolve-scenario.js'
import {ZipfSampler, type Random} from './zipf.js'

export type IdGenerator = () => number

export function idGenerator(range: IdRange, random: Random): IdGenerator {
  const span = range.max - range.min + 1
  if (range.distribution === 'uniform') return () => range.min + Math.floor(random() * span)
  const zipf = new ZipfSampler(span, range.s)
  return () => range.min + zipf.sample(random) - 1
}
