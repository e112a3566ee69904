/**
 * Faults, COW, unmapping and fork-time page-table copies (mm/memory.c, mm/huge_memory.c).
 * @internal
 * @packageDocumentation
 */
import { __GFP_COMP, GFP_HIGHUSER_MOVABLE } from '../gfp.js';
import { HPAGE_PMD_NR, HPAGE_PMD_ORDER, PMD_SIZE, PAGE_SIZE } from '../page-types.js';
import { VM_HUGEPAGE, VM_NOHUGEPAGE, VM_SHARED, VM_WRITE } from '../vm-flags.js';
import type { MemMap } from './mem-map.js';
import type { MmStructImpl } from './mm-struct-impl.js';
import { PG_anon, PG_anon_exclusive, PG_dirty, PG_locked, PG_swapbacked, PG_uptodate } from './page-flags.js';
import {
  HugePmd,
  PTE_ACCESSED,
  PTE_DIRTY,
  PTE_PRESENT,
  PTE_PROTNONE,
  PTE_SOFT_DIRTY,
  PTE_SPECIAL,
  PTE_WRITE,
  PteTable,
} from './pgtable.js';
import type { Vma } from './vma.js';

/** `VM_FAULT_OOM`. */
export const VM_FAULT_OOM = 0x1;
/** `VM_FAULT_SIGBUS`. */
export const VM_FAULT_SIGBUS = 0x2;
/** `VM_FAULT_MAJOR`. */
export const VM_FAULT_MAJOR = 0x4;
/** `VM_FAULT_SIGSEGV`. */
export const VM_FAULT_SIGSEGV = 0x40;
/** `VM_FAULT_RETRY`: the fault started I/O; wait and retry. */
export const VM_FAULT_RETRY = 0x400;
/** `VM_FAULT_FALLBACK`: huge page fault failed, fall back to small pages. */
export const VM_FAULT_FALLBACK = 0x800;
/** `VM_FAULT_ERROR` mask. */
export const VM_FAULT_ERROR = VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV;

/** `FAULT_FLAG_WRITE`. */
export const FAULT_FLAG_WRITE = 1 << 0;
/** `FAULT_FLAG_REMOTE`. */
export const FAULT_FLAG_REMOTE = 1 << 7;
/** `FAULT_FLAG_UNSHARE`. */
export const FAULT_FLAG_UNSHARE = 1 << 10;

const MASK = (1 << 15) - 1;

/** The PMD index of an address. */
export function pmdIndex(addr: number): number {
  return Math.floor(addr / PMD_SIZE);
}

/** The PTE index of an address within its PTE table. */
export function pteIndex(addr: number): number {
  return Math.floor(addr / PAGE_SIZE) % 512;
}

// ---- rmap-ish accounting ------------------------------------------------------------------------------------

/** True if the page's folio is PMD-mapped somewhere (then the page counts as mapped already). */
function entireMapped(mem: MemMap, pfn: number): boolean {
  const s = mem.section(pfn);
  const h = pfn - (s.tail[pfn & MASK] as number);
  return (mem.section(h).entireMapcount[h & MASK] as number) > 0;
}

/** Adds one PTE mapping of `pfn` (no refcount change: the caller hands its reference to the page table). */
export function addPteRmap(mem: MemMap, pfn: number): void {
  const s = mem.section(pfn);
  const i = pfn & MASK;
  const m = (s.mapcount[i] as number) + 1;
  s.mapcount[i] = m;
  if (m === 1 && !entireMapped(mem, pfn)) {
    const h = pfn - (s.tail[i] as number);
    if ((mem.pageFlags(h) & PG_anon) !== 0) mem.vm.nrAnonPages.value++;
    else mem.vm.nrMapped.value++;
  }
}

/** Removes one PTE mapping of `pfn` (no refcount change). */
export function removePteRmap(mem: MemMap, pfn: number): void {
  const s = mem.section(pfn);
  const i = pfn & MASK;
  const m = (s.mapcount[i] as number) - 1;
  s.mapcount[i] = m;
  if (m === 0 && !entireMapped(mem, pfn)) {
    const h = pfn - (s.tail[i] as number);
    if ((mem.pageFlags(h) & PG_anon) !== 0) mem.vm.nrAnonPages.value--;
    else mem.vm.nrMapped.value--;
  }
}

