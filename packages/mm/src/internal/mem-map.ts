/**
 * The model's `mem_map`: struct-of-arrays page metadata in lazily allocated sections, page data in slabs
 * allocated on first write, and the zones' buddy allocators.
 * @internal
 * @packageDocumentation
 */
import { EFAULT, EINVAL, ENOMEM, Errno, SlabPool, type Topic } from '@stackemu/core';
import { __GFP_MOVABLE, GFP_KERNEL } from '../gfp.js';
import { GUP_PIN_COUNTING_BIAS } from '../mm-types.js';
import { Zone } from '../page-alloc.js';
import { PageRefcountUnderflowError } from '../page-ref.js';
import {
  MAX_ORDER_NR_PAGES,
  MAX_PAGE_ORDER,
  PAGE_SHIFT,
  PAGE_SIZE,
  PAGES_PER_SECTION,
  PFN_SECTION_SHIFT,
} from '../page-types.js';
import type { MemoryFootprint, PhysMem } from '../phys-mem.js';
import type { RefOwner } from '../ref-owner.js';
import type { PageAllocEntry } from '../trace/mm.js';
import type { Vmstat } from '../vmstat.js';
import {
  PG_anon,
  PG_anon_exclusive,
  PG_dirty,
  PG_head,
  PG_locked,
  PG_reserved,
  PG_tail,
  PG_uptodate,
  PG_writeback,
} from './page-flags.js';
import type { PinSanitizer } from './pin-sanitizer.js';

const SECTION_MASK = PAGES_PER_SECTION - 1;
/** Pages per data slab (1 MiB). */
const SLAB_SHIFT = 8;
const SLAB_PAGES = 1 << SLAB_SHIFT;
const SLAB_MASK = SLAB_PAGES - 1;
/** Bytes of one {@link MemSection}'s arrays. */
const SECTION_BYTES = PAGES_PER_SECTION * (4 * 7 + 1 + 2 + 8);

/**
 * Models `struct mem_section` (include/linux/mmzone.h): the metadata of `PAGES_PER_SECTION` pages as parallel
 * typed arrays. Head-only fields (refcount, order, pincount, mapping, index) are meaningful at the folio head.
 */
export class MemSection {
  /** `folio->_refcount` (head). */
  readonly refcount = new Int32Array(PAGES_PER_SECTION);
  /** Page flags (`PG_*` of the model). */
  readonly flags = new Int32Array(PAGES_PER_SECTION);
  /** PTE mappings of this page (`page->_mapcount + 1`). */
  readonly mapcount = new Int32Array(PAGES_PER_SECTION);
  /** PMD mappings of the folio (`folio->_entire_mapcount + 1`, head). */
  readonly entireMapcount = new Int32Array(PAGES_PER_SECTION);
  /** `folio->_pincount` (head of a large folio). */
  readonly pincount = new Int32Array(PAGES_PER_SECTION);
  /** `folio_order()` (head). */
  readonly order = new Uint8Array(PAGES_PER_SECTION);
  /** Index of the page within its folio (0 for heads and small folios). */
  readonly tail = new Uint16Array(PAGES_PER_SECTION);
  /** Address-space id of `folio->mapping` (head; 0 = none). */
  readonly mapping = new Int32Array(PAGES_PER_SECTION);
  /** `folio->index` (head): page offset in the file, or the virtual page number of an anon folio. */
  readonly index = new Float64Array(PAGES_PER_SECTION);
  /** Data slot + 1 (0 = never written: reads as zeros). */
  readonly slot = new Int32Array(PAGES_PER_SECTION);
}

/** What the page cache gives the memory map (set once by the wiring). */
export interface MemMapPageCacheHooks {
  /** `folio_mark_dirty()` on a page-cache folio. */
  markDirty(head: number): void;
}

/**
 * The physical memory of one machine: sections, slabs and zones. Implements {@link PhysMem}; mm-internal code
 * uses its extra methods.
 */
export class MemMap implements PhysMem {
  readonly totalPages: number;
  readonly zeroPfn: number;
  /** Set by the wiring from the `copy_bandwidth` param (0: copies take no virtual time). */
  copyNsPerByte = 0;
  readonly zones: readonly Zone[];
  private readonly normal: Zone;
  private readonly movable: Zone | undefined;
  private readonly sections: (MemSection | undefined)[];
  private readonly slabs: Uint8Array[] = [];
  private readonly freeSlots: number[] = [];
  private nextSlot = 0;
  /** Set by the wiring: the pin sanitizer, or undefined when it is off. */
  san: PinSanitizer | undefined;
  /** Set by the wiring: page-cache callbacks. */
  pageCache: MemMapPageCacheHooks | undefined;
  /** Set by the wiring: kswapd, woken by allocations that would go below the low watermark. */
  reclaim: { maybeReclaim(nr: number): void } | undefined;
  /** Set by the wiring: live tracepoints. */
  tpAlloc: Topic<PageAllocEntry> | undefined;
  tpFree: Topic<PageAllocEntry> | undefined;

