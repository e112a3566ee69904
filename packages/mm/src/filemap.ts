/**
 * Page-cache lookups, insertion, removal, reads and folio locking (mm/filemap.c, mm/truncate.c).
 * @packageDocumentation
 */
import { EAGAIN, EBUSY, EEXIST, EINVAL, ENOENT, ENOMEM, Errno } from '@stackemu/core';
import type { AddressSpace } from './address-space.js';
import { GFP_HIGHUSER_MOVABLE } from './gfp.js';
import { asImpl } from './internal/as-impl.js';
import { startReadFolio, zapPte, pmdIndex, pteIndex } from './internal/memory.js';
import { HugePmd } from './internal/pgtable.js';
import { PG_dirty, PG_locked, PG_reclaim, PG_referenced, PG_uptodate, PG_writeback } from './internal/page-flags.js';
import { PAGE_SIZE } from './page-types.js';
import type { RefOwner } from './ref-owner.js';

/** Models `FGP_ACCESSED` (include/linux/pagemap.h): the folio will be marked accessed. */
export const FGP_ACCESSED = 0x1;
/** Models `FGP_LOCK` (include/linux/pagemap.h): the folio is returned locked. */
export const FGP_LOCK = 0x2;
/** Models `FGP_CREAT` (include/linux/pagemap.h): create a folio if none is present. */
export const FGP_CREAT = 0x4;
/** Models `FGP_WRITE` (include/linux/pagemap.h): the folio will be written to by the caller. */
export const FGP_WRITE = 0x8;
/** Models `FGP_NOFS` (include/linux/pagemap.h): no filesystem recursion (no effect in the model). */
export const FGP_NOFS = 0x10;
/** Models `FGP_NOWAIT` (include/linux/pagemap.h): don't block on the folio lock. */
export const FGP_NOWAIT = 0x20;
/** Models `FGP_FOR_MMAP` (include/linux/pagemap.h). */
export const FGP_FOR_MMAP = 0x40;
/** Models `FGP_STABLE` (include/linux/pagemap.h): wait for the folio to be stable (finished writeback). */
export const FGP_STABLE = 0x80;

/**
 * Models `__filemap_get_folio()` (mm/filemap.c): the folio at `index`, with a reference the caller drops with
 * `PhysMem.putPage()` (attributed to `owner` by the sanitizer).
 * @param mapping - the page cache
 * @param index - page index in the file
 * @param fgpFlags - `FGP_*`; `FGP_CREAT` adds a new, locked, not-uptodate folio (shmem: uptodate and zeroed)
 * @param owner - reference owner
 * @returns the pfn, or -ENOENT (absent without FGP_CREAT), -ENOMEM, -EAGAIN (FGP_LOCK on a locked folio: the
 * model cannot sleep here; use `folioLock()`), -EBUSY (FGP_STABLE on a folio under writeback)
 */
export function filemapGetFolio(mapping: AddressSpace, index: number, fgpFlags = 0, owner?: RefOwner): number {
  const m = asImpl(mapping);
  const core = m.core;
  const mem = core.mem;
  let pfn = m.lookup(index);
  if (pfn < 0) {
    if ((fgpFlags & FGP_CREAT) === 0) return -ENOENT;
    pfn = mem.allocFolio(0, GFP_HIGHUSER_MOVABLE);
    if (pfn < 0) return -ENOMEM;
    mem.setPageFlag(pfn, m.shmem ? PG_uptodate | PG_locked : PG_locked);
    m.add(pfn, index);
    if ((fgpFlags & FGP_LOCK) === 0) core.unlock(pfn);
  } else {
    if ((fgpFlags & FGP_LOCK) !== 0 && !core.tryLock(pfn)) return -EAGAIN;
    if ((fgpFlags & FGP_STABLE) !== 0 && (mem.pageFlags(pfn) & PG_writeback) !== 0) {
      if ((fgpFlags & FGP_LOCK) !== 0) core.unlock(pfn);
      return -EBUSY;
    }
    mem.refAdd(pfn, 1);
    if ((fgpFlags & FGP_ACCESSED) !== 0) mem.setPageFlag(pfn, PG_referenced);
  }
  core.san?.onGet(pfn, 1, owner, 'filemap_get_folio', undefined, -1);
  return pfn;
}

/**
 * Models `filemap_add_folio()` (mm/filemap.c): inserts a locked folio the caller allocated; the page cache
 * takes its own reference.
 * @returns 0 or -EEXIST
 */
export function filemapAddFolio(mapping: AddressSpace, pfn: number, index: number): number {
  const m = asImpl(mapping);
  if (m.lookup(index) >= 0) return -EEXIST;
  return m.add(pfn, index);
}

