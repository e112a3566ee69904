/**
 * GUP (mm/gup.c): the fast and slow walks, FOLL_LONGTERM migration, grabbing and releasing references.
 * @internal
 * @packageDocumentation
 */
import { EAGAIN, EFAULT, EINVAL, ENOMEM, EOPNOTSUPP, EOVERFLOW, Errno } from '@stackemu/core';
import { FGP_CREAT, filemapGetFolio } from '../filemap.js';
import type { MmapFile } from '../fs.js';
import type { Gup } from '../gup.js';
import type { MmStruct } from '../mm-struct.js';
import {
  FOLL_ANON,
  FOLL_DUMP,
  FOLL_FAST_ONLY,
  FOLL_FORCE,
  FOLL_GET,
  FOLL_HONOR_NUMA_FAULT,
  FOLL_LONGTERM,
  FOLL_MADV_POPULATE,
  FOLL_NOFAULT,
  FOLL_NOWAIT,
  FOLL_PCI_P2PDMA,
  FOLL_PIN,
  FOLL_REMOTE,
  FOLL_SPLIT_PMD,
  FOLL_TOUCH,
  FOLL_UNLOCKABLE,
  FOLL_WRITE,
  GUP_PIN_COUNTING_BIAS,
  INTERNAL_GUP_FLAGS,
} from '../mm-types.js';
import { PAGE_SIZE, TASK_SIZE_MAX } from '../page-types.js';
import { PageRefcountUnderflowError } from '../page-ref.js';
import type { RefOwner } from '../ref-owner.js';
import { VM_IO, VM_MAYREAD, VM_PFNMAP, VM_READ, VM_SHARED, VM_SOFTDIRTY, VM_WRITE } from '../vm-flags.js';
import type { MemMap } from './mem-map.js';
import {
  FAULT_FLAG_REMOTE,
  FAULT_FLAG_UNSHARE,
  FAULT_FLAG_WRITE,
  VM_FAULT_OOM,
  VM_FAULT_RETRY,
  VM_FAULT_ERROR,
  folioMaybeDmaPinned,
  handleMmFaultLocked,
  pmdIndex,
  pteIndex,
  splitHugePmd,
} from './memory.js';
import { AddressSpaceImpl } from './address-space-impl.js';
import { migrateFolio } from './migrate.js';
import type { MmCore } from './mm-core.js';
import { MmStructImpl } from './mm-struct-impl.js';
import { PG_anon, PG_dirty } from './page-flags.js';
import {
  HugePmd,
  PTE_ACCESSED,
  PTE_DIRTY,
  PTE_PROTNONE,
  PTE_SOFT_DIRTY,
  PTE_SPECIAL,
  PTE_WRITE,
  type PteTable,
} from './pgtable.js';
import type { Vma } from './vma.js';

const MASK = (1 << 15) - 1;
/** follow_page_mask() result: no page mapped as needed, fault it in. */
const NEED_FAULT = -100000;
/** follow_page_mask() result: -EMLINK, an unshare fault is needed. */
const NEED_UNSHARE = -31;
/** faultin_page() result: I/O was started (VM_FAULT_RETRY). */
const FAULT_RETRY = -100001;

const GUP_FAST_FLAGS =
  FOLL_WRITE |
  FOLL_LONGTERM |
  FOLL_FORCE |
  FOLL_PIN |
  FOLL_GET |
  FOLL_FAST_ONLY |
  FOLL_NOFAULT |
  FOLL_PCI_P2PDMA |
  FOLL_HONOR_NUMA_FAULT;

/**
 * The {@link Gup} service.
 */
export class GupImpl implements Gup {
  private readonly mem: MemMap;
  /** Pages covered by the last follow (huge leaves). */
  private step = 1;
  /** Why the last slow walk stopped early: I/O started. */
  private stoppedForIo = false;

  constructor(private readonly core: MmCore) {
    this.mem = core.mem;
  }

  // ---- entry points ---------------------------------------------------------------------------------------

  getUserPagesFast(
    mm: MmStruct,
    start: number,
    nrPages: number,
    gupFlags: number,
    pages: number[],
    owner?: RefOwner,
  ): number {
    const f = isValidGupArgs(pages, gupFlags, FOLL_GET);
    if (f < 0) return -EINVAL;
    return this.gupFastFallback(asMm(mm), start, nrPages, f, pages, owner ?? mm, 'get_user_pages_fast');
  }