/** Subpages of the THP at `head` that no PTE maps. */
function unmappedSubpages(mem: MemMap, head: number): number {
  const s = mem.section(head);
  const hi = head & MASK;
  let n = 0;
  for (let k = 0; k < HPAGE_PMD_NR; k++) if ((s.mapcount[hi + k] as number) === 0) n++;
  return n;
}

function addPmdRmap(mem: MemMap, head: number): void {
  const s = mem.section(head);
  const i = head & MASK;
  const m = (s.entireMapcount[i] as number) + 1;
  if (m === 1) {
    mem.vm.nrAnonPages.value += unmappedSubpages(mem, head);
    mem.vm.nrAnonTransparentHugepages.value++;
  }
  s.entireMapcount[i] = m;
}

function removePmdRmap(mem: MemMap, head: number): void {
  const s = mem.section(head);
  const i = head & MASK;
  const m = (s.entireMapcount[i] as number) - 1;
  s.entireMapcount[i] = m;
  if (m === 0) {
    mem.vm.nrAnonPages.value -= unmappedSubpages(mem, head);
    mem.vm.nrAnonTransparentHugepages.value--;
  }
}

/** Makes a freshly allocated folio an exclusive anonymous folio of `vma` at `addr`. */
function newAnonFolio(mm: MmStructImpl, vma: Vma, head: number, addr: number): void {
  const mem = mm.core.mem;
  // A PMD-mapped THP keeps its exclusive bit on the head page only (folio_add_new_anon_rmap(RMAP_LEVEL_PMD)).
  mem.setPageFlag(head, PG_anon | PG_swapbacked | PG_uptodate | PG_anon_exclusive);
  mem.setFolioMapping(head, -mm.id, addr / PAGE_SIZE);
  vma.anonVma = true;
}

/** New PTEs are soft-dirty (`pte_mksoft_dirty()` on fault). */
function softDirtyBit(): number {
  return PTE_SOFT_DIRTY;
}

// ---- the fault handler --------------------------------------------------------------------------------------

/**
 * Models `handle_mm_fault()` (mm/memory.c) without the access check (the caller did it, or GUP's
 * `check_vma_flags()` allowed a FOLL_FORCE access).
 * @returns 0 or `VM_FAULT_*` bits
 */
export function handleMmFaultLocked(mm: MmStructImpl, vma: Vma, addr: number, flags: number): number {
  const mem = mm.core.mem;
  mem.vm.pgfault.value++;
  const write = (flags & FAULT_FLAG_WRITE) !== 0;
  const unshare = (flags & FAULT_FLAG_UNSHARE) !== 0;
  const pIdx = pmdIndex(addr);
  let e = mm.pt.pmds.get(pIdx);
  if (e instanceof HugePmd) {
    if ((write || unshare) && (e.bits & PTE_WRITE) === 0) {
      const r = doHugePmdWpPage(mm, vma, addr, e, flags);
      if (r !== VM_FAULT_FALLBACK) return r;
      e = mm.pt.pmds.get(pIdx);
    } else {
      e.bits |= PTE_ACCESSED | (write ? PTE_DIRTY | PTE_SOFT_DIRTY : 0);
      return 0;
    }
  }
  if (e === undefined && thpVmaSuitable(mm, vma, addr)) {
    const r = doHugePmdAnonymousPage(mm, vma, addr);
    if (r !== VM_FAULT_FALLBACK) return r;
  }
  const t = mm.pt.pteTable(pIdx, true) as PteTable;
  const i = pteIndex(addr);
  const pfn = t.pfn[i] as number;
  if (pfn < 0) {
    if (vma.isAnon) return doAnonymousPage(mm, vma, addr, t, i, write);
    return doFault(mm, vma, addr, t, i, flags);
  }
  const bits = t.bits[i] as number;
  if (write || unshare) {
    if ((bits & PTE_WRITE) !== 0) {
      if (write) t.bits[i] = bits | PTE_DIRTY | PTE_ACCESSED | PTE_SOFT_DIRTY;
      return 0;
    }
    return doWpPage(mm, vma, addr, t, i, flags);
  }
  t.bits[i] = bits | PTE_ACCESSED;
  return 0;
}

