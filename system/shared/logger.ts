import {pino, type Logger} from 'pino'

export type {Logger}

/** Structured JSON logs on stdout, one object per line; the runtimes redirect stdout to a file. */
export function createLogger(service: string, instance: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: {service, instance, pid: process.pid},
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {level: (label) => ({level: label})},
  })
}