  getUserPagesFastOnly(
    mm: MmStruct,
    start: number,
    nrPages: number,
    gupFlags: number,
    pages: number[],
    owner?: RefOwner,
  ): number {
    const f = isValidGupArgs(pages, gupFlags, FOLL_GET | FOLL_FAST_ONLY);
    if (f < 0) return -EINVAL;
    return this.gupFastFallback(asMm(mm), start, nrPages, f, pages, owner ?? mm, 'get_user_pages_fast_only');
  }

  pinUserPagesFast(
    mm: MmStruct,
    start: number,
    nrPages: number,
    gupFlags: number,
    pages: number[],
    owner?: RefOwner,
  ): number {
    const f = isValidGupArgs(pages, gupFlags, FOLL_PIN);
    if (f < 0) return -EINVAL;
    return this.gupFastFallback(asMm(mm), start, nrPages, f, pages, owner ?? mm, 'pin_user_pages_fast');
  }

  getUserPages(
    mm: MmStruct,
    start: number,
    nrPages: number,
    gupFlags: number,
    pages: number[] | undefined,
    owner?: RefOwner,
  ): number {
    const f = isValidGupArgs(pages, gupFlags, FOLL_TOUCH);
    if (f < 0) return -EINVAL;
    return this.gupLongtermLocked(asMm(mm), start, nrPages, pages, 0, f, owner ?? mm, 'get_user_pages');
  }

  getUserPagesRemote(
    mm: MmStruct,
    start: number,
    nrPages: number,
    gupFlags: number,
    pages: number[] | undefined,
    owner?: RefOwner,
  ): number {
    const f = isValidGupArgs(pages, gupFlags, FOLL_TOUCH | FOLL_REMOTE);
    if (f < 0) return -EINVAL;
    return this.gupLongtermLocked(asMm(mm), start, nrPages, pages, 0, f, owner ?? mm, 'get_user_pages_remote');
  }

  getUserPagesUnlocked(
    mm: MmStruct,
    start: number,
    nrPages: number,
    pages: number[] | undefined,
    gupFlags: number,
    owner?: RefOwner,
  ): number {
    const f = isValidGupArgs(pages, gupFlags, FOLL_TOUCH | FOLL_UNLOCKABLE);
    if (f < 0) return -EINVAL;
    return this.gupLongtermLocked(asMm(mm), start, nrPages, pages, 0, f, owner ?? mm, 'get_user_pages_unlocked');
  }

  pinUserPages(
    mm: MmStruct,
    start: number,
    nrPages: number,
    gupFlags: number,
    pages: number[],
    owner?: RefOwner,
  ): number {
    const f = isValidGupArgs(pages, gupFlags, FOLL_PIN);
    if (f < 0) return 0;
    return this.gupLongtermLocked(asMm(mm), start, nrPages, pages, 0, f, owner ?? mm, 'pin_user_pages');
  }

  pinUserPagesRemote(
    mm: MmStruct,
    start: number,
    nrPages: number,
    gupFlags: number,
    pages: number[],
    owner?: RefOwner,
  ): number {
    const f = isValidGupArgs(pages, gupFlags, FOLL_PIN | FOLL_TOUCH | FOLL_REMOTE);
    if (f < 0) return 0;
    return this.gupLongtermLocked(asMm(mm), start, nrPages, pages, 0, f, owner ?? mm, 'pin_user_pages_remote');
  }

  pinUserPagesUnlocked(
    mm: MmStruct,
    start: number,
    nrPages: number,
    pages: number[],
    gupFlags: number,
    owner?: RefOwner,
  ): number {
    const f = isValidGupArgs(pages, gupFlags, FOLL_PIN | FOLL_TOUCH | FOLL_UNLOCKABLE);
    if (f < 0) return 0;
    return this.gupLongtermLocked(asMm(mm), start, nrPages, pages, 0, f, owner ?? mm, 'pin_user_pages_unlocked');
  }

  // ---- releases -------------------------------------------------------------------------------------------

  unpinUserPage(pfn: number, owner?: RefOwner): void {
    this.gupPutFolio(pfn, 1, owner, 'unpin_user_page');
  }

  unpinUserPages(pages: readonly number[], n: number, owner?: RefOwner): void {
    if (n < 0) {
      this.core.log.warn({ n }, 'mm: unpin_user_pages() called with an error value (WARN_ON(IS_ERR_VALUE(npages)))');
      return;
    }
    const mem = this.mem;
    for (let i = 0; i < n;) {
      const p = pages[i];
      if (p === undefined || p < 0) {
        i++;
        continue;
      }
      const h = mem.folioHead(p);
      let j = i + 1;
      while (j < n && (pages[j] as number) >= 0 && mem.folioHead(pages[j] as number) === h) j++;
      this.gupPutFolio(p, j - i, owner, 'unpin_user_pages');
      i = j;
    }
  }

