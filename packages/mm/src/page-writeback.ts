/**
 * Dirtying and writeback of page-cache folios (mm/page-writeback.c).
 * @packageDocumentation
 */
import { EAGAIN } from '@stackemu/core';
import type { AddressSpace } from './address-space.js';
import { WB_SYNC_ALL, WB_SYNC_NONE, type WritebackControl } from './fs.js';
import { asImpl } from './internal/as-impl.js';
import { dirtyFreerunCeiling, globalDirtyLimits } from './internal/dirty-limits.js';
import type { MmCore } from './internal/mm-core.js';
import { PG_dirty, PG_locked, PG_towrite, PG_writeback } from './internal/page-flags.js';
import { PAGE_SIZE } from './page-types.js';

/** Models `PAGECACHE_TAG_DIRTY` (include/linux/fs.h). */
export const PAGECACHE_TAG_DIRTY = 0;
/** Models `PAGECACHE_TAG_WRITEBACK` (include/linux/fs.h). */
export const PAGECACHE_TAG_WRITEBACK = 1;
/** Models `PAGECACHE_TAG_TOWRITE` (include/linux/fs.h). */
export const PAGECACHE_TAG_TOWRITE = 2;

/**
 * A `struct writeback_control` with the kernel's defaults for a data-integrity (`WB_SYNC_ALL`) or a
 * background (`WB_SYNC_NONE`) write of a byte range.
 * @param syncMode - `WB_SYNC_ALL` or `WB_SYNC_NONE`
 * @param rangeStart - first byte (default 0)
 * @param rangeEnd - last byte, inclusive (default: end of file)
 */
export function writebackControl(
  syncMode: number,
  rangeStart = 0,
  rangeEnd = Number.MAX_SAFE_INTEGER,
): WritebackControl {
  return {
    syncMode,
    nrToWrite: syncMode === WB_SYNC_ALL ? Number.MAX_SAFE_INTEGER : 1024,
    pagesSkipped: 0,
    rangeStart,
    rangeEnd,
    rangeCyclic: false,
    forKupdate: false,
    forBackground: false,
    forReclaim: false,
  };
}

/**
 * Models `folio_mark_dirty()` (mm/page-writeback.c): through `a_ops->dirty_folio` if the filesystem has one,
 * else {@link filemapDirtyFolio}.
 * @returns true if the folio was newly dirtied
 */
export function folioMarkDirty(mapping: AddressSpace, pfn: number): boolean {
  return asImpl(mapping).markDirty(pfn);
}

/**
 * Models `filemap_dirty_folio()` (mm/page-writeback.c), the default `dirty_folio`: sets the dirty flag and
 * tag, accounts `nr_dirty`/`nr_dirtied` and puts the inode on the flusher's dirty list.
 * @returns true if the folio was newly dirtied
 */
export function filemapDirtyFolio(mapping: AddressSpace, pfn: number): boolean {
  return asImpl(mapping).dirtyFolio(pfn);
}

/**
 * Models `folio_clear_dirty_for_io()` (mm/page-writeback.c): write-protects the folio's shared PTEs
 * (`folio_mkclean()`, transferring PTE dirty bits to the folio) and clears its dirty flag before I/O.
 * @returns true if the folio was dirty (the caller must write it)
 */
export function folioClearDirtyForIo(mapping: AddressSpace, pfn: number): boolean {
  return asImpl(mapping).clearDirtyForIo(pfn);
}

/** Models `folio_start_writeback()` (include/linux/page-flags.h → `__folio_start_writeback()`). */
export function folioStartWriteback(mapping: AddressSpace, pfn: number): void {
  asImpl(mapping).startWriteback(pfn);
}

/** Models `folio_end_writeback()` (mm/filemap.c): clears writeback and wakes waiters. */
export function folioEndWriteback(mapping: AddressSpace, pfn: number): void {
  asImpl(mapping).endWriteback(pfn);
}

/** Models `folio_test_dirty()`. */
export function folioTestDirty(mapping: AddressSpace, pfn: number): boolean {
  return (asImpl(mapping).core.mem.pageFlags(pfn) & PG_dirty) !== 0;
}

