/**
 * GUP flags (`FOLL_*`) of include/linux/mm_types.h (public) and mm/internal.h (internal), Linux 6.18,
 * and `GUP_PIN_COUNTING_BIAS` (include/linux/mm.h).
 * @packageDocumentation
 */

/** Models `FOLL_WRITE` (include/linux/mm_types.h): check the PTE is writable. */
export const FOLL_WRITE = 1 << 0;
/** Models `FOLL_GET` (include/linux/mm_types.h): take a plain reference on each page. */
export const FOLL_GET = 1 << 1;
/** Models `FOLL_DUMP` (include/linux/mm_types.h): give an error on holes (core dumps). */
export const FOLL_DUMP = 1 << 2;
/** Models `FOLL_FORCE` (include/linux/mm_types.h): get_user_pages read/write w/o permission. */
export const FOLL_FORCE = 1 << 3;
/** Models `FOLL_NOWAIT` (include/linux/mm_types.h): if a disk transfer is needed, start the I/O and return without waiting. */
export const FOLL_NOWAIT = 1 << 4;
/** Models `FOLL_NOFAULT` (include/linux/mm_types.h): do not fault in pages. */
export const FOLL_NOFAULT = 1 << 5;
/** Models `FOLL_HWPOISON` (include/linux/mm_types.h): check page is hwpoisoned. */
export const FOLL_HWPOISON = 1 << 6;
/** Models `FOLL_ANON` (include/linux/mm_types.h): don't do file mappings. */
export const FOLL_ANON = 1 << 7;
/** Models `FOLL_LONGTERM` (include/linux/mm_types.h): the pin is long-lived (RDMA, VFIO, io_uring fixed buffers). */
export const FOLL_LONGTERM = 1 << 8;
/** Models `FOLL_SPLIT_PMD` (include/linux/mm_types.h): split huge PMDs before returning. */
export const FOLL_SPLIT_PMD = 1 << 9;
/** Models `FOLL_PCI_P2PDMA` (include/linux/mm_types.h): allow returning PCI P2PDMA pages. */
export const FOLL_PCI_P2PDMA = 1 << 10;
/** Models `FOLL_INTERRUPTIBLE` (include/linux/mm_types.h): allow interrupts from generic signals. */
export const FOLL_INTERRUPTIBLE = 1 << 11;
/** Models `FOLL_HONOR_NUMA_FAULT` (include/linux/mm_types.h): honor NUMA hinting faults. */
export const FOLL_HONOR_NUMA_FAULT = 1 << 12;

/** Models `FOLL_TOUCH` (mm/internal.h, internal only): mark the page accessed. */
export const FOLL_TOUCH = 1 << 16;
/** Models `FOLL_TRIED` (mm/internal.h, internal only): a retry, the previous pass started an I/O. */
export const FOLL_TRIED = 1 << 17;
/** Models `FOLL_REMOTE` (mm/internal.h, internal only): working on a non-current mm. */
export const FOLL_REMOTE = 1 << 18;
/** Models `FOLL_PIN` (mm/internal.h, internal only): pages must be released via `unpin_user_page()`. */
export const FOLL_PIN = 1 << 19;
/** Models `FOLL_FAST_ONLY` (mm/internal.h, internal only): GUP-fast must not fall back to the slow path. */
export const FOLL_FAST_ONLY = 1 << 20;
/** Models `FOLL_UNLOCKABLE` (mm/internal.h, internal only): the mmap lock may be dropped. */
export const FOLL_UNLOCKABLE = 1 << 21;
/** Models `FOLL_MADV_POPULATE` (mm/internal.h, internal only): VMA lookup and checks as MADV_POPULATE_(READ|WRITE). */
export const FOLL_MADV_POPULATE = 1 << 22;
/** Models `INTERNAL_GUP_FLAGS` (mm/internal.h): flags a GUP caller may not pass. */
export const INTERNAL_GUP_FLAGS =
  FOLL_TOUCH | FOLL_TRIED | FOLL_REMOTE | FOLL_PIN | FOLL_FAST_ONLY | FOLL_UNLOCKABLE | FOLL_MADV_POPULATE;

/**
 * Models `GUP_PIN_COUNTING_BIAS` (include/linux/mm.h): what one FOLL_PIN adds to the refcount of a small
 * folio (1024).
 */
export const GUP_PIN_COUNTING_BIAS = 1 << 10;