  unpinUserPagesDirtyLock(pages: readonly number[], n: number, makeDirty: boolean, owner?: RefOwner): void {
    if (!makeDirty) {
      this.unpinUserPages(pages, n, owner);
      return;
    }
    const mem = this.mem;
    for (let i = 0; i < n;) {
      const p = pages[i];
      if (p === undefined || p < 0) throw new Errno(EFAULT, `mm: unpin_user_pages_dirty_lock: NULL page at index ${i}`);
      const h = mem.folioHead(p);
      let j = i + 1;
      while (j < n && (pages[j] as number) >= 0 && mem.folioHead(pages[j] as number) === h) j++;
      if (h !== mem.zeroPfn && (mem.pageFlags(h) & PG_dirty) === 0) mem.setPageDirtyLock(h);
      this.gupPutFolio(p, j - i, owner, 'unpin_user_pages_dirty_lock');
      i = j;
    }
  }

  unpinUserPageRangeDirtyLock(pfn: number, npages: number, makeDirty: boolean, owner?: RefOwner): void {
    const mem = this.mem;
    for (let i = 0; i < npages;) {
      const p = pfn + i;
      const h = mem.folioHead(p);
      const order = mem.folioOrder(h);
      const nr = order > 0 ? Math.min(npages - i, (1 << order) - (p - h)) : 1;
      if (makeDirty && h !== mem.zeroPfn && (mem.pageFlags(h) & PG_dirty) === 0) mem.setPageDirtyLock(h);
      this.gupPutFolio(p, nr, owner, 'unpin_user_page_range_dirty_lock');
      i += nr;
    }
  }

  unpinUserFolio(pfn: number, npages: number, owner?: RefOwner): void {
    this.gupPutFolio(pfn, npages, owner, 'unpin_user_folio');
  }

  unpinFolio(pfn: number, owner?: RefOwner): void {
    this.gupPutFolio(pfn, 1, owner, 'unpin_folio');
  }

  unpinFolios(folios: readonly number[], n: number, owner?: RefOwner): void {
    if (n < 0) {
      this.core.log.warn({ n }, 'mm: unpin_folios() called with an error value');
      return;
    }
    for (let i = 0; i < n;) {
      let j = i + 1;
      while (j < n && folios[j] === folios[i]) j++;
      const f = folios[i] as number;
      if (f >= 0) this.gupPutFolio(f, j - i, owner, 'unpin_folios');
      i = j;
    }
  }

  folioAddPin(pfn: number, owner?: RefOwner): void {
    const mem = this.mem;
    if (pfn === mem.zeroPfn) return;
    const h = mem.folioHead(pfn);
    const s = mem.section(h);
    const i = h & MASK;
    if ((s.order[i] as number) > 0) {
      if ((s.pincount[i] as number) < 1) this.core.log.warn({ pfn }, 'mm: folio_add_pin() on an unpinned folio');
      s.refcount[i] = (s.refcount[i] as number) + 1;
      s.pincount[i] = (s.pincount[i] as number) + 1;
    } else {
      if ((s.refcount[i] as number) < GUP_PIN_COUNTING_BIAS)
        this.core.log.warn({ pfn }, 'mm: folio_add_pin() on an unpinned folio');
      s.refcount[i] = (s.refcount[i] as number) + GUP_PIN_COUNTING_BIAS;
    }
    this.core.san?.onPin(pfn, 1, owner, 'folio_add_pin', undefined, -1);
  }

  folioMaybeDmaPinned(pfn: number): boolean {
    return folioMaybeDmaPinned(this.mem, pfn);
  }

  pageMaybeDmaPinned(pfn: number): boolean {
    return folioMaybeDmaPinned(this.mem, pfn);
  }

  folioIsLongtermPinnable(pfn: number): boolean {
    if (pfn === this.mem.zeroPfn) return true;
    return this.mem.pageZone(pfn) !== 'Movable';
  }

