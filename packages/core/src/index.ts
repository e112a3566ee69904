/**
 * `@stackemu/core`: the storage-agnostic framework every stackemu plugin stands on — plugins and machines
 * (inversify), typed event buses and tracepoints (RxJS), deterministic virtual time, seeded random streams,
 * Kconfig-style `CONFIG_*` options, counters, logging (pino) and Linux errno values.
 * @packageDocumentation
 */
export * from './errno.js';
export * from './errors.js';
export * from './scheduler.js';
export * from './rng.js';
export * from './bus.js';
export * from './counters.js';
export * from './kconfig.js';
export * from './params.js';
export * from './slab-pool.js';
export * from './logger.js';
export * from './plugin.js';
export * from './machine.js';
export * from './contribution-provider.js';