/**
 * Models `filemap_remove_folio()` (mm/filemap.c): removes an unmapped folio from the page cache.
 * @throws Errno EBUSY if the folio is still mapped
 */
export function filemapRemoveFolio(mapping: AddressSpace, pfn: number): void {
  const m = asImpl(mapping);
  if (m.core.mem.folioMapcount(pfn) > 0) throw new Errno(EBUSY, `mm: filemap_remove_folio: pfn ${pfn} is still mapped`);
  m.remove(pfn);
}

/**
 * Models `read_cache_folio()` / `filemap_read_folio()` (mm/filemap.c): the folio at `index`, read through
 * `a_ops->read_folio()` if not uptodate, with a reference for the caller.
 * @returns the pfn, or -ENOMEM, or the read's -errno (-EIO)
 */
export async function filemapReadFolio(mapping: AddressSpace, index: number, owner?: RefOwner): Promise<number> {
  const m = asImpl(mapping);
  const core = m.core;
  const mem = core.mem;
  for (let tries = 0; tries < 3; tries++) {
    const pfn = filemapGetFolio(m, index, FGP_CREAT, owner);
    if (pfn < 0) return pfn;
    if ((mem.pageFlags(pfn) & PG_uptodate) !== 0) return pfn;
    await core.lock(pfn);
    if ((mem.pageFlags(pfn) & PG_uptodate) !== 0) {
      core.unlock(pfn);
      return pfn;
    }
    if (m.lookup(index) !== pfn) {
      core.unlock(pfn);
      mem.putPage(pfn, owner);
      continue;
    }
    const r = await startReadFolio(m, pfn, index);
    if (r < 0) {
      mem.putPage(pfn, owner);
      return r;
    }
    return pfn;
  }
  return -EAGAIN;
}

/**
 * Models `read_pages()` (mm/readahead.c): starts reading a batch of folios readahead just added — consecutive
 * file pages from `index`, each locked and not uptodate — through `->readahead()` when the filesystem has it,
 * else one `->read_folio()` each. Does not wait; each folio is unlocked when its read ends.
 * @param mapping - the file's page cache
 * @param index - page index of `pfns[0]`
 * @param pfns - the folios
 */
export function readPages(mapping: AddressSpace, index: number, pfns: readonly number[]): void {
  if (pfns.length === 0) return;
  const m = asImpl(mapping);
  const aops = m.aops;
  if (aops.readahead !== undefined) {
    aops.readahead(m, index, pfns, (pfn, ok) => {
      m.endRead(pfn, ok);
    });
    return;
  }
  for (let i = 0; i < pfns.length; i++) void startReadFolio(m, pfns[i] as number, index + i);
}

/** Models `folio_lock()` (include/linux/pagemap.h): waits (in virtual time) for the folio lock. */
export function folioLock(mapping: AddressSpace, pfn: number): Promise<void> {
  return asImpl(mapping).core.lock(pfn);
}

/** Models `folio_trylock()` (include/linux/pagemap.h). @returns true if the lock was taken */
export function folioTrylock(mapping: AddressSpace, pfn: number): boolean {
  return asImpl(mapping).core.tryLock(pfn);
}

/** Models `folio_unlock()` (mm/filemap.c): wakes the next waiter. */
export function folioUnlock(mapping: AddressSpace, pfn: number): void {
  asImpl(mapping).core.unlock(pfn);
}

/** Models `folio_wait_writeback()` (mm/page-writeback.c). */
export function folioWaitWriteback(mapping: AddressSpace, pfn: number): Promise<void> {
  return asImpl(mapping).core.waitWriteback(pfn);
}

/**
 * Models `folio_set_readahead()` (include/linux/page-flags.h; `PG_readahead` shares its bit with `PG_reclaim`):
 * marks the folio whose read access should start the next asynchronous readahead.
 */
export function folioSetReadahead(mapping: AddressSpace, pfn: number): void {
  asImpl(mapping).core.mem.setPageFlag(pfn, PG_reclaim);
}

/** Models `folio_test_clear_readahead()`: @returns whether the folio carried the readahead mark (now cleared). */
export function folioTestClearReadahead(mapping: AddressSpace, pfn: number): boolean {
  const mem = asImpl(mapping).core.mem;
  if ((mem.pageFlags(pfn) & PG_reclaim) === 0) return false;
  mem.clearPageFlag(pfn, PG_reclaim);
  return true;
}

/** Models `folio_mark_uptodate()` (include/linux/page-flags.h). */
export function folioMarkUptodate(mapping: AddressSpace, pfn: number): void {
  asImpl(mapping).core.mem.setPageFlag(pfn, PG_uptodate);
}

/** Models `folio_index()` (include/linux/pagemap.h) for a page-cache folio. */
export function folioIndex(mapping: AddressSpace, pfn: number): number {
  return asImpl(mapping).core.mem.folioIndex(pfn);
}

