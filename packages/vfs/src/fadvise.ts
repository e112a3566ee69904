/**
 * `posix_fadvise(2)` (mm/fadvise.c): `generic_fadvise()` and `vfs_fadvise()` — access-pattern hints that
 * size the file's readahead window, start readahead, or write back and drop cached pages.
 * @packageDocumentation
 */
import { EINVAL, ESPIPE } from '@stackemu/core';
import { WB_SYNC_NONE, __filemapFdatawriteRange, invalidateMappingPages, mappingTryInvalidate } from '@stackemu/mm';
import { inodeToBdi, noopBackingDevInfo } from './backing-dev.js';
import { FMODE_NOREUSE, FMODE_RANDOM, type File } from './file.js';
import type { Inode } from './inode.js';
import { PAGE_SIZE, type PhysMem } from './internal/deps.js';
import { forcePageCacheRa } from './readahead.js';
import {
  POSIX_FADV_DONTNEED,
  POSIX_FADV_NOREUSE,
  POSIX_FADV_NORMAL,
  POSIX_FADV_RANDOM,
  POSIX_FADV_SEQUENTIAL,
  POSIX_FADV_WILLNEED,
} from './uapi/fadvise.js';
import { sIsFifo } from './uapi/stat.js';

/** `LLONG_MAX >> PAGE_SHIFT`: the page index of the last byte a `loff_t` can address. */
const LAST_INDEX = 2 ** 51 - 1;

/** True for the six advice values `generic_fadvise()` knows. */
function knownAdvice(advice: number): boolean {
  return (
    advice === POSIX_FADV_NORMAL ||
    advice === POSIX_FADV_RANDOM ||
    advice === POSIX_FADV_SEQUENTIAL ||
    advice === POSIX_FADV_WILLNEED ||
    advice === POSIX_FADV_NOREUSE ||
    advice === POSIX_FADV_DONTNEED
  );
}

/**
 * Models `generic_fadvise()` (mm/fadvise.c, 6.18):
 * - `POSIX_FADV_NORMAL`: the readahead window back to the device's (`f_ra.ra_pages = bdi->ra_pages`), clears
 *   `FMODE_RANDOM` and `FMODE_NOREUSE`;
 * - `POSIX_FADV_RANDOM`: sets `FMODE_RANDOM`;
 * - `POSIX_FADV_SEQUENTIAL`: twice the device's window, clears `FMODE_RANDOM`;
 * - `POSIX_FADV_WILLNEED`: starts readahead of the range (`force_page_cache_readahead()`, see
 *   {@link forcePageCacheRa}) and returns without waiting for it;
 * - `POSIX_FADV_NOREUSE`: sets `FMODE_NOREUSE`;
 * - `POSIX_FADV_DONTNEED`: starts writeback of the range's dirty pages (`WB_SYNC_NONE`), then drops the clean,
 *   unmapped, unused pages wholly inside it (`mapping_try_invalidate()`, again with `invalidate_mapping_pages()`
 *   if some failed); a partial first page is kept, a partial last page too unless the range ends at EOF.
 * Files on the no-op bdi (pseudo filesystems, anonymous inodes) accept every valid advice and ignore it.
 * @param mem - the machine's memory (readahead's references)
 * @param file - the open file
 * @param offset - first byte
 * @param len - bytes; 0 means "to the end of the file"
 * @param advice - `POSIX_FADV_*`
 * @returns 0, or `-ESPIPE` (a FIFO), `-EINVAL` (negative `len`, unknown advice)
 */
export async function genericFadvise(
  mem: PhysMem,
  file: File,
  offset: number,
  len: number,
  advice: number,
): Promise<number> {
  const inode = file.fInode;
  if (sIsFifo(inode.iMode)) return -ESPIPE;
  const mapping = file.fMapping;
  if (len < 0) return -EINVAL;
  const bdi = inodeToBdi(mapping.host as Inode);
  if (bdi === noopBackingDevInfo) return knownAdvice(advice) ? 0 : -EINVAL;
  // endbyte, inclusive: len 0 or an overflowing end mean LLONG_MAX.
  const toEnd = len === 0 || offset + len > Number.MAX_SAFE_INTEGER;
  const endbyte = toEnd ? Number.MAX_SAFE_INTEGER : offset + len - 1;
  switch (advice) {
    case POSIX_FADV_NORMAL:
      file.fRa.raPages = bdi.raPages;
      file.fMode &= ~(FMODE_RANDOM | FMODE_NOREUSE);
      return 0;
    case POSIX_FADV_RANDOM:
      file.fMode |= FMODE_RANDOM;
      return 0;
    case POSIX_FADV_SEQUENTIAL:
      file.fRa.raPages = bdi.raPages * 2;
      file.fMode &= ~FMODE_RANDOM;
      return 0;
    case POSIX_FADV_WILLNEED: {
      // A negative offset is a huge pgoff_t: past EOF, nothing is read.
      if (offset < 0) return 0;
      const startIndex = Math.floor(offset / PAGE_SIZE);
      const endIndex = toEnd ? LAST_INDEX : Math.floor(endbyte / PAGE_SIZE);
      forcePageCacheRa(mem, file, startIndex, endIndex - startIndex + 1);
      return 0;
    }
    case POSIX_FADV_NOREUSE:
      file.fMode |= FMODE_NOREUSE;
      return 0;
    case POSIX_FADV_DONTNEED: {
      // A negative offset makes both the writeback range and the first full page index out of reach.
      if (offset < 0) return 0;
      await __filemapFdatawriteRange(mapping, offset, endbyte, WB_SYNC_NONE);
      // First and last FULL page; the last one also if the range ends on a page boundary or at EOF.
      const startIndex = Math.floor((offset + PAGE_SIZE - 1) / PAGE_SIZE);
      let endIndex = toEnd ? LAST_INDEX : Math.floor(endbyte / PAGE_SIZE);
      if (!toEnd && endbyte % PAGE_SIZE !== PAGE_SIZE - 1 && endbyte !== inode.iSize - 1) {
        if (endIndex === 0) return 0;
        endIndex--;
      }
      if (endIndex >= startIndex) {
        const nrFailed = { value: 0 };
        mappingTryInvalidate(mapping, startIndex, endIndex, nrFailed);
        // The kernel drains the per-CPU LRU caches and tries again; the model has none, so the second pass
        // finds the same folios busy.
        if (nrFailed.value > 0) invalidateMappingPages(mapping, startIndex, endIndex);
      }
      return 0;
    }
    default:
      return -EINVAL;
  }
}

/**
 * Models `vfs_fadvise()` (mm/fadvise.c): the file's own `->fadvise()` if it has one, else
 * {@link genericFadvise}.
 * @returns as {@link genericFadvise}, or the filesystem's
 */
export function vfsFadvise(mem: PhysMem, file: File, offset: number, len: number, advice: number): Promise<number> {
  const fop = file.fOp;
  if (fop.fadvise !== undefined) return Promise.resolve(fop.fadvise(file, offset, len, advice));
  return genericFadvise(mem, file, offset, len, advice);
}