  /**
   * @param memBytes - memory size (a multiple of 4 MiB)
   * @param movableBytes - the size of ZONE_MOVABLE at the top of memory (`movablecore=`), a multiple of 4 MiB
   * @param vm - vmstat counters
   */
  constructor(
    memBytes: number,
    movableBytes: number,
    readonly vm: Vmstat,
  ) {
    const total = Math.floor(memBytes / PAGE_SIZE);
    const movablePages = Math.floor(movableBytes / PAGE_SIZE);
    if (total % MAX_ORDER_NR_PAGES !== 0 || total <= 0) {
      throw new Errno(EINVAL, `mm: memory size ${memBytes} must be a positive multiple of 4 MiB`);
    }
    if (movablePages % MAX_ORDER_NR_PAGES !== 0 || movablePages >= total) {
      throw new Errno(EINVAL, `mm: movablecore ${movableBytes} must be a multiple of 4 MiB below the memory size`);
    }
    this.totalPages = total;
    this.sections = new Array<MemSection | undefined>(Math.ceil(total / PAGES_PER_SECTION)).fill(undefined);
    this.normal = new Zone('Normal', 0, total - movablePages);
    this.movable = movablePages > 0 ? new Zone('Movable', total - movablePages, movablePages) : undefined;
    this.zones = this.movable ? [this.normal, this.movable] : [this.normal];
    vm.nrFreePages.value += total;
    // The shared zero page: a reserved page of ZONE_NORMAL that nobody frees.
    const z = this.normal.alloc(0);
    vm.nrFreePages.value -= 1;
    const s = this.section(z);
    s.refcount[z & SECTION_MASK] = 1;
    s.flags[z & SECTION_MASK] = PG_reserved | PG_uptodate;
    this.zeroPfn = z;
  }

  // ---- sections -------------------------------------------------------------------------------------------

  /** The section of `pfn`, allocated on first touch. */
  section(pfn: number): MemSection {
    const n = pfn >>> PFN_SECTION_SHIFT;
    let s = this.sections[n];
    if (s === undefined) {
      if (pfn < 0 || pfn >= this.totalPages) throw new Errno(EFAULT, `mm: pfn ${pfn} is outside memory`);
      s = new MemSection();
      this.sections[n] = s;
    }
    return s;
  }

  /** The section of `pfn` if it was ever touched. */
  sectionIfPresent(pfn: number): MemSection | undefined {
    return this.sections[pfn >>> PFN_SECTION_SHIFT];
  }

  /** Sections allocated so far (memory accounting). */
  sectionsPresent(): number {
    let n = 0;
    for (const s of this.sections) if (s !== undefined) n++;
    return n;
  }

  // ---- queries --------------------------------------------------------------------------------------------

  folioHead(pfn: number): number {
    const s = this.sections[pfn >>> PFN_SECTION_SHIFT];
    return s === undefined ? pfn : pfn - (s.tail[pfn & SECTION_MASK] as number);
  }

  folioOrder(pfn: number): number {
    const h = this.folioHead(pfn);
    const s = this.sections[h >>> PFN_SECTION_SHIFT];
    return s === undefined ? 0 : (s.order[h & SECTION_MASK] as number);
  }

  /** Pages in the folio of `pfn`. */
  folioNrPages(pfn: number): number {
    return 1 << this.folioOrder(pfn);
  }

  pageRefcount(pfn: number): number {
    const h = this.folioHead(pfn);
    const s = this.sections[h >>> PFN_SECTION_SHIFT];
    return s === undefined ? 0 : (s.refcount[h & SECTION_MASK] as number);
  }

  folioPincount(pfn: number): number {
    const h = this.folioHead(pfn);
    const s = this.sections[h >>> PFN_SECTION_SHIFT];
    if (s === undefined) return 0;
    const i = h & SECTION_MASK;
    if ((s.order[i] as number) > 0) return s.pincount[i] as number;
    return Math.floor((s.refcount[i] as number) / GUP_PIN_COUNTING_BIAS);
  }