/**
 * Models `unmap_mapping_range()` (mm/memory.c): removes the PTEs mapping page indexes
 * [`first`, `first + nr`) of the file from every VMA (shared and, with `evenCows`, private).
 */
export function unmapMappingRange(mapping: AddressSpace, first: number, nr: number, evenCows: boolean): void {
  const m = asImpl(mapping);
  for (const vma of [...m.iMmap]) {
    if (!evenCows && (vma.flags & 0x8) === 0) continue;
    for (let idx = first; idx < first + nr; idx++) {
      const a = vma.addrOfIndex(idx);
      if (a < 0) continue;
      const e = vma.mm.pt.pmds.get(pmdIndex(a));
      if (e === undefined || e instanceof HugePmd) continue;
      const k = pteIndex(a);
      const pfn = e.pfn[k] as number;
      if (pfn < 0 || m.core.mem.pageAnon(pfn)) continue;
      if (m.core.mem.folioMappingId(pfn) !== m.id) continue;
      zapPte(vma.mm, vma, e, k);
    }
  }
}

/**
 * Models `truncate_inode_pages_range()` (mm/truncate.c) for whole pages: unmaps and removes the folios at
 * indexes [`start`, `end`] (inclusive), waiting for their lock and writeback. Pinned folios leave the page
 * cache but live on until unpinned.
 */
export async function truncateInodePagesRange(mapping: AddressSpace, start: number, end: number): Promise<void> {
  const m = asImpl(mapping);
  if (end < start) return;
  const idx = [...m.pages.keys()].filter((i) => i >= start && i <= end).sort((a, b) => a - b);
  for (const i of idx) {
    const pfn = m.lookup(i);
    if (pfn < 0) continue;
    await m.core.lock(pfn);
    await m.core.waitWriteback(pfn);
    if (m.lookup(i) === pfn) {
      unmapMappingRange(m, i, 1, true);
      m.aops.invalidateFolio?.(m, pfn, 0, PAGE_SIZE);
      m.core.unlock(pfn);
      m.remove(pfn);
    } else m.core.unlock(pfn);
  }
}

/**
 * Models `invalidate_inode_pages2_range()` (mm/truncate.c), what direct I/O writes call: unmaps and drops
 * the clean folios at indexes [`start`, `end`].
 * @returns 0, or -EBUSY if a folio could not be dropped (dirty, locked, under writeback)
 */
export function invalidateInodePages2Range(mapping: AddressSpace, start: number, end: number): number {
  const m = asImpl(mapping);
  const mem = m.core.mem;
  let ret = 0;
  for (const i of [...m.pages.keys()].filter((x) => x >= start && x <= end).sort((a, b) => a - b)) {
    const pfn = m.lookup(i);
    const f = mem.pageFlags(pfn);
    unmapMappingRange(m, i, 1, false);
    if ((f & (PG_locked | PG_writeback | PG_dirty)) !== 0 || mem.folioMapcount(pfn) > 0) {
      ret = -EBUSY;
      continue;
    }
    if (m.aops.releaseFolio !== undefined && !m.aops.releaseFolio(m, pfn)) {
      ret = -EBUSY;
      continue;
    }
    m.remove(pfn);
  }
  return ret;
}

/**
 * Models `filemap_check_errors()` (mm/filemap.c): returns and clears the mapping's writeback error.
 * @returns 0 or a negative errno (-EIO, -ENOSPC)
 */
export function filemapCheckErrors(mapping: AddressSpace): number {
  const m = asImpl(mapping);
  const e = m.wbErr;
  m.wbErr = 0;
  return e === 0 ? 0 : -e;
}

/**
 * Models `mapping_set_error()` (include/linux/pagemap.h): records a writeback error for fsync to report.
 * @param err - a negative (or positive) errno; 0 is ignored
 */
export function mappingSetError(mapping: AddressSpace, err: number): void {
  if (err === 0) return;
  if (!Number.isInteger(err)) throw new Errno(EINVAL, 'mm: mapping_set_error needs an errno');
  asImpl(mapping).setError(err);
}

/**
 * Models `truncate_inode_pages_final()` (mm/truncate.c) at inode eviction: every folio leaves the page cache
 * (waiting for locks and writeback) and the mapping is forgotten by mm. Pinned folios live on until unpinned.
 * @throws Errno EBUSY if the file is still mapped
 */
export async function truncateInodePagesFinal(mapping: AddressSpace): Promise<void> {
  const m = asImpl(mapping);
  if (m.iMmap.size > 0) throw new Errno(EBUSY, `mm: truncate_inode_pages_final: address space ${m.id} is still mapped`);
  await truncateInodePagesRange(m, 0, Number.MAX_SAFE_INTEGER);
  m.releaseAll();
}
