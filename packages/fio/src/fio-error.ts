/**
 * The error fio reports for a bad job: a job file or option it cannot parse, an option stackemu does not model,
 * or a failure while running a job.
 * @packageDocumentation
 */

/**
 * A fio error: bad or unsupported options, unreadable job files, or a job that fails to set up. The message
 * is one line, prefixed `fio: ` as fio prints its own errors (`fio: failed parsing rw=bogus`).
 */
export class FioError extends Error {
  /** Error class name. */
  override readonly name: string = 'FioError';

  /**
   * @param message - the one-line message
   * @param option - the option that caused it, if any
   */
  constructor(
    message: string,
    readonly option?: string,
  ) {
    super(message);
  }
}

/**
 * The error for an option fio knows and stackemu does not model: names the option and says why, so a job
 * never runs with an option silently ignored.
 */
export class UnsupportedOptionError extends FioError {
  /** Error class name. */
  override readonly name: string = 'UnsupportedOptionError';

  /**
   * @param option - the canonical option name
   * @param reason - why stackemu does not model it
   */
  constructor(option: string, reason: string) {
    super(`fio: option '${option}' is not supported by stackemu: ${reason}`, option);
  }
}
