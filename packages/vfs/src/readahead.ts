/**
 * Readahead (mm/readahead.c): the per-file readahead state, on-demand readahead for buffered reads
 * (`page_cache_sync_ra()` on a cache miss, `page_cache_async_ra()` on a folio marked `PG_readahead`, with the
 * window ramp-up of `get_init_ra_size()`/`get_next_ra_size()`) and the forced readahead of `POSIX_FADV_WILLNEED`
 * and `FMODE_RANDOM` files.
 * @packageDocumentation
 */
import { FGP_CREAT, filemapGetFolio, folioSetReadahead, folioTrylock, readPages } from '@stackemu/mm';
import { inodeToBdi } from './backing-dev.js';
import { FMODE_RANDOM, type File } from './file.js';
import type { Inode } from './inode.js';
import { PAGE_SIZE, type AddressSpace, type PhysMem, type RefOwner } from './internal/deps.js';

/** Models `struct file_ra_state` (include/linux/fs.h). */
export interface FileRaState {
  /** `ra_pages`: the maximum readahead window of this open file, in pages (`posix_fadvise()` changes it). */
  raPages: number;
  /** `start`: first page of the current window. */
  start: number;
  /** `size`: pages in the current window. */
  size: number;
  /** `async_size`: pages of the window left when the next readahead starts. */
  asyncSize: number;
  /** `prev_pos`: byte position where the last read ended (-1: none yet). */
  prevPos: number;
}

/** A fresh `file_ra_state` (all zero, `prev_pos` = -1). */
export function newFileRaState(): FileRaState {
  return { raPages: 0, start: 0, size: 0, asyncSize: 0, prevPos: -1 };
}

/**
 * Models `file_ra_state_init()` (mm/readahead.c): an open file starts with its backing device's window.
 * @param ra - the file's `f_ra`
 * @param mapping - the file's page cache (`f_mapping`), whose host is an {@link Inode}
 */
export function fileRaStateInit(ra: FileRaState, mapping: AddressSpace): void {
  ra.raPages = inodeToBdi(mapping.host as Inode).raPages;
}

/** The reference owner of the folios a forced readahead holds while they are read. */
const readaheadOwner: RefOwner = Object.freeze({ refOwnerName: (): string => 'force_page_cache_ra' });

/**
 * Models `force_page_cache_ra()` (mm/readahead.c) → `do_page_cache_ra()` → `page_cache_ra_unbounded()`: starts
 * reading the folios of page indexes [`index`, `index + nrToRead`) that are not cached, without waiting. The
 * request is capped at `max(bdi->io_pages, ra->ra_pages)` pages and at the end of the file.
 * @param mem - the machine's memory (to drop the references held during the reads)
 * @param file - the open file (`f_mapping`, `f_ra`)
 * @param index - first page index
 * @param nrToRead - pages wanted
 * @returns how many reads were started (pages already cached are skipped)
 * @remarks The missing folios go to `->readahead()` in runs, as on-demand readahead's do. Read errors are ignored,
 * as `posix_fadvise()` ignores them.
 */
export function forcePageCacheRa(mem: PhysMem, file: File, index: number, nrToRead: number): number {
  const bdi = inodeToBdi(file.fMapping.host as Inode);
  const nr = Math.min(nrToRead, Math.max(bdi.ioPages, file.fRa.raPages));
  return doPageCacheRa(mem, file, index, nr, 0);
}

/**
 * Models `do_page_cache_ra()` → `page_cache_ra_unbounded()` (mm/readahead.c): starts reading the folios of
 * [`index`, `index + nrToRead`) that are not cached (clamped to EOF), without waiting, and marks the folio
 * `lookaheadSize` pages before the end `PG_readahead`. Each run of consecutive missing folios is added locked
 * and handed to `read_pages()` as one batch (`->readahead()` when the filesystem has it: one I/O per run of
 * contiguous blocks).
 * @returns reads started
 */
export function doPageCacheRa(
  mem: PhysMem,
  file: File,
  index: number,
  nrToRead: number,
  lookaheadSize: number,
): number {
  const mapping = file.fMapping;
  const isize = (mapping.host as Inode).iSize;
  if (isize === 0 || nrToRead <= 0) return 0;
  const endIndex = Math.floor((isize - 1) / PAGE_SIZE);
  if (index > endIndex) return 0;
  const nr = Math.min(nrToRead, endIndex - index + 1);
  const mark = lookaheadSize <= nr ? index + nr - lookaheadSize : -1;
  let started = 0;
  let batch: number[] = [];
  let batchIndex = index;
  const flush = (): void => {
    if (batch.length === 0) return;
    readPages(mapping, batchIndex, batch);
    batch = [];
  };
  for (let i = index; i < index + nr; i++) {
    const cached = filemapGetFolio(mapping, i, 0, readaheadOwner);
    if (cached >= 0) {
      mem.putPage(cached, readaheadOwner);
      flush();
      continue;
    }
    const pfn = filemapGetFolio(mapping, i, FGP_CREAT, readaheadOwner);
    if (pfn < 0) break; // -ENOMEM: read what was started
    // ractl_alloc_folio() + filemap_add_folio(): a new folio, locked until its read ends.
    if (mem.pageUptodate(pfn) || !folioTrylock(mapping, pfn)) {
      mem.putPage(pfn, readaheadOwner);
      flush();
      continue;
    }
    if (i === mark) folioSetReadahead(mapping, pfn);
    mem.putPage(pfn, readaheadOwner);
    if (batch.length === 0) batchIndex = i;
    batch.push(pfn);
    started++;
  }
  flush();
  return started;
}