  memfdPinFolios(
    file: MmapFile,
    start: number,
    end: number,
    folios: number[],
    maxFolios: number,
    owner?: RefOwner,
  ): number {
    if (file.shmem !== true || !(file.mapping instanceof AddressSpaceImpl) || !file.mapping.shmem) return -EINVAL;
    const m = file.mapping;
    if (start < 0 || start > end || end >= m.iSize || maxFolios <= 0) return -EINVAL;
    const first = Math.floor(start / PAGE_SIZE);
    const last = Math.floor(end / PAGE_SIZE);
    for (;;) {
      let n = 0;
      for (let idx = first; idx <= last && n < maxFolios; idx++) {
        const pfn = filemapGetFolio(m, idx, FGP_CREAT, owner);
        if (pfn < 0) {
          this.unpinFolios(folios, n, owner);
          return pfn;
        }
        this.tryGrabFolio(pfn, 1, FOLL_PIN, owner, 'memfd_pin_folios', undefined, -1);
        this.mem.putPage(pfn, owner);
        folios[n++] = pfn;
      }
      const movable = folios.slice(0, n).filter((p) => !this.folioIsLongtermPinnable(p));
      if (movable.length === 0) return n;
      this.unpinFolios(folios, n, owner);
      for (const h of movable) {
        if (migrateFolio(this.core, h) < 0) {
          this.core.vm.pgmigrateFail.value++;
          return -ENOMEM;
        }
      }
    }
  }

  // ---- grab and put (try_grab_folio(), gup_put_folio()) ---------------------------------------------------

  /**
   * Models `try_grab_folio()`: `refs` references of the kind `flags` says on the folio of `page`.
   * @returns 0, or -ENOMEM if the folio is free
   */
  private tryGrabFolio(
    page: number,
    refs: number,
    flags: number,
    owner: RefOwner | undefined,
    fn: string,
    mm: MmStructImpl | undefined,
    addr: number,
  ): number {
    const mem = this.mem;
    const h = mem.folioHead(page);
    const s = mem.section(h);
    const i = h & MASK;
    if ((s.refcount[i] as number) <= 0) return -ENOMEM;
    const san = this.core.san;
    if ((flags & FOLL_GET) !== 0) {
      s.refcount[i] = (s.refcount[i] as number) + refs;
      if (san !== undefined) {
        const anon = ((s.flags[i] as number) & PG_anon) !== 0;
        for (let k = 0; k < refs; k++)
          san.onGet(page + k, 1, owner, fn, anon ? mm : undefined, anon ? addr + k * PAGE_SIZE : -1);
      }
    } else if ((flags & FOLL_PIN) !== 0) {
      if (page === mem.zeroPfn) return 0;
      if ((s.order[i] as number) > 0) {
        s.refcount[i] = (s.refcount[i] as number) + refs;
        s.pincount[i] = (s.pincount[i] as number) + refs;
      } else {
        s.refcount[i] = (s.refcount[i] as number) + refs * GUP_PIN_COUNTING_BIAS;
      }
      this.core.vm.nrFollPinAcquired.value += refs;
      if (san !== undefined) {
        const anon = ((s.flags[i] as number) & PG_anon) !== 0;
        for (let k = 0; k < refs; k++)
          san.onPin(page + k, 1, owner, fn, anon ? mm : undefined, anon ? addr + k * PAGE_SIZE : -1);
      }
      const tp = this.core.tp.follPin;
      if (tp.observed)
        tp.emit({ pfn: page, head: h, refs, refcount: s.refcount[i], pincount: s.pincount[i] as number });
    }
    return 0;
  }

  /** Models `gup_put_folio(folio, refs, FOLL_PIN)`. */
  private gupPutFolio(page: number, refs: number, owner: RefOwner | undefined, fn: string): void {
    const mem = this.mem;
    if (page === mem.zeroPfn) return;
    const h = mem.folioHead(page);
    const s = mem.section(h);
    const i = h & MASK;
    const large = (s.order[i] as number) > 0;
    const san = this.core.san;
    if (san !== undefined) san.onUnpin(page, refs, owner, fn);
    const rc = s.refcount[i] as number;
    if (large && (s.pincount[i] as number) < refs) {
      san?.onUnderflow(page, s.pincount[i] as number, refs, `${fn} (pincount)`);
      throw new PageRefcountUnderflowError(page, s.pincount[i] as number, refs, `${fn} (pincount)`);
    }
    const put = large ? refs : refs * GUP_PIN_COUNTING_BIAS;
    if (rc < put) {
      san?.onUnderflow(page, rc, put, fn);
      throw new PageRefcountUnderflowError(page, rc, put, fn);
    }
    this.core.vm.nrFollPinReleased.value += refs;
    if (large) s.pincount[i] = (s.pincount[i] as number) - refs;
    const tp = this.core.tp.follUnpin;
    if (tp.observed) tp.emit({ pfn: page, head: h, refs, refcount: rc - put, pincount: s.pincount[i] as number });
    mem.folioPutRefs(h, put, fn);
  }