/**
 * The indexes carrying a page-cache tag, ascending (`filemap_get_folios_tag()`, mm/filemap.c).
 * @param tag - `PAGECACHE_TAG_*`
 */
export function filemapTaggedIndexes(
  mapping: AddressSpace,
  tag: number,
  start = 0,
  end = Number.MAX_SAFE_INTEGER,
): number[] {
  const m = asImpl(mapping);
  if (tag === PAGECACHE_TAG_DIRTY || tag === PAGECACHE_TAG_WRITEBACK) {
    const set = tag === PAGECACHE_TAG_DIRTY ? m.dirtyTag : m.writebackTag;
    const out: number[] = [];
    for (let i = set.next(start); i >= 0 && i <= end; i = set.next(i + 1)) out.push(i);
    return out;
  }
  const mem = m.core.mem;
  if (end - start < m.pages.size) {
    const out: number[] = [];
    for (let i = start; i <= end; i++) {
      const p = m.lookup(i);
      if (p >= 0 && (mem.pageFlags(p) & PG_towrite) !== 0) out.push(i);
    }
    return out;
  }
  const src = [...m.pages].filter(([, p]) => (mem.pageFlags(p) & PG_towrite) !== 0).map(([i]) => i);
  return src.filter((i) => i >= start && i <= end).sort((a, b) => a - b);
}

/**
 * Models `filemap_range_needs_writeback()` (mm/filemap.c): a cached page of the byte range [start, end] is
 * dirty or under writeback, so a direct I/O there must first write back or wait.
 * @param mapping - the file's page cache
 * @param start - first byte
 * @param end - last byte (inclusive)
 * @returns true if the range has a dirty or writeback-tagged page
 * @remarks Called per direct I/O: costs O(min(pages in range, tagged pages)), allocates nothing.
 */
export function filemapRangeNeedsWriteback(mapping: AddressSpace, start: number, end: number): boolean {
  const m = asImpl(mapping);
  if (m.nrpages === 0 || end < start) return false;
  const first = Math.floor(start / PAGE_SIZE);
  const last = Math.floor(end / PAGE_SIZE);
  return m.dirtyTag.anyInRange(first, last) || m.writebackTag.anyInRange(first, last);
}

/**
 * Models `tag_pages_for_writeback()` (mm/page-writeback.c): tags the dirty folios of [start, end] TOWRITE, so
 * a data-integrity pass writes exactly them.
 */
export function tagPagesForWriteback(mapping: AddressSpace, start: number, end: number): void {
  const m = asImpl(mapping);
  const tag = (i: number): void => {
    const p = m.lookup(i);
    if (p >= 0) m.core.mem.setPageFlag(p, PG_towrite);
  };
  for (let i = m.dirtyTag.next(start); i >= 0 && i <= end; i = m.dirtyTag.next(i + 1)) tag(i);
}

/**
 * Models `write_cache_pages()` / `writeback_iter()` (mm/page-writeback.c): walks the dirty (or, for
 * `WB_SYNC_ALL`, TOWRITE-tagged) folios of `wbc`'s range, locks each, skips ones no longer dirty, clears
 * dirty for I/O and calls `writeFolio`, which must start writeback (`folioStartWriteback`), unlock the folio,
 * and later end writeback. Decrements `wbc.nrToWrite`.
 * @param writeFolio - the filesystem's per-folio write; resolves 0 or -errno
 * @returns 0 or the first error
 */
export async function writeCachePages(
  mapping: AddressSpace,
  wbc: WritebackControl,
  writeFolio: (pfn: number, index: number) => Promise<number> | number,
): Promise<number> {
  const m = asImpl(mapping);
  if (!wbc.rangeCyclic)
    return writeRange(m, wbc, Math.floor(wbc.rangeStart / PAGE_SIZE), Math.floor(wbc.rangeEnd / PAGE_SIZE), writeFolio);
  // Cyclic: from writeback_index to the end, then wrap around to the start.
  const from = m.writebackIndex;
  const e1 = await writeRange(m, wbc, from, Number.MAX_SAFE_INTEGER, writeFolio);
  if (e1 < 0 || from === 0 || wbc.nrToWrite <= 0) {
    if (wbc.nrToWrite > 0) m.writebackIndex = 0;
    return e1;
  }
  const e2 = await writeRange(m, wbc, 0, from - 1, writeFolio);
  if (wbc.nrToWrite > 0) m.writebackIndex = 0;
  return e2;
}

