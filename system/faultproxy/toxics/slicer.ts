import {ReleaseQueue} from './release-queue.js'
import {defineToxic} from './toxic.js'

/**
 * Cuts each chunk into slices of about average_size ± size_variation bytes and passes them on
 * one by one, `delay` MICROseconds apart (Toxiproxy's unit for this toxic).
 */
export const slicerToxic = defineToxic({
  type: 'slicer',
  defaults: {average_size: 0, size_variation: 0, delay: 0},
  pipe(stub, attributes) {
    const queue = new ReleaseQueue(stub)
    let nextSliceAt = -Infinity
    return {
      write(chunk) {
        const {average_size, size_variation, delay} = attributes()
        const gapMs = Math.max(0, delay) / 1000
        const bounds = sliceBounds(chunk.data.length, average_size, size_variation, stub.random)
        for (let i = 1; i < bounds.length; i++) {
          const due = Math.max(stub.clock.now(), nextSliceAt)
          nextSliceAt = due + gapMs
          queue.push({data: chunk.data.subarray(bounds[i - 1], bounds[i]), at: chunk.at}, due)
        }
      },
      end: () => queue.end(),
      flush: () => queue.flush(),
      dispose: () => queue.dispose(),
      heldBytes: () => queue.heldBytes(),
    }
  },
})

/**
 * Slice boundaries [0, b1, b2, ..., size]: halves recursively until a piece is within
 * size_variation of average_size, moving each cut by a random ± size_variation so slices vary
 * evenly. Cuts stay inside the piece, so a large variation cannot produce empty slices.
 */
export function sliceBounds(size: number, averageSize: number, sizeVariation: number, random: () => number): number[] {
  const bounds = [0]
  const split = (start: number, end: number) => {
    if (end - start - averageSize <= sizeVariation || end - start <= 1) {
      bounds.push(end)
      return
    }
    let mid = start + Math.floor((end - start) / 2)
    if (sizeVariation > 0) mid += Math.floor(random() * sizeVariation * 2) - sizeVariation
    mid = Math.min(end - 1, Math.max(start + 1, mid))
    split(start, mid)
    split(mid, end)
  }
  if (size > 0) split(0, size)
  return bounds
}
