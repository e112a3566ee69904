/**
 * shmem files (mm/shmem.c): page-cache folios created zero-filled on fault, never written back (no swap).
 * @internal
 * @packageDocumentation
 */
import type { AddressSpaceOperations } from '../fs.js';

/** Models `shmem_aops` (mm/shmem.c): reads produce zeros; with no swap configured, writeback keeps folios dirty. */
export const shmemAops: AddressSpaceOperations = Object.freeze({
  readFolio(): Promise<number> {
    return Promise.resolve(0);
  },
  writepages(): Promise<number> {
    return Promise.resolve(0);
  },
});