  /** Releases what a walk took (`unpin_user_pages()` or `put_page()` per page). */
  private release(pages: number[], off: number, n: number, flags: number, owner: RefOwner): void {
    const mem = this.mem;
    for (let k = 0; k < n; k++) {
      const p = pages[off + k] as number;
      if ((flags & FOLL_PIN) !== 0) this.gupPutFolio(p, 1, owner, 'unpin_user_pages');
      else {
        if (this.core.san !== undefined) this.core.san.onPut(p, owner, 'put_page', mem.pageRefcount(p));
        mem.folioPutRefs(mem.folioHead(p), 1, 'put_page');
      }
    }
  }

  // ---- GUP-fast -------------------------------------------------------------------------------------------

  /** Models `gup_fast_fallback()`. */
  private gupFastFallback(
    mm: MmStructImpl,
    start: number,
    nrPages: number,
    flags: number,
    pages: number[],
    owner: RefOwner,
    fn: string,
  ): number {
    if ((flags & ~GUP_FAST_FLAGS) !== 0) return -EINVAL;
    if ((flags & FOLL_PIN) !== 0) mm.hasPinned = true;
    if (!Number.isInteger(start) || start < 0 || !Number.isInteger(nrPages) || nrPages < 0) return -EINVAL;
    const base = start - (start % PAGE_SIZE);
    const end = base + nrPages * PAGE_SIZE;
    if (end >= 2 ** 64) return -EOVERFLOW;
    if (end > TASK_SIZE_MAX) return -EFAULT;
    const nrPinned = mm.exited ? 0 : this.gupFast(mm, base, nrPages, flags, pages, owner, fn);
    if (nrPinned === nrPages || (flags & FOLL_FAST_ONLY) !== 0) return nrPinned;
    const ret = this.gupLongtermLocked(
      mm,
      base + nrPinned * PAGE_SIZE,
      nrPages - nrPinned,
      pages,
      nrPinned,
      flags | FOLL_TOUCH | FOLL_UNLOCKABLE,
      owner,
      fn,
    );
    if (ret < 0) return nrPinned > 0 ? nrPinned : ret;
    return ret + nrPinned;
  }

  /** Models `gup_fast()`: the lockless walk; never faults; stops at the first page it cannot take. */
  private gupFast(
    mm: MmStructImpl,
    start: number,
    nrPages: number,
    flags: number,
    pages: number[],
    owner: RefOwner,
    fn: string,
  ): number {
    const mem = this.mem;
    const write = (flags & FOLL_WRITE) !== 0;
    let i = 0;
    let pIdx = -1;
    let e: PteTable | HugePmd | undefined;
    while (i < nrPages) {
      const addr = start + i * PAGE_SIZE;
      const p = pmdIndex(addr);
      if (p !== pIdx) {
        pIdx = p;
        e = mm.pt.pmds.get(p);
      }
      if (e === undefined) break;
      if (e instanceof HugePmd) {
        const b = e.bits;
        if ((b & PTE_PROTNONE) !== 0 || (write && (b & PTE_WRITE) === 0)) break;
        const sub = pteIndex(addr);
        const page = e.pfn + sub;
        if ((b & PTE_WRITE) === 0 && this.gupMustUnshare(undefined, flags, e.pfn)) break;
        if (!this.fastFolioAllowed(e.pfn, flags)) break;
        if ((flags & FOLL_LONGTERM) !== 0 && !this.folioIsLongtermPinnable(e.pfn)) break;
        const refs = Math.min(512 - sub, nrPages - i);
        if (this.tryGrabFolio(page, refs, flags, owner, fn, mm, addr) < 0) break;
        for (let k = 0; k < refs; k++) pages[i + k] = page + k;
        i += refs;
        continue;
      }
      const k = pteIndex(addr);
      const pfn = e.pfn[k] as number;
      const b = e.bits[k] as number;
      if (pfn < 0 || (b & (PTE_PROTNONE | PTE_SPECIAL)) !== 0) break;
      if (write && (b & PTE_WRITE) === 0) break;
      if ((b & PTE_WRITE) === 0 && this.gupMustUnshare(undefined, flags, pfn)) break;
      const h = mem.folioHead(pfn);
      if (!this.fastFolioAllowed(h, flags)) break;
      if ((flags & FOLL_LONGTERM) !== 0 && !this.folioIsLongtermPinnable(h)) break;
      if (this.tryGrabFolio(pfn, 1, flags, owner, fn, mm, addr) < 0) break;
      pages[i] = pfn;
      i++;
    }
    return i;
  }