/** Models `get_init_ra_size()` (mm/readahead.c): the first window for a request of `size` pages. */
export function getInitRaSize(size: number, max: number): number {
  let n = 1;
  while (n < size) n *= 2;
  if (n <= max / 32) return n * 4;
  if (n <= max / 4) return n * 2;
  return max;
}

/** Models `get_next_ra_size()` (mm/readahead.c): the window after one of `cur` pages. */
export function getNextRaSize(cur: number, max: number): number {
  if (cur < max / 16) return 4 * cur;
  if (cur <= max / 2) return 2 * cur;
  return max;
}

/** Models `ractl_max_pages()`: `ra_pages`, or up to `io_pages` for a larger request. */
function raMaxPages(file: File, reqCount: number): number {
  const bdi = inodeToBdi(file.fMapping.host as Inode);
  let max = file.fRa.raPages;
  if (reqCount > max && bdi.ioPages > max) max = Math.min(reqCount, bdi.ioPages);
  return max;
}

/**
 * Models `page_cache_sync_ra()` (mm/readahead.c, 6.18) on a buffered read missing the cache at `index`: a forced
 * read of the request for `FMODE_RANDOM` files or a zero window; a new window at the start of the file, for an
 * oversized or a sequential read; for other reads, the cached history before `index` decides between reading just
 * the request and a window sized from it.
 * @param reqCount - pages the read still wants
 */
export function pageCacheSyncRa(mem: PhysMem, file: File, index: number, reqCount: number): void {
  const ra = file.fRa;
  if (ra.raPages === 0 || (file.fMode & FMODE_RANDOM) !== 0) {
    forcePageCacheRa(mem, file, index, ra.raPages === 0 ? 1 : reqCount);
    return;
  }
  const max = raMaxPages(file, reqCount);
  const prevIndex = ra.prevPos < 0 ? -1 : Math.floor(ra.prevPos / PAGE_SIZE);
  // (index - prev_index) <= 1 in unsigned arithmetic: the same or the next page only.
  if (index === 0 || reqCount > max || (prevIndex >= 0 && index >= prevIndex && index - prevIndex <= 1)) {
    ra.start = index;
    ra.size = getInitRaSize(reqCount, max);
    ra.asyncSize = ra.size > reqCount ? ra.size - reqCount : ra.size >> 1;
  } else {
    // page_cache_prev_miss(): the first uncached page walking back from index - 1.
    let miss = index - 1;
    while (miss >= 0 && index - 1 - miss < max) {
      const p = filemapGetFolio(file.fMapping, miss, 0, readaheadOwner);
      if (p < 0) break;
      mem.putPage(p, readaheadOwner);
      miss--;
    }
    let contig = index - miss - 1;
    if (contig <= reqCount) {
      doPageCacheRa(mem, file, index, reqCount, 0);
      return;
    }
    if (miss < 0) contig *= 2;
    ra.start = index;
    ra.size = Math.min(contig + reqCount, max);
    ra.asyncSize = 1;
  }
  doPageCacheRa(mem, file, ra.start, ra.size, ra.asyncSize);
}

/**
 * Models `page_cache_async_ra()` (mm/readahead.c): a read reached the folio marked `PG_readahead` (the caller
 * cleared the mark): the next window, twice the last up to the maximum, starts where the current one ends.
 */
export function pageCacheAsyncRa(mem: PhysMem, file: File, index: number, reqCount: number): void {
  const ra = file.fRa;
  if (ra.raPages === 0) return;
  const max = raMaxPages(file, reqCount);
  if (index === ra.start + ra.size - ra.asyncSize) {
    ra.start += ra.size;
    ra.size = getNextRaSize(ra.size, max);
    ra.asyncSize = ra.size;
  } else {
    // Interleaved or resumed stream: restart after the cached pages that follow (page_cache_next_miss()).
    let start = index + 1;
    while (start - index <= max) {
      const p = filemapGetFolio(file.fMapping, start, 0, readaheadOwner);
      if (p < 0) break;
      mem.putPage(p, readaheadOwner);
      start++;
    }
    if (start - index > max) return;
    ra.start = start;
    ra.size = getNextRaSize(start - index + reqCount, max);
    ra.asyncSize = ra.size;
  }
  doPageCacheRa(mem, file, ra.start, ra.size, ra.asyncSize);
}
