/**
 * Logging through pino: one logger per machine, one child per plugin.
 * @packageDocumentation
 */
import { pino, type Logger as PinoLogger, type LoggerOptions, type DestinationStream } from 'pino';

/** A pino logger. */
export type Logger = PinoLogger;

/** Service identifier of the machine's root {@link Logger}. */
export const Logger = Symbol.for('stackemu.Logger');

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** pino level; default `STACKEMU_LOG` from the environment, else `warn`. */
  readonly level?: string;
  /** Where lines go; default stderr (stdout belongs to results such as fio output). */
  readonly destination?: DestinationStream;
  /** Extra pino options. */
  readonly pino?: LoggerOptions;
}

/**
 * Creates a root logger. Libraries log only through the machine's logger or a child of it.
 * @param opts - level, destination and extra pino options
 * @returns a pino logger named `stackemu`.
 * @remarks Tests set `STACKEMU_LOG=silent`. Never log per I/O without `log.isLevelEnabled()`.
 */
export function createLogger(opts: CreateLoggerOptions = {}): Logger {
  const level = opts.level ?? process.env['STACKEMU_LOG'] ?? 'warn';
  const options: LoggerOptions = { name: 'stackemu', level, base: { pid: process.pid }, ...opts.pino };
  return pino(options, opts.destination ?? pino.destination({ dest: 2, sync: true }));
}
