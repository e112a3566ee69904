/**
 * The page cache of one file: `struct address_space` (include/linux/fs.h).
 * @packageDocumentation
 */
import type { AddressSpaceOperations } from './fs.js';

/**
 * Models `struct address_space` (include/linux/fs.h): one inode's page cache (`i_pages` xarray with the
 * dirty/writeback/towrite marks), its `a_ops`, and the VMAs mapping it (`i_mmap`).
 * @remarks Created by `Mm.createAddressSpace()`; operated on with the `filemap*`/`folio*` functions.
 * Folios in the page cache are single pages (order 0) in this model.
 */
export interface AddressSpace {
  /** Unique id within the machine (`folio->mapping` identity). */
  readonly id: number;
  /** The owning inode (`mapping->host`), whatever the filesystem passed. */
  readonly host: unknown;
  /** `mapping->a_ops`. */
  readonly aops: AddressSpaceOperations;
  /** True for shmem (no writeback: `mapping_can_writeback()` is false). */
  readonly shmem: boolean;
  /** `mapping->nrpages`. */
  readonly nrpages: number;
  /** `mapping->writeback_index`: where cyclic writeback resumes, in pages. */
  writebackIndex: number;
  /** The file size in bytes (`i_size_read(mapping->host)`), from the size callback given at creation. */
  readonly iSize: number;
  /** `mapping->wb_err` as a plain errno (0 = none): the last writeback error, until reported. */
  wbErr: number;
}
