#!/usr/bin/env node
// React's production build renders the dashboard at about half the CPU of the development one.
process.env.NODE_ENV ??= 'production'

const {execute} = await import('@oclif/core')
await execute({dir: import.meta.url})
