/**
 * The pin sanitizer's service interface.
 * @packageDocumentation
 */
import type { RefOwner } from './ref-owner.js';
import type { SanitizerFinding } from './sanitizer-finding.js';

/** Page references attributed to one owner (see `Sanitizer.heldBy()`). */
export interface HeldRefs {
  /** FOLL_GET-style references (`get_user_pages*`, `getPage`, `allocPages`, `filemapGetFolio`), in pages. */
  readonly get: number;
  /** FOLL_PIN references, in pages. */
  readonly pin: number;
}

/** Service identifier of {@link Sanitizer}. */
export const Sanitizer = Symbol.for('stackemu.Sanitizer');

/**
 * The pin sanitizer: stackemu's checker of the FOLL_GET/FOLL_PIN release rules of mm/gup.c and
 * Documentation/core-api/pin_user_pages.rst (the kernel has no such checker; `CONFIG_DEBUG_VM`'s
 * `sanity_check_pinned_pages()` is the nearest thing).
 *
 * @remarks With mm param `sanitizer` on (the default), every reference handed out by GUP, `getPage`,
 * `allocPages` and `filemapGetFolio` carries its kind, owner and call site; misuse is reported as a
 * {@link SanitizerFinding}, a `mm:pin_sanitizer` tracepoint event and a counter (group `sanitizer`, named
 * after the finding kind). Off, it costs one branch per operation and reports nothing.
 */
export interface Sanitizer {
  /** True when the sanitizer records references (mm param `sanitizer`). */
  readonly enabled: boolean;
  /**
   * The hook a DMA engine calls for each page it accesses: reports `dma_no_ref` when nobody holds a reference
   * on the page (and it is not under page-cache I/O), and remembers a DMA write into a clean file page so that
   * releasing it without re-dirtying reports `dma_after_writeback_clean`.
   * @param pfn - the page accessed
   * @param write - true if the device writes memory (DMA_FROM_DEVICE)
   * @param who - the DMA engine's name, for the report
   */
  checkDma(pfn: number, write: boolean, who: string): void;
  /**
   * Tells the sanitizer `owner` has ended (its I/O completed, its process exited): every reference still
   * attributed to it is reported (`pin_leak`, `ref_leak`). The references stay held (as in the kernel).
   * @param owner - the owner that ended
   */
  ownerEnded(owner: RefOwner): void;
  /** Every finding so far, oldest first (at most 10 000 are kept; counters keep counting). */
  findings(): readonly SanitizerFinding[];
  /** Forgets the findings list (counters are not reset). */
  clearFindings(): void;
  /**
   * References the sanitizer attributes to `owner` right now.
   * @param owner - an owner
   * @returns `{ get, pin }` page counts
   */
  heldBy(owner: RefOwner): HeldRefs;
}
