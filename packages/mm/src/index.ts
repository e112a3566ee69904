/**
 * `@stackemu/mm`: the memory-management model — physical pages and folios in lazily allocated sections,
 * the buddy allocator, process address spaces with faults, fork/COW and `PageAnonExclusive`, GUP and pins
 * (mm/gup.c), the page cache with writeback and a flusher in virtual time, `/proc/vmstat` counters, and the
 * pin sanitizer.
 * @packageDocumentation
 */
export * from './page-types.js';
export * from './mm-types.js';
export * from './mman.js';
export * from './gfp.js';
export * from './vm-flags.js';
export * from './ref-owner.js';
export * from './page-ref.js';
export * from './phys-mem.js';
export * from './page-alloc.js';
export * from './mm-struct.js';
export * from './gup.js';
export * from './sanitizer.js';
export * from './sanitizer-finding.js';
export * from './address-space.js';
export * from './fs.js';
export * from './filemap.js';
export * from './truncate.js';
export * from './page-writeback.js';
export * from './rmap.js';
export * from './flusher.js';
export * from './vmstat.js';
export * from './trace/mm.js';
export * from './mm-params.js';
export { mmModule } from './mm-module.js';
export * from './mm-plugin.js';