/** Models `thp_vma_allowable_order()` + `thp_vma_suitable_order()` for anonymous PMD-sized THPs. */
function thpVmaSuitable(mm: MmStructImpl, vma: Vma, addr: number): boolean {
  if (!vma.isAnon || (vma.flags & VM_SHARED) !== 0 || (vma.flags & VM_NOHUGEPAGE) !== 0) return false;
  const mode = mm.core.cfg.thp;
  if (mode === 'never') return false;
  if (mode === 'madvise' && (vma.flags & VM_HUGEPAGE) === 0) return false;
  const haddr = Math.floor(addr / PMD_SIZE) * PMD_SIZE;
  return haddr >= vma.start && haddr + PMD_SIZE <= vma.end;
}

/**
 * Models `do_huge_pmd_anonymous_page()` (mm/huge_memory.c). Read faults allocate a THP too: the huge zero
 * page is not modelled (as with `use_zero_page` = 0).
 */
function doHugePmdAnonymousPage(mm: MmStructImpl, vma: Vma, addr: number): number {
  const mem = mm.core.mem;
  const head = mem.allocFolio(HPAGE_PMD_ORDER, GFP_HIGHUSER_MOVABLE | __GFP_COMP);
  if (head < 0) {
    mem.vm.thpFaultFallback.value++;
    return VM_FAULT_FALLBACK;
  }
  const haddr = Math.floor(addr / PMD_SIZE) * PMD_SIZE;
  newAnonFolio(mm, vma, head, haddr);
  addPmdRmap(mem, head);
  const w = (vma.flags & VM_WRITE) !== 0 ? PTE_WRITE : 0;
  mm.pt.pmds.set(pmdIndex(addr), new HugePmd(head, PTE_PRESENT | w | PTE_DIRTY | PTE_ACCESSED | softDirtyBit()));
  mem.vm.thpFaultAlloc.value++;
  mm.rssAnon += HPAGE_PMD_NR;
  return 0;
}

/** Models `do_anonymous_page()` (mm/memory.c). */
function doAnonymousPage(mm: MmStructImpl, vma: Vma, addr: number, t: PteTable, i: number, write: boolean): number {
  const mem = mm.core.mem;
  if (!write) {
    t.pfn[i] = mem.zeroPfn;
    t.bits[i] = PTE_PRESENT | PTE_SPECIAL | PTE_ACCESSED | softDirtyBit();
    t.used++;
    return 0;
  }
  const pfn = mem.allocFolio(0, GFP_HIGHUSER_MOVABLE);
  if (pfn < 0) return VM_FAULT_OOM;
  newAnonFolio(mm, vma, pfn, addr);
  const w = (vma.flags & VM_WRITE) !== 0 ? PTE_WRITE : 0;
  t.pfn[i] = pfn;
  t.bits[i] = PTE_PRESENT | w | PTE_DIRTY | PTE_ACCESSED | PTE_SOFT_DIRTY;
  t.used++;
  addPteRmap(mem, pfn);
  mm.rssAnon++;
  return 0;
}

/**
 * Models `filemap_fault()` (mm/filemap.c) / `shmem_fault()` (mm/shmem.c): finds or creates the page-cache
 * folio at the faulting index and returns it with a reference, or `-(VM_FAULT_*)`.
 */
function faultGetFolio(mm: MmStructImpl, vma: Vma, addr: number): number {
  const mapping = vma.mapping;
  if (mapping === undefined) return -VM_FAULT_SIGBUS;
  const core = mm.core;
  const mem = core.mem;
  const index = vma.fileIndex(addr);
  if (index * PAGE_SIZE >= mapping.iSize) return -VM_FAULT_SIGBUS;
  let pfn = mapping.lookup(index);
  if (pfn >= 0) {
    const f = mem.pageFlags(pfn);
    if ((f & PG_uptodate) !== 0) {
      mem.refAdd(pfn, 1);
      return pfn;
    }
    if ((f & PG_locked) !== 0) {
      core.pendingIo = core.waitUnlocked(pfn).then(() => 0);
      return -VM_FAULT_RETRY;
    }
  } else {
    pfn = mem.allocFolio(0, GFP_HIGHUSER_MOVABLE);
    if (pfn < 0) return -VM_FAULT_OOM;
    if (mapping.shmem) {
      // shmem_get_folio(): a new zero-filled folio, uptodate.
      mem.setPageFlag(pfn, PG_uptodate);
      mapping.add(pfn, index);
      return pfn; // the allocation reference becomes the caller's
    }
    mem.setPageFlag(pfn, PG_locked);
    mapping.add(pfn, index);
    mem.folioPutRefs(pfn, 1, 'filemap_fault');
  }
  // Not uptodate and unlocked (new, or a failed read): read it.
  if ((mem.pageFlags(pfn) & PG_locked) === 0) mem.setPageFlag(pfn, PG_locked);
  mem.vm.pgmajfault.value++;
  core.pendingIo = startRead(vma, pfn, index);
  return -VM_FAULT_RETRY;
}

