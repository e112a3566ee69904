/**
 * GUP: `get_user_pages()` and `pin_user_pages()` and their releases (mm/gup.c) as a service.
 * @packageDocumentation
 */
import type { MmapFile } from './fs.js';
import type { MmStruct } from './mm-struct.js';
import type { RefOwner } from './ref-owner.js';

/** Service identifier of {@link Gup}. */
export const Gup = Symbol.for('stackemu.Gup');

/**
 * The GUP entry points of mm/gup.c, each modelling the kernel function of the same name, with the kernel's
 * argument checks (`is_valid_gup_args()`), return conventions and reference accounting: FOLL_GET adds 1 to
 * the folio refcount; FOLL_PIN adds `GUP_PIN_COUNTING_BIAS` to a small folio, or 1 plus 1 `_pincount` per
 * page to a large one; the zero page is never pinned. `nr_foll_pin_acquired`/`_released` count pages.
 *
 * @remarks Hot path: results are pfns written to `pages[0..n)`; nothing is allocated per page. `owner`
 * defaults to the mm (so a pin left at `mm.exit()` is a leak). A page-cache miss in a file mapping starts
 * the read and ends the walk (as `FOLL_NOWAIT` would): fault the range in first with
 * `mm.faultInReadable/faultInWriteable` when that matters.
 */
