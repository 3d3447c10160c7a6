// HEALTHCHECK of the app image: GET http://127.0.0.1:$PORT<path> and exit 0 when the answer is 2xx
// and, for readiness bodies, `status` is one of the accepted values. No curl in a slim image: Node it is.
//   node dist/system/container/healthcheck.js [path=/ready] [accepted statuses, comma-separated=ready,degraded]
// An empty accept list ("") takes any 2xx (Toxiproxy-style /version).
const port = process.env.PORT ?? '3000'
const path = process.argv[2] ?? '/ready'
const accept = (process.argv[3] ?? 'ready,degraded').split(',').filter(Boolean)

try {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {signal: AbortSignal.timeout(2_500)})
  const text = await res.text()
  if (!res.ok) fail(`HTTP ${res.status}`)
  if (accept.length) {
    const status = (JSON.parse(text) as {status?: string}).status
    if (!status || !accept.includes(status)) fail(`status ${status ?? '(none)'}, expected ${accept.join(' or ')}`)
  }
  console.log(`healthy: ${path} answered ${res.status}`)
} catch (err) {
  fail((err as Error).message)
}

function fail(reason: string): never {
  console.log(`unhealthy: ${path}: ${reason}`)
  process.exit(1)
}
