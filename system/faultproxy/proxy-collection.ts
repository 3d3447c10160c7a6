// Every proxy by name (Toxiproxy's ProxyCollection): keeps names unique, creates, replaces and
// removes proxies, and resets them.
import {ApiError, ErrMissingField, ErrProxyAlreadyExists, ErrProxyNotFound, asApiError} from './api-error.js'
import {asArray, asObject, field} from './json-body.js'
import {Proxy, type ProxyEnvironment} from './proxy.js'

export interface ProxyInput {
  name: string
  listen: string
  upstream: string
  enabled: boolean
}

export interface PopulateResult {
  proxies: Proxy[]
  /** Set when a proxy could not be created; `proxies` holds those done before it. */
  error?: ApiError
}

/** Reads one proxy from a JSON body (fields default to `defaults`). */
export function decodeProxy(body: unknown, defaults: ProxyInput): ProxyInput {
  const input = asObject(body, 'toxiproxy.Proxy')
  return {
    name: field(input, 'name', 'string', defaults.name, 'Proxy'),
    listen: field(input, 'listen', 'string', defaults.listen, 'Proxy'),
    upstream: field(input, 'upstream', 'string', defaults.upstream, 'Proxy'),
    enabled: field(input, 'enabled', 'bool', defaults.enabled, 'Proxy'),
  }
}

export class ProxyCollection {
  private readonly proxies = new Map<string, Proxy>()

  constructor(private readonly env: ProxyEnvironment) {}

  /** Sorted by name, as Go's encoding/json sorts map keys. */
  all(): Proxy[] {
    return [...this.proxies.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  get(name: string): Proxy {
    const proxy = this.proxies.get(name)
    if (!proxy) throw ErrProxyNotFound
    return proxy
  }

  /** POST /proxies: a new proxy, started unless `enabled` is false. Not kept if it cannot listen. */
  async create(input: ProxyInput): Promise<Proxy> {
    if (input.name.length < 1) throw ErrMissingField.because('name')
    if (input.upstream.length < 1) throw ErrMissingField.because('upstream')
    if (this.proxies.has(input.name)) throw ErrProxyAlreadyExists
    const proxy = new Proxy(input.name, input.listen, input.upstream, this.env)
    if (input.enabled) await proxy.start()
    this.proxies.set(proxy.name, proxy)
    return proxy
  }

  /**
   * POST /populate: creates each proxy, or replaces one of the same name whose listen or upstream
   * differ (an identical one is left as it is, toxics included). Stops at the first failure.
   */
  async populate(body: unknown): Promise<PopulateResult> {
    const items = asArray(body, '[]toxiproxy.Proxy')
    const inputs = items.map((item) => decodeProxy(item, {name: '', listen: '', upstream: '', enabled: true}))
    inputs.forEach((input, i) => {
      if (input.name.length < 1) throw ErrMissingField.because(`name at proxy ${i + 1}`)
      if (input.upstream.length < 1) throw ErrMissingField.because(`upstream at proxy ${i + 1}`)
    })
    const proxies: Proxy[] = []
    for (const input of inputs) {
      try {
        proxies.push(await this.addOrReplace(input))
      } catch (err) {
        return {proxies, error: asApiError(err)}
      }
    }
    return {proxies}
  }

  async remove(name: string): Promise<void> {
    const proxy = this.get(name)
    await proxy.stop()
    this.proxies.delete(name)
  }

  /** POST /reset: every proxy enabled again and without toxics; the proxies themselves stay. */
  async reset(): Promise<void> {
    for (const proxy of this.proxies.values()) {
      await proxy.start()
      proxy.toxics.reset()
    }
  }

  /** Stops and forgets every proxy (shutdown). */
  async clear(): Promise<void> {
    for (const proxy of [...this.proxies.values()]) {
      await proxy.stop()
      this.proxies.delete(proxy.name)
    }
  }

  private async addOrReplace(input: ProxyInput): Promise<Proxy> {
    const existing = this.proxies.get(input.name)
    if (existing) {
      if (!(await existing.differs(input))) return existing
      await existing.stop()
    }
    const proxy = new Proxy(input.name, input.listen, input.upstream, this.env)
    if (input.enabled) await proxy.start()
    this.proxies.set(proxy.name, proxy)
    return proxy
  }
}
