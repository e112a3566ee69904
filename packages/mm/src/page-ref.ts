/**
 * The error raised when a page reference count would go negative.
 * @packageDocumentation
 */

/**
 * Models the kernel's `VM_BUG_ON_FOLIO(folio_ref_count(folio) <= 0)` / "page refcount underflow" checks
 * (include/linux/page_ref.h, mm/gup.c `gup_put_folio()`): a release that would take a folio's refcount
 * (or a large folio's `_pincount`) below zero. The kernel would free the page early (use-after-free); the
 * model refuses the release, leaves the counts unchanged, and throws.
 */
export class PageRefcountUnderflowError extends Error {
  /** The error class's name. */
  override readonly name = 'PageRefcountUnderflowError';

  /**
   * @param pfn - the page released
   * @param refcount - the folio's refcount before the release
   * @param delta - what the release would have subtracted
   * @param what - the releasing function (`unpin_user_page`)
   */
  constructor(
    readonly pfn: number,
    readonly refcount: number,
    readonly delta: number,
    what: string,
  ) {
    super(`mm: ${what}: refcount underflow on pfn ${pfn} (refcount ${refcount}, release of ${delta})`);
  }
}
