/**
 * Page-cache reclaim: the file LRU and kswapd (mm/vmscan.c), with the zone watermarks of mm/page_alloc.c.
 * @internal
 * @packageDocumentation
 */
import type { MmCore } from './mm-core.js';
import { PG_dirty, PG_locked, PG_lru, PG_referenced, PG_writeback } from './page-flags.js';

/**
 * Models `min_free_kbytes` (mm/page_alloc.c `calculate_min_free_kbytes()`): `int_sqrt(lowmem_kbytes * 16)`,
 * clamped to [128 KiB, 256 MiB], in pages.
 */
export function minFreePages(totalPages: number): number {
  const kib = Math.min(Math.max(Math.floor(Math.sqrt(totalPages * 4 * 16)), 128), 262_144);
  return Math.floor(kib / 4);
}

/**
 * The zone watermarks of `__setup_per_zone_wmarks()` (mm/page_alloc.c) for the whole of memory, in pages:
 * min, then low and high spaced by `max(min / 4, managed * watermark_scale_factor / 10000)` with the default
 * `watermark_scale_factor` of 10.
 */
export interface Watermarks {
  readonly min: number;
  readonly low: number;
  readonly high: number;
}

/** Computes {@link Watermarks} for `totalPages` of memory. */
export function watermarks(totalPages: number): Watermarks {
  const min = minFreePages(totalPages);
  const gap = Math.max(Math.floor(min / 4), Math.floor((totalPages * 10) / 10_000));
  return { min, low: min + gap, high: min + 2 * gap };
}

/**
 * The file LRU and kswapd of one machine.
 *
 * @remarks The kernel keeps inactive and active file lists and ages folios between them; this model keeps one
 * list in insertion order with a second chance for `PG_referenced` folios (CLOCK), which reclaims the same
 * folios for streaming access and keeps re-read ones. kswapd runs when an allocation would take free memory
 * below the low watermark and reclaims until the high watermark, inline and in no virtual time (the kernel's
 * kswapd runs on another CPU). Only clean, unlocked, unmapped folios that nobody but the page cache references
 * are reclaimed (`folio_ref_freeze(folio, 1 + nr)` in `__remove_mapping()` fails on any other reference, so a
 * pinned folio is never reclaimed); mapped folios are kept (no `try_to_unmap()`), dirty ones make kswapd wake the
 * flusher (`wakeup_flusher_threads(WB_REASON_VMSCAN)`), shmem has no swap and stays.
 */
export class Vmscan {
  /** Heads of the page-cache folios of writeback-capable mappings, oldest first. */
  private readonly lru = new Set<number>();
  readonly wmark: Watermarks;
  private running = false;
  /** Set by the wiring: wakes the flusher when reclaim meets dirty folios. */
  wakeFlusher: (() => void) | undefined;

  constructor(private readonly core: MmCore) {
    this.wmark = watermarks(core.mem.totalPages);
  }

  /** Folios on the LRU. */
  get size(): number {
    return this.lru.size;
  }

  /** Models `folio_add_lru()`. */
  add(head: number): void {
    this.lru.add(head);
    this.core.mem.setPageFlag(head, PG_lru);
  }

  /** Models `lruvec_del_folio()` when a folio leaves the page cache. */
  del(head: number): void {
    if (this.lru.delete(head)) this.core.mem.clearPageFlag(head, PG_lru);
  }

  /**
   * Models `wakeup_kswapd()` + `balance_pgdat()`: if taking `nr` pages would leave free memory below the low
   * watermark, reclaims until it is above the high watermark or nothing more can be reclaimed.
   */
  maybeReclaim(nr: number): void {
    const vm = this.core.vm;
    if (this.running || vm.nrFreePages.value - nr >= this.wmark.low) return;
    this.running = true;
    try {
      this.shrink(this.wmark.high + nr - vm.nrFreePages.value);
    } finally {
      this.running = false;
    }
  }

  /**
   * Models `shrink_inactive_list()` → `shrink_folio_list()`: scans from the oldest folio, giving referenced
   * folios a second chance, and frees clean unreferenced ones.
   * @param target - pages to free
   * @returns pages freed
   */
  shrink(target: number): number {
    const core = this.core;
    const mem = core.mem;
    const vm = core.vm;
    let freed = 0;
    let sawDirty = false;
    // One full revolution at most: every folio is looked at, referenced ones twice.
    let budget = 2 * this.lru.size;
    while (freed < target && budget-- > 0) {
      const first = this.lru.values().next();
      if (first.done === true) break;
      const head = first.value;
      vm.pgscanKswapd.value++;
      const f = mem.pageFlags(head);
      const busy =
        (f & (PG_dirty | PG_writeback | PG_locked)) !== 0 ||
        mem.pageRefcount(head) !== 1 ||
        mem.folioMapcount(head) > 0;
      if ((f & PG_referenced) !== 0 || busy) {
        if ((f & PG_referenced) !== 0) mem.clearPageFlag(head, PG_referenced);
        if ((f & PG_dirty) !== 0) sawDirty = true;
        // Rotate to the tail (`folio_putback_lru()` / `folio_rotate_reclaimable()`).
        this.lru.delete(head);
        this.lru.add(head);
        continue;
      }
      const mapping = core.mappings.get(mem.folioMappingId(head));
      if (mapping === undefined) {
        this.del(head);
        continue;
      }
      const nr = mem.folioNrPages(head);
      mapping.remove(head);
      vm.pgstealKswapd.value += nr;
      freed += nr;
    }
    if (sawDirty) this.wakeFlusher?.();
    return freed;
  }
}
