/**
 * What the pin sanitizer reports.
 * @packageDocumentation
 */

/**
 * The kinds of misuse the pin sanitizer reports (stackemu's own checker, modelled on the rules of
 * Documentation/core-api/pin_user_pages.rst and the `put_page`/`unpin_user_page` contracts of mm/gup.c).
 *
 * - `put_page_on_pin`: `put_page()` on a page that holds FOLL_PIN references but no FOLL_GET one.
 * - `unpin_of_get`: `unpin_user_page()` on a page that holds FOLL_GET references but no pin.
 * - `unpin_unpinned`: an unpin of a page that holds no references the sanitizer knows of.
 * - `refcount_underflow`: a release that would take the refcount (or a large folio's pincount) below 0.
 * - `pin_leak`: a pin still held when its owner ended (I/O completion, process exit).
 * - `ref_leak`: a FOLL_GET reference still held when its owner ended.
 * - `dma_no_ref`: DMA to or from a page nobody holds a reference on (and not under page-cache I/O).
 * - `dma_after_writeback_clean`: DMA wrote a file page that writeback had cleaned, and the page was released
 *   without being re-dirtied: the write is lost.
 * - `stranded_pin`: COW replaced a page in the page table of the mm it was pinned from, at the address it
 *   was pinned at: the pin no longer sees what the process writes.
 * - `dma_write_zero_page`: DMA tried to write the shared zero page (dropped).
 */
export type SanitizerFindingKind =
  | 'put_page_on_pin'
  | 'unpin_of_get'
  | 'unpin_unpinned'
  | 'refcount_underflow'
  | 'pin_leak'
  | 'ref_leak'
  | 'dma_no_ref'
  | 'dma_after_writeback_clean'
  | 'stranded_pin'
  | 'dma_write_zero_page';

/** Every finding kind, in a fixed order (counter registration). */
export const SANITIZER_FINDING_KINDS: readonly SanitizerFindingKind[] = [
  'put_page_on_pin',
  'unpin_of_get',
  'unpin_unpinned',
  'refcount_underflow',
  'pin_leak',
  'ref_leak',
  'dma_no_ref',
  'dma_after_writeback_clean',
  'stranded_pin',
  'dma_write_zero_page',
];

/**
 * One sanitizer report: which page, which reference (where it was taken) and who misused it.
 * @remarks A plain-data snapshot, also the payload of tracepoint `mm:pin_sanitizer`.
 */
export interface SanitizerFinding {
  /** What went wrong. */
  readonly kind: SanitizerFindingKind;
  /** The page (pfn) concerned. */
  readonly pfn: number;
  /** Virtual time (ns) of the report. */
  readonly timeNs: number;
  /** One line: kind, page, origin and offender. */
  readonly message: string;
  /** Where the reference concerned was taken (`"pin_user_pages_fast by bio#3"`), if there is one. */
  readonly origin?: string;
  /** Who did the wrong thing (`"put_page by bio#3"`, the DMA engine's name, the owner that ended). */
  readonly offender: string;
  /** The JS call stack that took the reference, when the sanitizer records stacks. */
  readonly originStack?: string;
  /** The JS call stack of the offending call, when the sanitizer records stacks. */
  readonly offenderStack?: string;
}
