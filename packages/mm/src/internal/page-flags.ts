/**
 * Page flag bits of the model (the kernel's `enum pageflags` in include/linux/page-flags.h, plus the bits the
 * kernel keeps elsewhere: `PAGE_MAPPING_ANON` in `folio->mapping`, `PG_anon_exclusive`, `PG_buddy` in the
 * page type). Bit positions are the model's own: they never leave the package.
 * @internal
 * @packageDocumentation
 */

/** `PG_locked`: the folio is locked (I/O in progress, truncate). */
export const PG_locked = 1 << 0;
/** `PG_referenced`. */
export const PG_referenced = 1 << 1;
/** `PG_uptodate`: the folio's data is valid. */
export const PG_uptodate = 1 << 2;
/** `PG_dirty`. */
export const PG_dirty = 1 << 3;
/** `PG_lru`. */
export const PG_lru = 1 << 4;
/** `PG_head`: first page of a large folio. */
export const PG_head = 1 << 5;
/** `PG_writeback`. */
export const PG_writeback = 1 << 6;
/** `PG_reserved`: the zero page. */
export const PG_reserved = 1 << 7;
/** `PG_private`: the filesystem attached private data (buffer heads). */
export const PG_private = 1 << 8;
/** `PG_swapbacked`: anon or shmem. */
export const PG_swapbacked = 1 << 9;
/** `PAGE_MAPPING_ANON` (folio_test_anon). */
export const PG_anon = 1 << 10;
/** `PG_anon_exclusive` (per page). */
export const PG_anon_exclusive = 1 << 11;
/** `PG_buddy` (page type): free in the buddy allocator. */
export const PG_buddy = 1 << 12;
/** `PG_tail` (derived in the kernel from `compound_head`): a tail page of a large folio. */
export const PG_tail = 1 << 13;
/** `PG_active`. */
export const PG_active = 1 << 14;
/** `PG_mappedtodisk` (PG_owner_2): blocks are allocated on disk. */
export const PG_mappedtodisk = 1 << 15;
/** `PG_error` (historic): the last I/O on the folio failed. */
export const PG_error = 1 << 16;
/** `PG_reclaim`. */
export const PG_reclaim = 1 << 17;
/** Page cache tag `PAGECACHE_TAG_TOWRITE` kept on the page for speed. */
export const PG_towrite = 1 << 18;