/** Runs `a_ops->read_folio()` on a locked folio; resolves with 0 or -errno after `folio_end_read()`. */
export async function startReadFolio(
  mapping: NonNullable<Vma['mapping']>,
  pfn: number,
  index: number,
): Promise<number> {
  let r: number;
  try {
    r = await mapping.aops.readFolio(mapping, pfn, index);
  } catch (e) {
    mapping.endRead(pfn, false);
    throw e;
  }
  mapping.endRead(pfn, r >= 0);
  return r < 0 ? r : 0;
}

function startRead(vma: Vma, pfn: number, index: number): Promise<number> {
  return startReadFolio(vma.mapping as NonNullable<Vma['mapping']>, pfn, index);
}

/** Calls `vma->vm_ops->page_mkwrite` if the mapping has one. @returns 0 or -errno */
function pageMkwrite(vma: Vma, pfn: number, addr: number): number {
  const f = vma.file;
  if (f?.vmOps?.pageMkwrite === undefined) return 0;
  return f.vmOps.pageMkwrite(f, pfn, vma.fileIndex(addr));
}

/** Models `do_fault()` (mm/memory.c): `do_read_fault()`, `do_cow_fault()`, `do_shared_fault()`. */
function doFault(mm: MmStructImpl, vma: Vma, addr: number, t: PteTable, i: number, flags: number): number {
  const mem = mm.core.mem;
  const write = (flags & FAULT_FLAG_WRITE) !== 0;
  const pfn = faultGetFolio(mm, vma, addr);
  if (pfn < 0) return -pfn;
  const shared = (vma.flags & VM_SHARED) !== 0;
  if (write && !shared) {
    // do_cow_fault(): a private anonymous copy of the file page.
    const np = mem.allocFolio(0, GFP_HIGHUSER_MOVABLE);
    if (np < 0) {
      mem.folioPutRefs(pfn, 1, 'do_cow_fault');
      return VM_FAULT_OOM;
    }
    mem.copyPage(np, pfn);
    mem.folioPutRefs(pfn, 1, 'do_cow_fault');
    newAnonFolio(mm, vma, np, addr);
    const w = (vma.flags & VM_WRITE) !== 0 ? PTE_WRITE : 0;
    t.pfn[i] = np;
    t.bits[i] = PTE_PRESENT | w | PTE_DIRTY | PTE_ACCESSED | PTE_SOFT_DIRTY;
    t.used++;
    addPteRmap(mem, np);
    mm.rssAnon++;
    return 0;
  }
  if (write && shared) {
    // do_shared_fault(): page_mkwrite, map writable and dirty, dirty the folio.
    const r = pageMkwrite(vma, pfn, addr);
    if (r < 0) {
      mem.folioPutRefs(pfn, 1, 'do_shared_fault');
      return VM_FAULT_SIGBUS;
    }
    t.pfn[i] = pfn;
    t.bits[i] = PTE_PRESENT | PTE_WRITE | PTE_DIRTY | PTE_ACCESSED | PTE_SOFT_DIRTY;
    t.used++;
    addPteRmap(mem, pfn);
    mm.rssFile++;
    vma.mapping?.markDirty(pfn);
    return 0;
  }
  // do_read_fault(): writable at once only in a shared writable mapping that needs no write notification.
  const w = shared && (vma.flags & VM_WRITE) !== 0 && !vma.wantsWritenotify ? PTE_WRITE : 0;
  t.pfn[i] = pfn;
  t.bits[i] = PTE_PRESENT | w | PTE_ACCESSED | softDirtyBit();
  t.used++;
  addPteRmap(mem, pfn);
  mm.rssFile++;
  return 0;
}