  /** Models `gup_fast_folio_allowed()`: no PIN|LONGTERM|WRITE on file-backed folios other than shmem. */
  private fastFolioAllowed(h: number, flags: number): boolean {
    const rej = FOLL_PIN | FOLL_LONGTERM | FOLL_WRITE;
    if ((flags & rej) !== rej) return true;
    const mem = this.mem;
    if ((mem.pageFlags(h) & PG_anon) !== 0) return true;
    const m = this.core.mappings.get(mem.folioMappingId(h));
    return m !== undefined && m.shmem;
  }

  // ---- the slow path --------------------------------------------------------------------------------------

  /** Models `__gup_longterm_locked()`: pins, then migrates non-longterm-pinnable folios and retries. */
  private gupLongtermLocked(
    mm: MmStructImpl,
    start: number,
    nrPages: number,
    pages: number[] | undefined,
    off: number,
    flags: number,
    owner: RefOwner,
    fn: string,
  ): number {
    if ((flags & FOLL_LONGTERM) === 0 || pages === undefined)
      return this.getUserPagesLocked(mm, start, nrPages, pages, off, flags, owner, fn);
    for (;;) {
      const r = this.getUserPagesLocked(mm, start, nrPages, pages, off, flags, owner, fn);
      if (r <= 0) return r;
      const movable: number[] = [];
      for (let k = 0; k < r; k++) {
        const p = pages[off + k] as number;
        if (p === this.mem.zeroPfn) continue;
        const h = this.mem.folioHead(p);
        if (!this.folioIsLongtermPinnable(h) && !movable.includes(h)) movable.push(h);
      }
      if (movable.length === 0) return r;
      this.release(pages, off, r, flags, owner);
      for (const h of movable) {
        const nr = this.mem.folioNrPages(h);
        const d = migrateFolio(this.core, h);
        if (d < 0) {
          this.core.vm.pgmigrateFail.value += nr;
          return -ENOMEM;
        }
      }
    }
  }

  /** Models `__get_user_pages_locked()`. */
  private getUserPagesLocked(
    mm: MmStructImpl,
    start: number,
    nrPages: number,
    pages: number[] | undefined,
    off: number,
    gupFlags: number,
    owner: RefOwner,
    fn: string,
  ): number {
    let flags = gupFlags;
    if (pages !== undefined && (flags & FOLL_PIN) === 0) flags |= FOLL_GET;
    if ((flags & FOLL_PIN) !== 0) mm.hasPinned = true;
    if (!Number.isInteger(start) || start < 0 || !Number.isInteger(nrPages) || nrPages < 0) return -EINVAL;
    if (nrPages === 0) return 0;
    this.stoppedForIo = false;
    const r = this.getUserPagesInner(mm, start - (start % PAGE_SIZE), nrPages, pages, off, flags, owner, fn);
    if (r === 0 && (flags & FOLL_NOWAIT) === 0) return this.ioStarted() ? -EAGAIN : -EFAULT;
    return r;
  }

  /** Whether the last slow walk stopped because a fault started I/O. */
  private ioStarted(): boolean {
    return this.stoppedForIo;
  }

  takeFaultIo(): Promise<number> | undefined {
    if (!this.stoppedForIo) return undefined;
    this.stoppedForIo = false;
    const io = this.core.pendingIo;
    this.core.pendingIo = undefined;
    return io;
  }