  folioMapcount(pfn: number): number {
    const h = this.folioHead(pfn);
    const s = this.sections[h >>> PFN_SECTION_SHIFT];
    if (s === undefined) return 0;
    const i = h & SECTION_MASK;
    const nr = 1 << (s.order[i] as number);
    let m = (s.entireMapcount[i] as number) * nr;
    for (let k = 0; k < nr; k++) m += s.mapcount[i + k] as number;
    return m;
  }

  /** `page_mapcount()`-like: PTE mappings of this page plus PMD mappings of its folio. */
  pageMapcount(pfn: number): number {
    const s = this.sections[pfn >>> PFN_SECTION_SHIFT];
    if (s === undefined) return 0;
    const h = pfn - (s.tail[pfn & SECTION_MASK] as number);
    return (s.mapcount[pfn & SECTION_MASK] as number) + (this.section(h).entireMapcount[h & SECTION_MASK] as number);
  }

  isZeroPage(pfn: number): boolean {
    return pfn === this.zeroPfn;
  }

  /** Flags of the page itself. */
  pageFlags(pfn: number): number {
    const s = this.sections[pfn >>> PFN_SECTION_SHIFT];
    return s === undefined ? 0 : (s.flags[pfn & SECTION_MASK] as number);
  }

  /** Flags of the page's folio head. */
  folioFlags(pfn: number): number {
    return this.pageFlags(this.folioHead(pfn));
  }

  /** Sets flag bits on one page. */
  setPageFlag(pfn: number, bits: number): void {
    const s = this.section(pfn);
    s.flags[pfn & SECTION_MASK] = (s.flags[pfn & SECTION_MASK] as number) | bits;
  }

  /** Clears flag bits on one page. */
  clearPageFlag(pfn: number, bits: number): void {
    const s = this.section(pfn);
    s.flags[pfn & SECTION_MASK] = (s.flags[pfn & SECTION_MASK] as number) & ~bits;
  }

  pageAnon(pfn: number): boolean {
    return (this.folioFlags(pfn) & PG_anon) !== 0;
  }

  pageAnonExclusive(pfn: number): boolean {
    return (this.pageFlags(pfn) & PG_anon_exclusive) !== 0;
  }

  pageDirty(pfn: number): boolean {
    return (this.folioFlags(pfn) & PG_dirty) !== 0;
  }

  pageWriteback(pfn: number): boolean {
    return (this.folioFlags(pfn) & PG_writeback) !== 0;
  }

  pageLocked(pfn: number): boolean {
    return (this.folioFlags(pfn) & PG_locked) !== 0;
  }

  pageUptodate(pfn: number): boolean {
    return (this.folioFlags(pfn) & PG_uptodate) !== 0;
  }

  pageZone(pfn: number): 'Normal' | 'Movable' {
    return this.movable !== undefined && this.movable.contains(pfn) ? 'Movable' : 'Normal';
  }

  /** The address-space id of the page's folio (0 for none). */
  folioMappingId(pfn: number): number {
    const h = this.folioHead(pfn);
    const s = this.sections[h >>> PFN_SECTION_SHIFT];
    return s === undefined ? 0 : (s.mapping[h & SECTION_MASK] as number);
  }

  /** The folio's index in its file. */
  folioIndex(pfn: number): number {
    const h = this.folioHead(pfn);
    const s = this.sections[h >>> PFN_SECTION_SHIFT];
    return s === undefined ? 0 : (s.index[h & SECTION_MASK] as number);
  }

  /** Sets the folio's mapping id and index. */
  setFolioMapping(head: number, mappingId: number, index: number): void {
    const s = this.section(head);
    s.mapping[head & SECTION_MASK] = mappingId;
    s.index[head & SECTION_MASK] = index;
  }

  nrFreePages(): number {
    let n = 0;
    for (const z of this.zones) n += z.nrFree;
    return n;
  }

  // ---- references -----------------------------------------------------------------------------------------

  /** Adds `n` (may be negative, never reaching ≤ 0 here) to the folio refcount of head `h`. @internal */
  refAdd(h: number, n: number): number {
    const s = this.section(h);
    const i = h & SECTION_MASK;
    const v = (s.refcount[i] as number) + n;
    s.refcount[i] = v;
    return v;
  }