async function writeRange(
  m: ReturnType<typeof asImpl>,
  wbc: WritebackControl,
  start: number,
  end: number,
  writeFolio: (pfn: number, index: number) => Promise<number> | number,
): Promise<number> {
  const core = m.core;
  const mem = core.mem;
  const integrity = wbc.syncMode === WB_SYNC_ALL;
  if (integrity) tagPagesForWriteback(m, start, end);
  // Integrity: the folios tagged TOWRITE above. Otherwise the dirty tag, walked from `start` in index order and
  // only as far as `nr_to_write` goes (a `filemap_get_folios_tag()` batch at a time in the kernel).
  const towrite = integrity ? filemapTaggedIndexes(m, PAGECACHE_TAG_TOWRITE, start, end) : undefined;
  let k = 0;
  const nextIndex = (prev: number): number => {
    if (towrite !== undefined) return k < towrite.length ? (towrite[k++] as number) : -1;
    const i = m.dirtyTag.next(prev + 1);
    return i <= end ? i : -1;
  };
  let err = 0;
  for (let index = nextIndex(start - 1); index >= 0; index = nextIndex(index)) {
    const pfn = m.lookup(index);
    if (pfn < 0) continue;
    await core.lock(pfn);
    if (m.lookup(index) !== pfn || (mem.pageFlags(pfn) & PG_dirty) === 0) {
      mem.clearPageFlag(pfn, PG_towrite);
      core.unlock(pfn);
      continue;
    }
    if ((mem.pageFlags(pfn) & PG_writeback) !== 0) {
      if (!integrity) {
        core.unlock(pfn);
        continue;
      }
      await core.waitWriteback(pfn);
    }
    if (!m.clearDirtyForIo(pfn)) {
      core.unlock(pfn);
      continue;
    }
    const r = await writeFolio(pfn, index);
    if ((mem.pageFlags(pfn) & PG_locked) !== 0) core.unlock(pfn);
    if (r < 0) {
      if (err === 0) err = r;
      m.setError(r);
      if (!integrity && r !== -EAGAIN) break;
    }
    wbc.nrToWrite--;
    m.writebackIndex = index + 1;
    if (wbc.nrToWrite <= 0 && !integrity) break;
  }
  return err;
}

/**
 * Models `filemap_fdatawait_range()` (mm/filemap.c): waits for writeback of [start, end] bytes.
 * @returns 0 or the mapping's recorded error (cleared)
 */
export async function filemapFdatawaitRange(mapping: AddressSpace, start: number, end: number): Promise<number> {
  const m = asImpl(mapping);
  for (const i of filemapTaggedIndexes(
    m,
    PAGECACHE_TAG_WRITEBACK,
    Math.floor(start / PAGE_SIZE),
    Math.floor(end / PAGE_SIZE),
  )) {
    const p = m.lookup(i);
    if (p >= 0) await m.core.waitWriteback(p);
  }
  const e = m.wbErr;
  m.wbErr = 0;
  return e === 0 ? 0 : -e;
}

/**
 * Models `__filemap_fdatawrite_range()` (mm/filemap.c): `writepages` over bytes [start, end] with every page
 * wanted (`nr_to_write = LONG_MAX`); `WB_SYNC_NONE` starts writeback without waiting on folios already under it,
 * `WB_SYNC_ALL` writes for data integrity. Nothing happens for a mapping that cannot write back or has no dirty
 * folio (`mapping_tagged(PAGECACHE_TAG_DIRTY)`).
 * @returns 0 or -errno
 */