/**
 * Models `wp_can_reuse_anon_folio()` (mm/memory.c) for small folios: not KSM, refcount 1 (no swap cache).
 * Large folios are not reused when shared (the pre-`CONFIG_MM_ID` rule; both satisfy the selftests).
 */
function canReuseAnon(mem: MemMap, pfn: number): boolean {
  const h = mem.folioHead(pfn);
  if (mem.folioOrder(h) > 0) return false;
  return mem.pageRefcount(h) === 1;
}

/** Models `do_wp_page()` (mm/memory.c): write or unshare fault on a present, write-protected PTE. */
function doWpPage(mm: MmStructImpl, vma: Vma, addr: number, t: PteTable, i: number, flags: number): number {
  const mem = mm.core.mem;
  const unshare = (flags & FAULT_FLAG_UNSHARE) !== 0;
  const pfn = t.pfn[i] as number;
  const bits = t.bits[i] as number;
  if ((vma.flags & VM_SHARED) !== 0) {
    if (unshare) return 0;
    if ((bits & PTE_SPECIAL) !== 0) return VM_FAULT_SIGBUS;
    // wp_page_shared(): page_mkwrite, then make writable and dirty.
    if (pageMkwrite(vma, pfn, addr) < 0) return VM_FAULT_SIGBUS;
    t.bits[i] = bits | PTE_WRITE | PTE_DIRTY | PTE_ACCESSED | PTE_SOFT_DIRTY;
    vma.mapping?.markDirty(pfn);
    return 0;
  }
  if ((bits & PTE_SPECIAL) === 0 && mem.pageAnon(pfn)) {
    if (mem.pageAnonExclusive(pfn) || canReuseAnon(mem, pfn)) {
      // wp_page_reuse(): the page is (now) exclusive.
      mem.setPageFlag(pfn, PG_anon_exclusive);
      if (unshare) return 0;
      const w = (vma.flags & VM_WRITE) !== 0 ? PTE_WRITE : 0;
      t.bits[i] = bits | w | PTE_DIRTY | PTE_ACCESSED | PTE_SOFT_DIRTY;
      return 0;
    }
  }
  return wpPageCopy(mm, vma, addr, t, i, unshare);
}

/** Models `wp_page_copy()` (mm/memory.c): a new exclusive anonymous page replaces the mapped one. */
function wpPageCopy(mm: MmStructImpl, vma: Vma, addr: number, t: PteTable, i: number, unshare: boolean): number {
  const mem = mm.core.mem;
  const old = t.pfn[i] as number;
  const oldBits = t.bits[i] as number;
  const np = mem.allocFolio(0, GFP_HIGHUSER_MOVABLE);
  if (np < 0) return VM_FAULT_OOM;
  if ((oldBits & PTE_SPECIAL) === 0) mem.copyPage(np, old);
  newAnonFolio(mm, vma, np, addr);
  const w = !unshare && (vma.flags & VM_WRITE) !== 0 ? PTE_WRITE : 0;
  t.pfn[i] = np;
  t.bits[i] = unshare
    ? PTE_PRESENT | PTE_ACCESSED | (oldBits & PTE_SOFT_DIRTY)
    : PTE_PRESENT | w | PTE_DIRTY | PTE_ACCESSED | PTE_SOFT_DIRTY;
  addPteRmap(mem, np);
  mm.rssAnon++;
  if ((oldBits & PTE_SPECIAL) === 0) {
    const wasAnon = mem.pageAnon(old);
    removePteRmap(mem, old);
    if (wasAnon) mm.rssAnon--;
    else mm.rssFile--;
    mm.core.san?.onCowReplaced(mm, addr - (addr % PAGE_SIZE), old);
    mem.folioPutRefs(mem.folioHead(old), 1, 'wp_page_copy');
  }
  return 0;
}

/** Models `do_huge_pmd_wp_page()` (mm/huge_memory.c). */
function doHugePmdWpPage(mm: MmStructImpl, vma: Vma, addr: number, e: HugePmd, flags: number): number {
  const mem = mm.core.mem;
  const unshare = (flags & FAULT_FLAG_UNSHARE) !== 0;
  const head = e.pfn;
  if (mem.pageAnonExclusive(head) || mem.pageRefcount(head) === 1) {
    mem.setPageFlag(head, PG_anon_exclusive);
    if (unshare) return 0;
    const w = (vma.flags & VM_WRITE) !== 0 ? PTE_WRITE : 0;
    e.bits |= w | PTE_DIRTY | PTE_ACCESSED | PTE_SOFT_DIRTY;
    return 0;
  }
  splitHugePmd(mm, addr);
  return VM_FAULT_FALLBACK;
}

