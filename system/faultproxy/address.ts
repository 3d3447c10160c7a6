// host:port strings as Toxiproxy reads and prints them (Go's net.SplitHostPort, TCPAddr.String).
import {lookup} from 'node:dns/promises'
import {isIP} from 'node:net'

export interface HostPort {
  /** Empty: every interface (Go's ":port"). */
  host: string
  port: number
}

export function splitHostPort(address: string): HostPort {
  // Go's net.Listen("tcp", "") listens on every interface on a free port.
  if (address === '') return {host: '', port: 0}
  let host: string
  let portText: string
  if (address.startsWith('[')) {
    const close = address.indexOf(']')
    if (close < 0) throw new Error(`address ${address}: missing ']' in address`)
    if (address[close + 1] !== ':') throw new Error(`address ${address}: missing port in address`)
    host = address.slice(1, close)
    portText = address.slice(close + 2)
  } else {
    const colon = address.lastIndexOf(':')
    if (colon < 0) throw new Error(`address ${address}: missing port in address`)
    host = address.slice(0, colon)
    portText = address.slice(colon + 1)
    if (host.includes(':')) throw new Error(`address ${address}: too many colons in address`)
  }
  const port = Number(portText)
  if (portText === '' || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`address ${address}: invalid port`)
  return {host, port}
}

/** Go's TCPAddr.String(): IPv6 in brackets. */
export function formatAddress(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`
}

/** Resolves a host name to one IP, IPv4 first, as Go's net.ResolveTCPAddr does. */
export async function resolveHost(host: string): Promise<string> {
  if (host === '' || isIP(host)) return host
  try {
    return (await lookup(host, {family: 4})).address
  } catch {
    try {
      return (await lookup(host)).address
    } catch {
      throw new Error(`lookup ${host}: no such host`)
    }
  }
}

/** The form a listen address is compared in: resolved IP and port. */
export async function resolveAddress(address: string): Promise<HostPort> {
  const {host, port} = splitHostPort(address)
  return {host: await resolveHost(host), port}
}