export function __filemapFdatawriteRange(
  mapping: AddressSpace,
  start: number,
  end: number,
  syncMode: number,
): Promise<number> {
  const m = asImpl(mapping);
  if (!m.canWriteback || m.dirtyTag.size === 0) return Promise.resolve(0);
  const wbc = writebackControl(syncMode, start, end);
  wbc.nrToWrite = Number.MAX_SAFE_INTEGER;
  return m.aops.writepages(m, wbc);
}

/**
 * Models `filemap_fdatawrite_range()` (mm/filemap.c): a `WB_SYNC_ALL` `writepages` over [start, end] bytes.
 * @returns 0 or -errno
 */
export function filemapFdatawriteRange(mapping: AddressSpace, start: number, end: number): Promise<number> {
  return __filemapFdatawriteRange(mapping, start, end, WB_SYNC_ALL);
}

/**
 * Models `filemap_range_has_page()` (mm/filemap.c): whether any folio of bytes [start, end] is cached.
 * @remarks O(min(pages in range, cached pages)), allocates nothing.
 */
export function filemapRangeHasPage(mapping: AddressSpace, start: number, end: number): boolean {
  const m = asImpl(mapping);
  if (m.nrpages === 0 || end < start) return false;
  const first = Math.floor(start / PAGE_SIZE);
  const last = Math.floor(end / PAGE_SIZE);
  if (last - first < m.pages.size) {
    for (let i = first; i <= last; i++) if (m.pages.has(i)) return true;
    return false;
  }
  for (const i of m.pages.keys()) if (i >= first && i <= last) return true;
  return false;
}

/**
 * Models `filemap_write_and_wait_range()` (mm/filemap.c), what fsync and direct I/O use.
 * @returns 0 or -errno
 */
export async function filemapWriteAndWaitRange(mapping: AddressSpace, start: number, end: number): Promise<number> {
  const w = await filemapFdatawriteRange(mapping, start, end);
  const e = await filemapFdatawaitRange(mapping, start, end);
  return w < 0 ? w : e;
}

export { WB_SYNC_ALL, WB_SYNC_NONE };

/** The longest pause of one `balance_dirty_pages()` sleep (`MAX_PAUSE`, HZ/5): 200 ms. */
export const MAX_PAUSE_NS = 200_000_000;

const NO_PAUSE: Promise<void> = Promise.resolve();

/**
 * Models `balance_dirty_pages_ratelimited()` (mm/page-writeback.c), called by writers after dirtying page-cache
 * folios: below the free-run ceiling (halfway between the background and the dirty thresholds) nothing happens
 * but starting background writeback above the background threshold; above it the writer pauses until writeback
 * completes a folio (or {@link MAX_PAUSE_NS} pass), and above `vm.dirty_ratio` of dirtyable memory it pauses
 * until the dirty and writeback pages are back under it.
 * @remarks The kernel sizes each pause from the measured writeback bandwidth and a position ratio; clocking
 * writers by writeback completions gives the same long-run rate (the device's write bandwidth) without the
 * estimator. The check is made on every call (the kernel's per-task `nr_dirtied_pause` ratelimit only saves
 * the cost of computing the thresholds).
 * @returns settles when the writer may go on
 */
export function balanceDirtyPagesRatelimited(mapping: AddressSpace): Promise<void> {
  const m = asImpl(mapping);
  if (!m.canWriteback) return NO_PAUSE;
  const core = m.core;
  const vm = core.vm;
  const l = globalDirtyLimits(core);
  if (vm.nrDirty.value > l.bgThresh) core.dirtyListener?.backgroundWriteback();
  if (vm.nrDirty.value + vm.nrWriteback.value <= dirtyFreerunCeiling(l)) return NO_PAUSE;
  return balanceDirtyPages(core);
}

/** Models the throttling loop of `balance_dirty_pages()`. */
async function balanceDirtyPages(core: MmCore): Promise<void> {
  const vm = core.vm;
  for (;;) {
    core.dirtyListener?.backgroundWriteback();
    await core.waitWritebackProgress(MAX_PAUSE_NS);
    const l = globalDirtyLimits(core);
    if (vm.nrDirty.value + vm.nrWriteback.value <= l.thresh) return;
  }
}