/** Models `__split_huge_pmd()` (mm/huge_memory.c): the PMD mapping becomes 512 PTEs of the same folio. */
export function splitHugePmd(mm: MmStructImpl, addr: number): void {
  const mem = mm.core.mem;
  const pIdx = pmdIndex(addr);
  const e = mm.pt.pmds.get(pIdx);
  if (!(e instanceof HugePmd)) return;
  const head = e.pfn;
  const t = new PteTable();
  const exclusive = mem.pageAnonExclusive(head);
  const s = mem.section(head);
  const hi = head & MASK;
  for (let k = 0; k < HPAGE_PMD_NR; k++) {
    t.pfn[k] = head + k;
    t.bits[k] = e.bits;
    s.mapcount[hi + k] = (s.mapcount[hi + k] as number) + 1;
    if (exclusive) mem.setPageFlag(head + k, PG_anon_exclusive);
  }
  t.used = HPAGE_PMD_NR;
  s.entireMapcount[hi] = (s.entireMapcount[hi] as number) - 1;
  if (s.entireMapcount[hi] === 0) mem.vm.nrAnonTransparentHugepages.value--;
  mem.refAdd(head, HPAGE_PMD_NR - 1);
  mm.pt.pmds.set(pIdx, t);
  mem.vm.thpSplitPmd.value++;
}

// ---- unmapping ----------------------------------------------------------------------------------------------

/** Removes the PTE at `t[i]` (models `zap_present_ptes()`), dropping the page table's reference. */
export function zapPte(mm: MmStructImpl, vma: Vma, t: PteTable, i: number): void {
  const pfn = t.pfn[i] as number;
  if (pfn < 0) return;
  const bits = t.bits[i] as number;
  t.pfn[i] = -1;
  t.bits[i] = 0;
  t.used--;
  if ((bits & PTE_SPECIAL) !== 0) return;
  const mem = mm.core.mem;
  const anon = mem.pageAnon(pfn);
  if (!anon && (bits & PTE_DIRTY) !== 0 && vma.mapping !== undefined && (vma.flags & VM_SHARED) !== 0) {
    if (mem.folioMappingId(pfn) === vma.mapping.id) vma.mapping.markDirty(mem.folioHead(pfn));
  }
  removePteRmap(mem, pfn);
  if (anon) mm.rssAnon--;
  else mm.rssFile--;
  mem.folioPutRefs(mem.folioHead(pfn), 1, 'zap_pte_range');
}

/** Models `zap_page_range_single()` / `unmap_page_range()` (mm/memory.c) for [start, end) inside `vma`. */
export function zapRange(mm: MmStructImpl, vma: Vma, start: number, end: number): void {
  const mem = mm.core.mem;
  for (let p = pmdIndex(start); p * PMD_SIZE < end; p++) {
    const e = mm.pt.pmds.get(p);
    if (e === undefined) continue;
    const pStart = p * PMD_SIZE;
    const pEnd = pStart + PMD_SIZE;
    if (e instanceof HugePmd) {
      if (start <= pStart && end >= pEnd) {
        mm.pt.pmds.delete(p);
        removePmdRmap(mem, e.pfn);
        mm.rssAnon -= HPAGE_PMD_NR;
        mem.folioPutRefs(e.pfn, 1, 'zap_huge_pmd');
        continue;
      }
      splitHugePmd(mm, pStart);
    }
    const t = mm.pt.pmds.get(p) as PteTable;
    const a = Math.max(start, pStart);
    const b = Math.min(end, pEnd);
    for (let k = pteIndex(a), n = (b - a) / PAGE_SIZE; n > 0; k++, n--) zapPte(mm, vma, t, k);
    if (t.used === 0) mm.pt.pmds.delete(p);
  }
}

// ---- fork ---------------------------------------------------------------------------------------------------

/**
 * Models `copy_page_range()` (mm/memory.c) for one private VMA with anon pages: `copy_present_pte()` with
 * `__folio_try_dup_anon_rmap()`'s pinned check, `copy_huge_pmd()`.
 * @returns 0 or VM_FAULT_OOM
 */