  /** Models `__get_user_pages()`: the per-page walk with `follow_page_mask()` and `faultin_page()`. */
  private getUserPagesInner(
    mm: MmStructImpl,
    start: number,
    nrPages: number,
    pages: number[] | undefined,
    off: number,
    flags: number,
    owner: RefOwner,
    fn: string,
  ): number {
    if (mm.exited) return -EFAULT;
    let i = 0;
    let vma: Vma | undefined;
    let err = 0;
    let tries = 0;
    while (i < nrPages) {
      const addr = start + i * PAGE_SIZE;
      if (vma === undefined || addr >= vma.end || addr < vma.start) {
        vma = mm.findVma(addr);
        if (vma === undefined) {
          err = (flags & FOLL_MADV_POPULATE) !== 0 ? -ENOMEM : -EFAULT;
          break;
        }
        const c = this.checkVmaFlags(vma, flags);
        if (c < 0) {
          err = c;
          break;
        }
      }
      const r = this.followPage(mm, vma, addr, flags, nrPages - i);
      if (r === NEED_FAULT || r === NEED_UNSHARE) {
        if ((flags & FOLL_NOFAULT) !== 0 || ++tries > 4) {
          err = -EFAULT;
          break;
        }
        const fr = this.faultinPage(mm, vma, addr, flags, r === NEED_UNSHARE);
        if (fr === 0) continue;
        if (fr === FAULT_RETRY) this.stoppedForIo = true;
        else err = fr;
        break;
      }
      if (r < 0) {
        err = r;
        break;
      }
      tries = 0;
      const step = this.step;
      if (pages !== undefined) {
        const g = this.tryGrabFolio(r, step, flags, owner, fn, mm, addr);
        if (g < 0) {
          err = g;
          break;
        }
        for (let k = 0; k < step; k++) pages[off + i + k] = r === this.mem.zeroPfn ? r : r + k;
      }
      i += step;
    }
    return i > 0 ? i : err;
  }

  /** Models `check_vma_flags()` (mm/gup.c). @returns 0 or -errno */
  private checkVmaFlags(vma: Vma, flags: number): number {
    const vf = vma.flags;
    if ((vf & (VM_IO | VM_PFNMAP)) !== 0) return -EFAULT;
    if ((flags & FOLL_ANON) !== 0 && !vma.isAnon) return -EFAULT;
    if ((flags & FOLL_LONGTERM) !== 0 && vma.file?.dax === true) return -EOPNOTSUPP;
    if ((flags & FOLL_WRITE) !== 0) {
      if (!vma.isAnon && !writableFileMappingAllowed(vma, flags)) return -EFAULT;
      if ((vf & VM_WRITE) === 0) {
        if ((flags & FOLL_FORCE) === 0) return -EFAULT;
        if (!vma.isCow) return -EFAULT;
      }
    } else if ((vf & VM_READ) === 0) {
      if ((flags & FOLL_FORCE) === 0) return -EFAULT;
      if ((vf & VM_MAYREAD) === 0) return -EFAULT;
    }
    return 0;
  }

  /** Models `gup_must_unshare()` (mm/internal.h). */
  private gupMustUnshare(vma: Vma | undefined, flags: number, pfn: number): boolean {
    if ((flags & (FOLL_WRITE | FOLL_PIN)) !== FOLL_PIN) return false;
    const mem = this.mem;
    if (!mem.pageAnon(pfn) || pfn === mem.zeroPfn) {
      if ((flags & FOLL_LONGTERM) === 0) return false;
      if (vma === undefined) return true;
      return vma.isCow;
    }
    return !mem.pageAnonExclusive(pfn);
  }

  /** Models `can_follow_write_pte()` (mm/gup.c) for a write-protected PTE. */
  private canFollowWrite(vma: Vma, flags: number, bits: number, pfn: number): boolean {
    if ((flags & FOLL_FORCE) === 0) return false;
    if ((vma.flags & VM_SHARED) !== 0 || !vma.isCow || (vma.flags & VM_WRITE) !== 0) return false;
    if ((bits & PTE_SPECIAL) !== 0) return false;
    const mem = this.mem;
    if (!mem.pageAnon(pfn) || !mem.pageAnonExclusive(pfn)) return false;
    if ((vma.flags & VM_SOFTDIRTY) === 0 && (bits & PTE_SOFT_DIRTY) === 0) return false;
    return true;
  }

