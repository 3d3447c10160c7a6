// The error taxonomy: a UserError is something the person at the keyboard can fix (one sentence
// plus what to do next); anything else is a bug or an unexpected failure of the lab itself.

export const ExitCode = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  checkFailed: 3,
  regression: 4,
  /** Ctrl-C: the shell's code for SIGINT. */
  interrupted: 130,
} as const
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export class UserError extends Error {
  readonly exitCode: ExitCodeValue
  readonly hint?: string

  constructor(message: string, options: {hint?: string; exitCode?: ExitCodeValue; cause?: unknown} = {}) {
    super(message, {cause: options.cause})
    this.name = 'UserError'
    this.hint = options.hint
    this.exitCode = options.exitCode ?? ExitCode.usage
  }
}

/** A run finished and produced its report, but a threshold or steady-state check failed (exit 3). */
export class CheckFailedError extends Error {
  readonly exitCode = ExitCode.checkFailed
  constructor(message: string) {
    super(message)
    this.name = 'CheckFailedError'
  }
}

/** `report compare` found a regression (exit 4). */
export class RegressionError extends Error {
  readonly exitCode = ExitCode.regression
  constructor(message: string) {
    super(message)
    this.name = 'RegressionError'
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError
}

export function exitCodeOf(err: unknown): number {
  if (err && typeof err === 'object' && 'exitCode' in err && typeof (err as {exitCode: unknown}).exitCode === 'number') {
    return (err as {exitCode: number}).exitCode
  }
  const oclifExit = (err as {oclif?: {exit?: number}} | undefined)?.oclif?.exit
  return typeof oclifExit === 'number' ? oclifExit : ExitCode.unexpected
}
