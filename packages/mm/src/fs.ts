/**
 * The ops tables filesystems implement for the page cache and for mmap (include/linux/fs.h
 * `struct address_space_operations`, include/linux/mm.h `struct vm_operations_struct`), and
 * `struct writeback_control` (include/linux/writeback.h).
 * @packageDocumentation
 */
import type { AddressSpace } from './address-space.js';

/** Models `WB_SYNC_NONE` (include/linux/writeback.h): don't wait on anything. */
export const WB_SYNC_NONE = 0;
/** Models `WB_SYNC_ALL` (include/linux/writeback.h): wait on every mapping (data integrity). */
export const WB_SYNC_ALL = 1;

/**
 * Models `struct writeback_control` (include/linux/writeback.h): what one `writepages` call should write.
 * @remarks `nrToWrite` is decremented by the filesystem (or `writeCachePages`) for each page written.
 */
export interface WritebackControl {
  /** `sync_mode`: `WB_SYNC_NONE` or `WB_SYNC_ALL`. */
  syncMode: number;
  /** `nr_to_write`: pages still to write in this pass. */
  nrToWrite: number;
  /** `pages_skipped`: pages not written. */
  pagesSkipped: number;
  /** `range_start`: first byte. */
  rangeStart: number;
  /** `range_end`: last byte (inclusive). */
  rangeEnd: number;
  /** `range_cyclic`: start at the mapping's `writebackIndex` and wrap. */
  rangeCyclic: boolean;
  /** `for_kupdate`: periodic writeback of expired inodes. */
  forKupdate: boolean;
  /** `for_background`: background writeback (above the background threshold). */
  forBackground: boolean;
  /** `for_reclaim`: writeback from reclaim. */
  forReclaim: boolean;
}

/**
 * Models `struct address_space_operations` (include/linux/fs.h): how the page cache reads and writes one
 * filesystem's folios. Implemented by filesystems; only mm calls these (rule: the owning layer calls ops).
 */
export interface AddressSpaceOperations {
  /**
   * Models `->read_folio()`: fill one folio from storage. Called with the folio locked and not uptodate.
   * Resolve 0 once the data is in the folio (the page cache then marks it uptodate and unlocks it, as
   * `folio_end_read()`), or a negative errno.
   * @param mapping - the file's page cache
   * @param pfn - the folio
   * @param index - its page offset in the file
   */
  readFolio(mapping: AddressSpace, pfn: number, index: number): Promise<number>;
  /**
   * Models `->readahead()` (optional): read a batch readahead added to the page cache — the folios of
   * consecutive file pages from `index`, each locked and not uptodate — in as few I/Os as the layout allows. For
   * every folio call `endRead(pfn, ok)` exactly once, when its data is in or the read failed
   * (`folio_end_read()`): it is then marked uptodate (if `ok`) and unlocked.
   */
  readahead?(
    mapping: AddressSpace,
    index: number,
    pfns: readonly number[],
    endRead: (pfn: number, ok: boolean) => void,
  ): void;
  /**
   * Models `->writepages()`: write dirty folios of `mapping` as `wbc` says; `writeCachePages()` does the
   * tagging, locking and `folio_clear_dirty_for_io()` for a per-folio callback.
   * @returns 0 or a negative errno
   */
  writepages(mapping: AddressSpace, wbc: WritebackControl): Promise<number>;
  /**
   * Models `->dirty_folio()` (optional): called by `folioMarkDirty()`; default `filemap_dirty_folio()`.
   * @returns true if the folio was newly dirtied
   */
  dirtyFolio?(mapping: AddressSpace, pfn: number): boolean;
  /**
   * Models `->release_folio()` (optional): try to drop the folio's private data (buffer heads) before it
   * leaves the page cache or when reclaim asks. @returns true if the folio may be freed
   */
  releaseFolio?(mapping: AddressSpace, pfn: number): boolean;
  /**
   * Models `->invalidate_folio()` (optional): part or all of the folio is being truncated.
   */
  invalidateFolio?(mapping: AddressSpace, pfn: number, offset: number, length: number): void;
}

/**
 * Models `struct vm_operations_struct` (include/linux/mm.h), the members the fault paths call.
 */
export interface VmOperationsStruct {
  /**
   * Models `->page_mkwrite()` (optional): a shared file page is about to become writable (allocate blocks,
   * attach buffers). Its presence makes shared writable mappings dirty-tracked.
   * @returns 0, or a negative errno (the fault fails with SIGBUS, GUP with -EFAULT)
   */
  pageMkwrite?(file: MmapFile, pfn: number, index: number): number;
}

/**
 * What `mmap()` of a file receives (the parts of `struct file` mm uses): its page cache and how it may be
 * mapped. vfs's `File` provides it.
 */
export interface MmapFile {
  /** The file's page cache (`file->f_mapping`). */
  readonly mapping: AddressSpace;
  /** True for shmem/tmpfs/memfd files (`shmem_file()`): no writeback, long-term pinnable. */
  readonly shmem?: boolean;
  /** `file->f_op->mmap`'s `vma->vm_ops`. */
  readonly vmOps?: VmOperationsStruct;
  /** False if the file is not open for writing (`!(f_mode & FMODE_WRITE)`): no `VM_MAYWRITE` on shared maps. */
  readonly mayWrite?: boolean;
  /** True for an fsdax file (`vma_is_fsdax()`). */
  readonly dax?: boolean;
}