export interface Gup {
  /**
   * Models `get_user_pages_fast()` (mm/gup.c): FOLL_GET references, lockless walk then the slow path.
   * @param mm - the address space (the kernel uses `current->mm`)
   * @param start - first user address (rounded down to a page)
   * @param nrPages - pages wanted
   * @param gupFlags - `FOLL_WRITE`, `FOLL_LONGTERM`(invalid here) ...
   * @param pages - receives the pfns
   * @param owner - reference owner (default the mm)
   * @returns pages got (may be short), or -EINVAL (bad flags), -EFAULT (first page unusable), -ENOMEM,
   * -EOVERFLOW (range wraps)
   */
  getUserPagesFast(
    mm: MmStruct,
    start: number,
    nrPages: number,
    gupFlags: number,
    pages: number[],
    owner?: RefOwner,
  ): number;
  /**
   * Models `get_user_pages_fast_only()` (mm/gup.c): the lockless walk only, no faults.
   * @returns pages got (0 if the first page is not present), or -EINVAL
   */
  getUserPagesFastOnly(
    mm: MmStruct,
    start: number,
    nrPages: number,
    gupFlags: number,
    pages: number[],
    owner?: RefOwner,
  ): number;
  /**
   * Models `pin_user_pages_fast()` (mm/gup.c): FOLL_PIN, lockless walk then the slow path.
   * @returns pages pinned (may be short), or -EINVAL (bad flags), -EFAULT, -ENOMEM, -EOVERFLOW,
   * -EOPNOTSUPP (FOLL_LONGTERM on fsdax)
   */
  pinUserPagesFast(
    mm: MmStruct,
    start: number,
    nrPages: number,
    gupFlags: number,
    pages: number[],
    owner?: RefOwner,
  ): number;
  /**
   * Models `get_user_pages()` (mm/gup.c): FOLL_GET (FOLL_TOUCH) slow path with the mmap lock held.
   * @returns pages got (may be short), or -EINVAL, -EFAULT, -ENOMEM, -EOPNOTSUPP
   */
  getUserPages(
    mm: MmStruct,
    start: number,
    nrPages: number,
    gupFlags: number,
    pages: number[] | undefined,
    owner?: RefOwner,
  ): number;
  /**
   * Models `get_user_pages_remote()` (mm/gup.c): as `getUserPages` with FOLL_REMOTE.
   * @returns pages got, or -EINVAL, -EFAULT, -ENOMEM
   */
  getUserPagesRemote(
    mm: MmStruct,
    start: number,
    nrPages: number,
    gupFlags: number,
    pages: number[] | undefined,
    owner?: RefOwner,
  ): number;
  /**
   * Models `get_user_pages_unlocked()` (mm/gup.c).
   * @returns pages got, or -EINVAL, -EFAULT, -ENOMEM
   */
  getUserPagesUnlocked(
    mm: MmStruct,
    start: number,
    nrPages: number,
    pages: number[] | undefined,
    gupFlags: number,
    owner?: RefOwner,
  ): number;
  /**
   * Models `pin_user_pages()` (mm/gup.c): FOLL_PIN slow path (no FOLL_TOUCH). Invalid arguments return 0,
   * as the kernel's does.
   * @returns pages pinned (may be short), 0 (invalid arguments), or -EFAULT, -ENOMEM, -EOPNOTSUPP
   */
  pinUserPages(
    mm: MmStruct,
    start: number,
    nrPages: number,
    gupFlags: number,
    pages: number[],
    owner?: RefOwner,
  ): number;
  /**
   * Models `pin_user_pages_remote()` (mm/gup.c).
   * @returns pages pinned, 0 (invalid arguments), or -errno as `pinUserPages`
   */
  pinUserPagesRemote(
    mm: MmStruct,
    start: number,
    nrPages: number,
    gupFlags: number,
    pages: number[],
    owner?: RefOwner,
  ): number;
  /**
   * Models `pin_user_pages_unlocked()` (mm/gup.c).
   * @returns pages pinned, 0 (invalid arguments), or -errno as `pinUserPages`
   */
  pinUserPagesUnlocked(
    mm: MmStruct,
    start: number,
    nrPages: number,
    pages: number[],
    gupFlags: number,
    owner?: RefOwner,
  ): number;
  /**
   * The page-cache read that made the last GUP call return `-EAGAIN` (a fault found a file folio not yet read),
   * handed out once. The kernel's GUP sleeps inside `faultin_page()` (`VM_FAULT_RETRY`, then a retry with
   * `FOLL_TRIED`); the model's GUP cannot, so a caller that may sleep awaits this (0 or the read's -errno) and
   * calls GUP again.
   */
  takeFaultIo?(): Promise<number> | undefined;
  /**
   * Models `unpin_user_page()` (mm/gup.c): `gup_put_folio(folio, 1, FOLL_PIN)`.
   * @throws PageRefcountUnderflowError if the page holds fewer references than one pin
   */
  unpinUserPage(pfn: number, owner?: RefOwner): void;
  /**
   * Models `unpin_user_pages()` (mm/gup.c): runs of the same folio released together; a negative `n` (a
   * -errno passed by mistake) is ignored with a warning, as the kernel's `WARN_ON(IS_ERR_VALUE(npages))`.
   * Entries < 0 (NULL) are skipped.
   */
  unpinUserPages(pages: readonly number[], n: number, owner?: RefOwner): void;
  /**
   * Models `unpin_user_pages_dirty_lock()` (mm/gup.c): dirties each clean folio (under its lock) when
   * `makeDirty`, then unpins.
   */
  unpinUserPagesDirtyLock(pages: readonly number[], n: number, makeDirty: boolean, owner?: RefOwner): void;
  /**
   * Models `unpin_user_page_range_dirty_lock()` (mm/gup.c): the same over `npages` physically consecutive pages.
   */
  unpinUserPageRangeDirtyLock(pfn: number, npages: number, makeDirty: boolean, owner?: RefOwner): void;
  /** Models `unpin_user_folio()` (mm/gup.c): releases `npages` pins of one folio. */
  unpinUserFolio(pfn: number, npages: number, owner?: RefOwner): void;
  /** Models `unpin_folio()` (mm/gup.c): releases one pin. */
  unpinFolio(pfn: number, owner?: RefOwner): void;
  /** Models `unpin_folios()` (mm/gup.c): runs of identical entries released together; entries < 0 skipped. */
  unpinFolios(folios: readonly number[], n: number, owner?: RefOwner): void;
  /**
   * Models `folio_add_pin()` (mm/gup.c): one more pin on an already pinned folio; no vmstat increment
   * (6.5+); a no-op on the zero page.
   */
  folioAddPin(pfn: number, owner?: RefOwner): void;
  /**
   * Models `folio_maybe_dma_pinned()` (include/linux/mm.h): `_pincount > 0` for a large folio,
   * `refcount >= GUP_PIN_COUNTING_BIAS` (unsigned) for a small one; false for the zero page.
   */
  folioMaybeDmaPinned(pfn: number): boolean;
  /** Models `page_maybe_dma_pinned()` (include/linux/mm.h). */
  pageMaybeDmaPinned(pfn: number): boolean;
  /** Models `folio_is_longterm_pinnable()` (include/linux/mm.h): false for ZONE_MOVABLE folios. */
  folioIsLongtermPinnable(pfn: number): boolean;
  /**
   * Models `memfd_pin_folios()` (mm/gup.c): pins (once each, long-term) the folios of a shmem memfd covering
   * bytes [`start`, `end`], creating missing ones in the page cache and migrating them out of ZONE_MOVABLE.
   * Release with `unpinFolios()`.
   * @param file - the memfd (a shmem file)
   * @param start - first byte
   * @param end - last byte (inclusive)
   * @param folios - receives the folios' pfns
   * @param maxFolios - capacity of `folios`
   * @returns folios pinned, or -EINVAL (not shmem, `start > end`, `end >= i_size`, `maxFolios == 0`), -ENOMEM
   */
  memfdPinFolios(
    file: MmapFile,
    start: number,
    end: number,
    folios: number[],
    maxFolios: number,
    owner?: RefOwner,
  ): number;
}
