/**
 * Physical memory as the rest of the stack sees it: page frames by pfn, their bytes, their references.
 * @packageDocumentation
 */
import type { RefOwner } from './ref-owner.js';

/** What the memory model allocated for itself (see `PhysMem.memoryFootprint()`). */
export interface MemoryFootprint {
  /** Bytes of page-metadata sections (allocated on first touch, 128 MiB of memory each). */
  readonly metadataBytes: number;
  /** Bytes of page-data slabs (allocated on first write; freed pages' slots are reused). */
  readonly dataBytes: number;
}

/** Service identifier of {@link PhysMem}. */
export const PhysMem = Symbol.for('stackemu.PhysMem');

/**
 * Models physical memory: the `mem_map` of `struct page` (include/linux/mm_types.h) kept as struct-of-arrays
 * in sparse sections, the page allocator (mm/page_alloc.c) and the bytes of each page frame.
 *
 * @remarks A page is its pfn; physical address = `pfn * PAGE_SIZE`. Metadata sections are allocated on first
 * touch and page data on first write, so a 64 GiB machine costs what it touches. `read`/`write` are what
 * device DMA uses.
 */
export interface PhysMem {
  /** Pages of memory configured (`totalram_pages()`). */
  readonly totalPages: number;
  /** The pfn of the shared zero page (`my_zero_pfn()`, include/linux/pgtable.h). */
  readonly zeroPfn: number;
  /**
   * Virtual nanoseconds a CPU copy of one byte takes (the inverse of the mm param `copy_bandwidth`): what code
   * modelling a CPU copy of user data charges, e.g. the `copy_page_to_iter()`/`copy_page_from_iter()` of buffered
   * reads and writes. DMA does not use it (devices have their own timing).
   */
  readonly copyNsPerByte: number;
  /**
   * Copies `len` bytes at physical address `paddr` into `dst` (DMA to the device). May cross pages; pages
   * never written read as zeros.
   * @param paddr - physical byte address
   * @param dst - destination buffer
   * @param dstOff - offset in `dst`
   * @param len - bytes
   */
  read(paddr: number, dst: Uint8Array, dstOff: number, len: number): void;
  /**
   * Copies `len` bytes from `src` to physical address `paddr` (DMA from the device). May cross pages; a page's
   * data is allocated on its first write. Writes to the shared zero page are dropped (and reported by the
   * sanitizer).
   * @param paddr - physical byte address
   * @param src - source buffer
   * @param srcOff - offset in `src`
   * @param len - bytes
   */
  write(paddr: number, src: Uint8Array, srcOff: number, len: number): void;
  /**
   * Models `page_ref_count(page)` on the page's folio, i.e. `folio_ref_count(page_folio(page))`
   * (include/linux/page_ref.h).
   * @param pfn - any page of the folio
   * @returns the folio's reference count (0 for a free page)
   */
  pageRefcount(pfn: number): number;
  /**
   * Models `page_folio()` (include/linux/page-flags.h).
   * @param pfn - any page
   * @returns the pfn of the folio's head page
   */
  folioHead(pfn: number): number;
  /**
   * Models `folio_order()` (include/linux/mm.h).
   * @param pfn - any page of the folio
   * @returns the folio's order (0 for a small folio)
   */
  folioOrder(pfn: number): number;
  /**
   * Models `folio->_pincount` (include/linux/mm_types.h), read with `atomic_read`.
   * @param pfn - any page of the folio
   * @returns the pin count of a large folio; for a small folio `refcount / GUP_PIN_COUNTING_BIAS` rounded down
   * (what `folio_maybe_dma_pinned()` can tell)
   */
  folioPincount(pfn: number): number;
  /**
   * Models `folio_mapcount()` (include/linux/mm.h).
   * @param pfn - any page of the folio
   * @returns how many page-table entries map the folio (a PMD mapping counts once per page)
   */
  folioMapcount(pfn: number): number;
  /**
   * Models `is_zero_pfn()` (include/linux/pgtable.h).
   * @param pfn - any page
   * @returns true for the shared zero page
   */
  isZeroPage(pfn: number): boolean;
  /**
   * Models `PageAnon()` (include/linux/page-flags.h).
   * @param pfn - any page
   * @returns true if the page's folio is anonymous
   */
  pageAnon(pfn: number): boolean;
  /**
   * Models `PageAnonExclusive()` (include/linux/page-flags.h).
   * @param pfn - a page of an anonymous folio
   * @returns the page's exclusive bit (for a PMD-mapped THP the head's bit covers the whole folio)
   */
  pageAnonExclusive(pfn: number): boolean;
  /**
   * Models `PageDirty()` / `folio_test_dirty()` (include/linux/page-flags.h).
   * @param pfn - any page of the folio
   * @returns true if the folio is dirty
   */
  pageDirty(pfn: number): boolean;
  /**
   * Models `PageWriteback()` / `folio_test_writeback()` (include/linux/page-flags.h).
   * @param pfn - any page of the folio
   * @returns true if the folio is under writeback
   */
  pageWriteback(pfn: number): boolean;
  /**
   * Models `PageLocked()` / `folio_test_locked()` (include/linux/page-flags.h).
   * @param pfn - any page of the folio
   * @returns true if the folio is locked
   */
  pageLocked(pfn: number): boolean;
  /**
   * Models `PageUptodate()` / `folio_test_uptodate()` (include/linux/page-flags.h).
   * @param pfn - any page of the folio
   * @returns true if the folio's data is valid
   */
  pageUptodate(pfn: number): boolean;
  /**
   * Models `page_zonenum()` (include/linux/mm.h), named.
   * @param pfn - any page
   * @returns `"Normal"` or `"Movable"`
   */
  pageZone(pfn: number): 'Normal' | 'Movable';
  /**
   * Models `set_page_dirty_lock()` (mm/page-writeback.c): dirties the page's folio under the folio lock; for a
   * page-cache folio this is `folio_mark_dirty()` (tags, `nr_dirty`, the filesystem's `dirtyFolio`), for an
   * anonymous one it sets the flag.
   * @param pfn - any page of the folio
   */
  setPageDirtyLock(pfn: number): void;
  /**
   * Models `get_page()` / `folio_get()` (include/linux/mm.h): one more reference on the page's folio.
   * @param pfn - any page of an allocated folio
   * @param owner - who holds the reference (sanitizer attribution)
   * @throws Errno EFAULT if the page is free (the kernel's `VM_BUG_ON_FOLIO(folio_ref_zero_or_close_to_overflow())`)
   */
  getPage(pfn: number, owner?: RefOwner): void;
  /**
   * Models `put_page()` / `folio_put()` (include/linux/mm.h): drops one reference; the folio is freed when the
   * count reaches 0. Releasing a FOLL_PIN this way is the bug the sanitizer reports as `put_page_on_pin`.
   * @param pfn - any page of the folio
   * @param owner - who held the reference
   * @throws PageRefcountUnderflowError if the refcount is already 0
   */
  putPage(pfn: number, owner?: RefOwner): void;
  /**
   * Models `alloc_pages()` (mm/page_alloc.c): a folio of `2^order` pages with refcount 1 (a large folio for
   * order > 0), from ZONE_MOVABLE first when `gfp` has `__GFP_MOVABLE`, else from ZONE_NORMAL.
   * @param order - 0..MAX_PAGE_ORDER
   * @param gfp - allocation flags (default `GFP_KERNEL`)
   * @param owner - who holds the reference returned
   * @returns the head pfn, or -ENOMEM when no zone has a free block, or -EINVAL for a bad order
   */
  allocPages(order: number, gfp?: number, owner?: RefOwner): number;
  /** Free pages in all zones (`nr_free_pages`). */
  nrFreePages(): number;
  /**
   * What the model itself allocated for memory (stackemu's own accounting, no kernel counterpart): bytes of
   * page metadata sections and of page-data slabs.
   */
  memoryFootprint(): MemoryFootprint;
}
