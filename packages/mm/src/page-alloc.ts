/**
 * The buddy allocator of one zone (mm/page_alloc.c), over pfns only: it never touches page metadata, so a
 * large, mostly unused zone costs nothing.
 * @packageDocumentation
 */
import { MAX_PAGE_ORDER } from './page-types.js';

/** The zones the model has (include/linux/mmzone.h `enum zone_type`, the subset used on x86-64 here). */
export type ZoneName = 'Normal' | 'Movable';

/**
 * Models `struct zone` (include/linux/mmzone.h) with its `free_area[]` buddy lists (mm/page_alloc.c
 * `__rmqueue_smallest()`, `__free_one_page()`).
 *
 * @remarks Memory above `frontier` has never been handed out: it is carved into the largest aligned blocks
 * (at most `MAX_PAGE_ORDER`) on demand, so a zone's initial free lists hold nothing. Free blocks are sets of
 * head pfns per order; allocation takes the oldest block of the smallest order that fits (deterministic).
 */
export class Zone {
  private readonly freeArea: Set<number>[] = [];
  private frontier: number;
  /** Free pages in this zone (`zone_page_state(zone, NR_FREE_PAGES)`). */
  nrFree: number;

  /**
   * @param name - zone name
   * @param startPfn - first pfn (`zone_start_pfn`), a multiple of `MAX_ORDER_NR_PAGES`
   * @param spannedPages - pages in the zone
   */
  constructor(
    readonly name: ZoneName,
    readonly startPfn: number,
    readonly spannedPages: number,
  ) {
    for (let o = 0; o <= MAX_PAGE_ORDER; o++) this.freeArea.push(new Set<number>());
    this.frontier = startPfn;
    this.nrFree = spannedPages;
  }

  /** One past the last pfn. */
  get endPfn(): number {
    return this.startPfn + this.spannedPages;
  }

  /** True if `pfn` belongs to this zone. */
  contains(pfn: number): boolean {
    return pfn >= this.startPfn && pfn < this.endPfn;
  }

  /**
   * Models `__rmqueue_smallest()` + `expand()` (mm/page_alloc.c).
   * @param order - 0..MAX_PAGE_ORDER
   * @returns the head pfn of a free block of `2^order` pages, or -1 if the zone has none
   */
  alloc(order: number): number {
    for (;;) {
      for (let o = order; o <= MAX_PAGE_ORDER; o++) {
        const area = this.freeArea[o] as Set<number>;
        if (area.size === 0) continue;
        let pfn = -1;
        for (const p of area) {
          pfn = p;
          break;
        }
        area.delete(pfn);
        // expand(): give back the upper halves.
        for (let k = o; k > order; k--) (this.freeArea[k - 1] as Set<number>).add(pfn + (1 << (k - 1)));
        this.nrFree -= 1 << order;
        return pfn;
      }
      if (!this.carve()) return -1;
    }
  }

  /**
   * Models `__free_one_page()` (mm/page_alloc.c): returns a block and merges it with free buddies.
   * @param pfn - head pfn of the block
   * @param order - its order
   */
  free(pfn: number, order: number): void {
    this.nrFree += 1 << order;
    let o = order;
    let p = pfn;
    while (o < MAX_PAGE_ORDER) {
      const rel = p - this.startPfn;
      const buddy = this.startPfn + (rel ^ (1 << o));
      const area = this.freeArea[o] as Set<number>;
      if (buddy + (1 << o) > this.frontier || !area.has(buddy)) break;
      area.delete(buddy);
      p = Math.min(p, buddy);
      o++;
    }
    (this.freeArea[o] as Set<number>).add(p);
  }

  /** Cuts the next never-used block off the frontier. @returns false if the zone is exhausted. */
  private carve(): boolean {
    const end = this.endPfn;
    if (this.frontier >= end) return false;
    let o = MAX_PAGE_ORDER;
    const rel = this.frontier - this.startPfn;
    while (o > 0 && ((rel & ((1 << o) - 1)) !== 0 || this.frontier + (1 << o) > end)) o--;
    (this.freeArea[o] as Set<number>).add(this.frontier);
    this.frontier += 1 << o;
    return true;
  }
}
