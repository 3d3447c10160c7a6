import {Command, Errors, Flags, Interfaces} from '@oclif/core'
import {ExitCode, exitCodeOf, isUserError} from './errors.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>

/**
 * Every scalelab command extends this: it owns the --verbose flag and turns errors into one clear
 * line and the documented exit code (stack traces only with --verbose).
 */
export abstract class BaseCommand extends Command {
  static override baseFlags = {
    verbose: Flags.boolean({description: 'Print stack traces and debug detail on errors.', default: false, helpGroup: 'GLOBAL'}),
  }

  protected verbose = false

  override async init(): Promise<void> {
    await super.init()
    this.verbose = this.argv.includes('--verbose')
  }

  override async catch(err: Error & {exitCode?: number}): Promise<unknown> {
    const code = exitCodeOf(err)
    process.exitCode = code
    if (this.jsonEnabled()) {
      this.logJson({error: {code: err.name ?? 'Error', message: err.message, exitCode: code}})
      throw new Errors.ExitError(code)
    }
    // oclif's own parse errors (unknown flag, missing arg) already carry exit 2 and pretty output.
    if ((err as {oclif?: unknown}).oclif) throw err
    if (isUserError(err)) {
      this.logToStderr(`Error: ${err.message}${err.hint ? `\n  ${err.hint}` : ''}`)
      if (this.verbose && err.stack) this.logToStderr(err.stack)
      throw new Errors.ExitError(code)
    }
    // Checks that failed, a regression, or a run the person interrupted: the message is the news.
    if (code === ExitCode.checkFailed || code === ExitCode.regression || code === ExitCode.interrupted) {
      this.logToStderr(err.message)
      throw new Errors.ExitError(code)
    }
    if (this.verbose) this.logToStderr(err.stack ?? String(err))
    else this.logToStderr(`Error: ${err.message}\n  (unexpected; rerun with --verbose for the stack trace)`)
    throw new Errors.ExitError(code)
  }
}
