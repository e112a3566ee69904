/**
 * `@stackemu/fio`: fio job files and command-line options, the job runner (ioengines psync, sync, pvsync,
 * pvsync2, libaio, io_uring, null), verify, and fio's normal and JSON output, on an emulated stack.
 * @packageDocumentation
 */
export * from './fio-error.js';
export * from './parse.js';
export * from './expression.js';
export * from './pattern.js';
export * from './thread-options.js';
export * from './options.js';
export * from './init.js';
export * from './rand.js';
export * from './axmap.js';
export * from './stat.js';
export * from './num2str.js';
export * from './json.js';
export * from './stat-output.js';
export * from './fio-host.js';
export * from './fio-file.js';
export * from './io-u.js';
export * from './iolog.js';
export * from './io-log.js';
export * from './steadystate.js';
export * from './rate.js';
export * from './thinktime.js';
export * from './lat-target.js';
export * from './workqueue.js';
export * from './rate-submit.js';
export * from './helper-thread.js';
export * from './crc32c.js';
export * from './verify.js';
export * from './thread-data.js';
export * from './ioengines.js';
export * from './memory.js';
export * from './filesetup.js';
export * from './distribution.js';
export * from './io-u-ops.js';
export * from './engines/null.js';
export * from './engines/sync.js';
export * from './engines/libaio.js';
export * from './engines/io-uring.js';
export * from './backend.js';
export * from './fio.js';