  /**
   * Models `folio_put_refs()` (include/linux/mm.h): drops `n` references of folio head `h`, freeing it at 0.
   * @throws PageRefcountUnderflowError if fewer than `n` references are held
   */
  folioPutRefs(h: number, n: number, what: string): void {
    const s = this.section(h);
    const i = h & SECTION_MASK;
    const rc = s.refcount[i] as number;
    if (rc < n) {
      if (this.san !== undefined) this.san.onUnderflow(h, rc, n, what);
      throw new PageRefcountUnderflowError(h, rc, n, what);
    }
    s.refcount[i] = rc - n;
    if (rc === n) this.freeFolio(h);
  }

  getPage(pfn: number, owner?: RefOwner): void {
    const h = this.folioHead(pfn);
    if (this.pageRefcount(h) <= 0) throw new Errno(EFAULT, `mm: get_page on free pfn ${pfn}`);
    this.refAdd(h, 1);
    if (this.san !== undefined) this.san.onGet(pfn, 1, owner, 'get_page', undefined, -1);
  }

  putPage(pfn: number, owner?: RefOwner): void {
    const h = this.folioHead(pfn);
    if (this.san !== undefined) this.san.onPut(pfn, owner, 'put_page', this.pageRefcount(h));
    this.folioPutRefs(h, 1, 'put_page');
  }

  setPageDirtyLock(pfn: number): void {
    const h = this.folioHead(pfn);
    const f = this.pageFlags(h);
    if (this.folioMappingId(h) !== 0 && (f & PG_anon) === 0 && this.pageCache !== undefined) {
      this.pageCache.markDirty(h);
    } else if ((f & PG_dirty) === 0) {
      this.setPageFlag(h, PG_dirty);
    }
    if (this.san !== undefined) this.san.onDirtied(h);
  }

  // ---- allocation -----------------------------------------------------------------------------------------

  allocPages(order: number, gfp: number = GFP_KERNEL, owner?: RefOwner): number {
    if (!Number.isInteger(order) || order < 0 || order > MAX_PAGE_ORDER) return -EINVAL;
    const h = this.allocFolio(order, gfp);
    if (h < 0) return h;
    if (this.san !== undefined) this.san.onGet(h, 1, owner, 'alloc_pages', undefined, -1);
    return h;
  }

  /**
   * Allocates a folio with refcount 1 and clean metadata (no sanitizer record: the caller is mm itself).
   * @returns head pfn or -ENOMEM
   */
  allocFolio(order: number, gfp: number): number {
    if (this.reclaim !== undefined) this.reclaim.maybeReclaim(1 << order);
    let zone: Zone = this.normal;
    let h = -1;
    if ((gfp & __GFP_MOVABLE) !== 0 && this.movable !== undefined) {
      h = this.movable.alloc(order);
      zone = this.movable;
    }
    if (h < 0) {
      zone = this.normal;
      h = this.normal.alloc(order);
    }
    if (h < 0) return -ENOMEM;
    const nr = 1 << order;
    this.vm.nrFreePages.value -= nr;
    if (zone === this.normal) this.vm.pgallocNormal.value += nr;
    else this.vm.pgallocMovable.value += nr;
    const s = this.section(h);
    const i = h & SECTION_MASK;
    s.refcount[i] = 1;
    s.order[i] = order;
    if (order > 0) {
      s.flags[i] = PG_head;
      for (let k = 1; k < nr; k++) {
        s.tail[i + k] = k;
        s.flags[i + k] = PG_tail;
      }
    }
    if (this.tpAlloc !== undefined && this.tpAlloc.observed) this.tpAlloc.emit({ pfn: h, order, zone: zone.name });
    return h;
  }

  /** Models `__folio_put()` → `free_frozen_pages()`: resets metadata, drops data, returns the block. */
  private freeFolio(h: number): void {
    if (h === this.zeroPfn) throw new Errno(EFAULT, 'mm: the shared zero page was freed (refcount underflow)');
    const s = this.section(h);
    const i = h & SECTION_MASK;
    const order = s.order[i] as number;
    const nr = 1 << order;
    if (this.san !== undefined) this.san.onFree(h);
    for (let k = 0; k < nr; k++) {
      const j = i + k;
      s.flags[j] = 0;
      s.mapcount[j] = 0;
      s.tail[j] = 0;
      const slot = s.slot[j] as number;
      if (slot !== 0) {
        this.freeSlots.push(slot - 1);
        s.slot[j] = 0;
      }
    }
    s.order[i] = 0;
    s.pincount[i] = 0;
    s.entireMapcount[i] = 0;
    s.mapping[i] = 0;
    s.index[i] = 0;
    s.refcount[i] = 0;
    const zone = this.movable !== undefined && this.movable.contains(h) ? this.movable : this.normal;
    zone.free(h, order);
    this.vm.nrFreePages.value += nr;
    this.vm.pgfree.value += nr;
    if (this.tpFree !== undefined && this.tpFree.observed) this.tpFree.emit({ pfn: h, order, zone: zone.name });
  }

