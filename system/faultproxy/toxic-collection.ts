// The toxics of one proxy, one ordered chain per direction, applied to every live connection the
// moment they change (Toxiproxy's ToxicCollection).
import {ErrInvalidStream, ErrInvalidToxicType, ErrToxicAlreadyExists, ErrToxicNotFound} from './api-error.js'
import type {ProxyConnection} from './connection.js'
import {asObject, field} from './json-body.js'
import type {StreamDirection} from './link.js'
import {TOXIC_TYPES} from './toxics/registry.js'
import type {Attributes, ToxicDefinition} from './toxics/toxic.js'

/** A toxic as the API sees it; the same object is shared by every link it is placed on. */
export class Toxic {
  constructor(
    readonly name: string,
    readonly type: string,
    /** The stream as the client spelled it (Toxiproxy echoes it back). */
    readonly stream: string,
    readonly direction: StreamDirection,
    public toxicity: number,
    public attributes: Attributes,
    readonly definition: ToxicDefinition,
  ) {}

  /** Toxiproxy's field order: attributes, name, type, stream, toxicity. */
  toJSON(): object {
    return {attributes: this.attributes, name: this.name, type: this.type, stream: this.stream, toxicity: this.toxicity}
  }
}

const DIRECTIONS: readonly StreamDirection[] = ['upstream', 'downstream']

function parseDirection(stream: string): StreamDirection {
  const lower = stream.toLowerCase()
  if (lower === 'upstream' || lower === 'downstream') return lower
  throw ErrInvalidStream
}

/** Reads `attributes` over `base`: integers only, unknown names ignored, as Go's decoder does. */
function parseAttributes(input: unknown, base: Attributes): Attributes {
  const object = asObject(input ?? null, 'ToxicWrapper.attributes')
  const result: Attributes = {...base}
  for (const name of Object.keys(base)) result[name] = field(object, name, 'int64', base[name], 'ToxicWrapper.attributes')
  return result
}

export class ToxicCollection {
  private readonly chains: Record<StreamDirection, Toxic[]> = {upstream: [], downstream: []}

  constructor(private readonly connections: () => Iterable<ProxyConnection>) {}

  /** Upstream toxics first, then downstream, each in chain order (Toxiproxy's GetToxicArray). */
  list(): Toxic[] {
    return [...this.chains.upstream, ...this.chains.downstream]
  }

  chain(direction: StreamDirection): readonly Toxic[] {
    return this.chains[direction]
  }

  get(name: string): Toxic {
    const toxic = this.find(name)
    if (!toxic) throw ErrToxicNotFound
    return toxic
  }

  /** POST /proxies/{proxy}/toxics. Checks run in Toxiproxy's order, so the same body fails the same way. */
  add(body: unknown): Toxic {
    const input = asObject(body, 'toxics.ToxicWrapper')
    const struct = 'ToxicWrapper'
    let name = field(input, 'name', 'string', '', struct)
    const type = field(input, 'type', 'string', '', struct)
    const stream = field(input, 'stream', 'string', 'downstream', struct)
    const toxicity = field(input, 'toxicity', 'float32', 1, struct)
    const direction = parseDirection(stream)
    if (name === '') name = `${type}_${stream}`
    const definition = TOXIC_TYPES.get(type)
    if (!definition) throw ErrInvalidToxicType
    if (this.find(name)) throw ErrToxicAlreadyExists
    const attributes = parseAttributes(input.attributes, definition.defaults)
    const toxic = new Toxic(name, type, stream, direction, toxicity, attributes, definition)
    this.chains[direction].push(toxic)
    for (const connection of this.connections()) connection.links[direction].addToxic(toxic)
    return toxic
  }

  /** POST/PATCH /proxies/{proxy}/toxics/{toxic}: only attributes (merged) and toxicity change. */
  update(name: string, body: unknown): Toxic {
    const toxic = this.get(name)
    const input = asObject(body, 'struct { Attributes interface {}; Toxicity float32 }')
    const attributes = parseAttributes(input.attributes, toxic.attributes)
    const toxicity = field(input, 'toxicity', 'float32', toxic.toxicity, 'ToxicWrapper')
    toxic.attributes = attributes
    toxic.toxicity = toxicity
    for (const connection of this.connections()) connection.links[toxic.direction].updateToxic(toxic)
    return toxic
  }

  remove(name: string): void {
    this.detach(this.get(name))
  }

  /** Removes every toxic (POST /reset). */
  reset(): void {
    for (const direction of DIRECTIONS) {
      while (this.chains[direction].length > 0) this.detach(this.chains[direction][0])
    }
  }

  private detach(toxic: Toxic): void {
    const chain = this.chains[toxic.direction]
    chain.splice(chain.indexOf(toxic), 1)
    for (const connection of this.connections()) connection.links[toxic.direction].removeToxic(toxic)
  }

  private find(name: string): Toxic | undefined {
    return this.chains.upstream.find((t) => t.name === name) ?? this.chains.downstream.find((t) => t.name === name)
  }
}