  /** Models `follow_page_mask()`: the page mapped at `addr`, or NEED_FAULT / NEED_UNSHARE / -errno. */
  private followPage(mm: MmStructImpl, vma: Vma, addr: number, flags: number, left: number): number {
    const mem = this.mem;
    const write = (flags & FOLL_WRITE) !== 0;
    const touch = (flags & FOLL_TOUCH) !== 0;
    this.step = 1;
    // no_page_table(): a core dump does not fault in anonymous holes.
    const hole = (flags & FOLL_DUMP) !== 0 && vma.isAnon ? -EFAULT : NEED_FAULT;
    let e = mm.pt.pmds.get(pmdIndex(addr));
    if (e === undefined) return hole;
    if (e instanceof HugePmd) {
      const b = e.bits;
      if (write && (b & PTE_WRITE) === 0 && !this.canFollowWrite(vma, flags, b, e.pfn)) return NEED_FAULT;
      if ((b & PTE_WRITE) === 0 && this.gupMustUnshare(vma, flags, e.pfn)) return NEED_UNSHARE;
      if ((flags & FOLL_SPLIT_PMD) !== 0) {
        splitHugePmd(mm, addr);
        e = mm.pt.pmds.get(pmdIndex(addr));
        if (e === undefined || e instanceof HugePmd) return NEED_FAULT;
      } else {
        const sub = pteIndex(addr);
        if (touch) e.bits |= PTE_ACCESSED | (write ? PTE_DIRTY : 0);
        if (touch && write) mem.setPageFlag(e.pfn, PG_dirty);
        this.step = Math.min(512 - sub, left);
        return e.pfn + sub;
      }
    }
    const t = e;
    const k = pteIndex(addr);
    const pfn = t.pfn[k] as number;
    if (pfn < 0) return hole;
    const b = t.bits[k] as number;
    if (write && (b & PTE_WRITE) === 0 && !this.canFollowWrite(vma, flags, b, pfn)) return NEED_FAULT;
    if ((b & PTE_SPECIAL) !== 0) {
      if ((flags & FOLL_DUMP) !== 0) return -EFAULT;
      if ((b & PTE_WRITE) === 0 && this.gupMustUnshare(vma, flags, pfn)) return NEED_UNSHARE;
      return pfn;
    }
    if ((b & PTE_WRITE) === 0 && this.gupMustUnshare(vma, flags, pfn)) return NEED_UNSHARE;
    if (touch) {
      if (write && (b & PTE_DIRTY) === 0 && !mem.pageDirty(pfn)) {
        const h = mem.folioHead(pfn);
        if (mem.pageAnon(h)) mem.setPageFlag(h, PG_dirty);
        else this.core.mappings.get(mem.folioMappingId(h))?.markDirty(h);
      }
      t.bits[k] = (t.bits[k] as number) | PTE_ACCESSED;
    }
    return pfn;
  }

  /** Models `faultin_page()` (mm/gup.c). @returns 0, FAULT_RETRY, or -errno */
  private faultinPage(mm: MmStructImpl, vma: Vma, addr: number, flags: number, unshare: boolean): number {
    let ff = 0;
    if ((flags & FOLL_WRITE) !== 0) ff |= FAULT_FLAG_WRITE;
    if ((flags & FOLL_REMOTE) !== 0) ff |= FAULT_FLAG_REMOTE;
    if (unshare) ff |= FAULT_FLAG_UNSHARE;
    const r = handleMmFaultLocked(mm, vma, addr, ff);
    if ((r & VM_FAULT_RETRY) !== 0) return FAULT_RETRY;
    if ((r & VM_FAULT_ERROR) !== 0) return (r & VM_FAULT_OOM) !== 0 ? -ENOMEM : -EFAULT;
    return 0;
  }
}

/** The implementation behind an {@link MmStruct} made by `Mm.createMm()`. */
function asMm(mm: MmStruct): MmStructImpl {
  if (!(mm instanceof MmStructImpl)) throw new Errno(EINVAL, 'mm: not an address space created by Mm.createMm()');
  return mm;
}

/** Models `is_valid_gup_args()` (mm/gup.c). @returns the flags with `toSet` added, or -1 if invalid */
export function isValidGupArgs(pages: readonly number[] | undefined, gupFlags: number, toSet: number): number {
  if ((gupFlags & INTERNAL_GUP_FLAGS) !== 0) return -1;
  const f = gupFlags | toSet;
  if ((f & (FOLL_PIN | FOLL_GET)) === (FOLL_PIN | FOLL_GET)) return -1;
  if ((f & (FOLL_LONGTERM | FOLL_PIN)) === FOLL_LONGTERM) return -1;
  if ((f & (FOLL_GET | FOLL_PIN)) !== 0 && pages === undefined) return -1;
  if ((f & FOLL_LONGTERM) !== 0 && (f & FOLL_PCI_P2PDMA) !== 0) return -1;
  return f;
}

/** Models `writable_file_mapping_allowed()` (mm/gup.c). */
function writableFileMappingAllowed(vma: Vma, flags: number): boolean {
  if ((flags & (FOLL_PIN | FOLL_LONGTERM)) !== (FOLL_PIN | FOLL_LONGTERM)) return true;
  return !vma.needsDirtyTracking;
}
