import {ExitCode} from '../errors.js'

/** `up` was interrupted (Ctrl-C) and stopped what it had started: exit 130, the shell's SIGINT code. */
export class UpInterruptedError extends Error {
  readonly exitCode = ExitCode.interrupted
  constructor(readonly stoppedCount: number) {
    super(
      stoppedCount
        ? `Interrupted: stopped the ${stoppedCount} process${stoppedCount === 1 ? '' : 'es'} this \`scalelab up\` had started; nothing is left running.`
        : 'Interrupted before anything was started; nothing is left running.',
    )
    this.name = 'UpInterruptedError'
  }
}