export function copyPageRange(src: MmStructImpl, dst: MmStructImpl, vma: Vma, dvma: Vma): number {
  const mem = src.core.mem;
  const cow = vma.isCow;
  for (let p = pmdIndex(vma.start); p * PMD_SIZE < vma.end; p++) {
    let e = src.pt.pmds.get(p);
    if (e === undefined) continue;
    if (e instanceof HugePmd) {
      const head = e.pfn;
      const pinned = src.hasPinned && folioMaybeDmaPinned(mem, head);
      if (pinned && mem.pageAnonExclusive(head)) {
        // copy_huge_pmd(): -EAGAIN → split and copy at PTE level.
        splitHugePmd(src, p * PMD_SIZE);
        e = src.pt.pmds.get(p);
        if (!(e instanceof PteTable)) continue;
      } else {
        mem.clearPageFlag(head, PG_anon_exclusive);
        mem.refAdd(head, 1);
        addPmdRmap(mem, head);
        if (cow) e.bits &= ~PTE_WRITE;
        dst.pt.pmds.set(p, new HugePmd(head, e.bits));
        dst.rssAnon += HPAGE_PMD_NR;
        continue;
      }
    }
    const st = e;
    const pStart = p * PMD_SIZE;
    const a = Math.max(vma.start, pStart);
    const b = Math.min(vma.end, pStart + PMD_SIZE);
    let dt: PteTable | undefined;
    for (let k = pteIndex(a), n = (b - a) / PAGE_SIZE; n > 0; k++, n--) {
      const pfn = st.pfn[k] as number;
      if (pfn < 0) continue;
      dt ??= dst.pt.pteTable(p, true) as PteTable;
      let bits = st.bits[k] as number;
      if ((bits & PTE_SPECIAL) !== 0) {
        dt.pfn[k] = pfn;
        dt.bits[k] = bits;
        dt.used++;
        continue;
      }
      const head = mem.folioHead(pfn);
      const anon = mem.pageAnon(pfn);
      if (anon) {
        const pinned = src.hasPinned && folioMaybeDmaPinned(mem, head);
        if (pinned && mem.pageAnonExclusive(pfn)) {
          // copy_present_page(): the child gets its own copy now; the parent keeps its PTE as is.
          const np = mem.allocFolio(0, GFP_HIGHUSER_MOVABLE);
          if (np < 0) return VM_FAULT_OOM;
          mem.copyPage(np, pfn);
          const addr = pStart + k * PAGE_SIZE;
          newAnonFolio(dst, dvma, np, addr);
          const w = (vma.flags & VM_WRITE) !== 0 ? PTE_WRITE : 0;
          dt.pfn[k] = np;
          dt.bits[k] = PTE_PRESENT | w | PTE_DIRTY | PTE_ACCESSED | (bits & PTE_SOFT_DIRTY);
          dt.used++;
          addPteRmap(mem, np);
          dst.rssAnon++;
          continue;
        }
        mem.clearPageFlag(pfn, PG_anon_exclusive);
        dst.rssAnon++;
      } else {
        dst.rssFile++;
      }
      mem.refAdd(head, 1);
      addPteRmap(mem, pfn);
      if (cow) {
        bits &= ~PTE_WRITE;
        st.bits[k] = (st.bits[k] as number) & ~PTE_WRITE;
      }
      dt.pfn[k] = pfn;
      dt.bits[k] = bits;
      dt.used++;
    }
  }
  return 0;
}

/** Models `folio_maybe_dma_pinned()` (include/linux/mm.h). */
export function folioMaybeDmaPinned(mem: MemMap, pfn: number): boolean {
  if (pfn === mem.zeroPfn) return false;
  const h = mem.folioHead(pfn);
  const s = mem.sectionIfPresent(h);
  if (s === undefined) return false;
  const i = h & MASK;
  if ((s.order[i] as number) > 0) return (s.pincount[i] as number) > 0;
  return (s.refcount[i] as number) >>> 0 >= 1024;
}

/** Marks a private anon folio dirty (`folio_mark_dirty()` on anon memory just sets the flag). */
export function markAnonDirty(mem: MemMap, pfn: number): void {
  mem.setPageFlag(mem.folioHead(pfn), PG_dirty);
}

export { PTE_PROTNONE };