  // ---- data -----------------------------------------------------------------------------------------------

  /** The slab and byte offset of `pfn`'s data, allocating it (zeroed) when `create`. @returns slab or undefined */
  private dataOf(pfn: number, create: boolean): Uint8Array | undefined {
    const s = this.section(pfn);
    const i = pfn & SECTION_MASK;
    let slot = s.slot[i] as number;
    if (slot === 0) {
      if (!create) return undefined;
      let id: number;
      if (this.freeSlots.length > 0) {
        id = this.freeSlots.pop() as number;
        const slab = this.slabs[id >>> SLAB_SHIFT] as Uint8Array;
        const off = (id & SLAB_MASK) << PAGE_SHIFT;
        slab.fill(0, off, off + PAGE_SIZE);
      } else {
        id = this.nextSlot++;
        if ((id & SLAB_MASK) === 0) this.slabs.push(SlabPool.shared.acquire());
      }
      slot = id + 1;
      s.slot[i] = slot;
    }
    return this.slabs[(slot - 1) >>> SLAB_SHIFT];
  }

  private dataOffset(pfn: number): number {
    const slot = this.section(pfn).slot[pfn & SECTION_MASK] as number;
    return ((slot - 1) & SLAB_MASK) << PAGE_SHIFT;
  }

  memoryFootprint(): MemoryFootprint {
    return {
      metadataBytes: this.sectionsPresent() * SECTION_BYTES,
      dataBytes: this.slabs.length * SLAB_PAGES * PAGE_SIZE,
    };
  }

  /**
   * Gives the page-data slabs back to the process's {@link SlabPool} when the machine stops; every page reads
   * as zeros afterwards.
   */
  releaseData(): void {
    SlabPool.shared.release(this.slabs);
    this.slabs.length = 0;
    this.freeSlots.length = 0;
    this.nextSlot = 0;
    for (const s of this.sections) if (s !== undefined) s.slot.fill(0);
  }

  /** Pages holding data (for memory accounting). */
  dataPages(): number {
    return this.nextSlot - this.freeSlots.length;
  }

  read(paddr: number, dst: Uint8Array, dstOff: number, len: number): void {
    let pfn = Math.floor(paddr / PAGE_SIZE);
    let off = paddr - pfn * PAGE_SIZE;
    let d = dstOff;
    let left = len;
    while (left > 0) {
      const n = Math.min(left, PAGE_SIZE - off);
      const slab = this.dataOf(pfn, false);
      if (slab === undefined) dst.fill(0, d, d + n);
      else {
        const base = this.dataOffset(pfn) + off;
        dst.set(slab.subarray(base, base + n), d);
      }
      d += n;
      left -= n;
      pfn++;
      off = 0;
    }
  }

  write(paddr: number, src: Uint8Array, srcOff: number, len: number): void {
    let pfn = Math.floor(paddr / PAGE_SIZE);
    let off = paddr - pfn * PAGE_SIZE;
    let sOff = srcOff;
    let left = len;
    while (left > 0) {
      const n = Math.min(left, PAGE_SIZE - off);
      if (pfn === this.zeroPfn) {
        if (this.san !== undefined) this.san.onZeroPageWrite();
      } else {
        const slab = this.dataOf(pfn, true) as Uint8Array;
        slab.set(src.subarray(sOff, sOff + n), this.dataOffset(pfn) + off);
      }
      sOff += n;
      left -= n;
      pfn++;
      off = 0;
    }
  }

  /** Copies one page's bytes (`copy_highpage()`); a never-written source leaves the destination zero. */
  copyPage(dst: number, src: number): void {
    const from = this.dataOf(src, false);
    if (from === undefined) {
      this.zeroPageData(dst);
      return;
    }
    const to = this.dataOf(dst, true) as Uint8Array;
    const so = this.dataOffset(src);
    to.set(from.subarray(so, so + PAGE_SIZE), this.dataOffset(dst));
  }

  /** Makes a page read as zeros again (`clear_highpage()`), dropping its data. */
  zeroPageData(pfn: number): void {
    const s = this.section(pfn);
    const i = pfn & SECTION_MASK;
    const slot = s.slot[i] as number;
    if (slot !== 0) {
      this.freeSlots.push(slot - 1);
      s.slot[i] = 0;
    }
  }
}
