/**
 * The page-cache calls of `mm/filemap.c` that iomap direct I/O makes around the I/O
 * (`kiocb_write_and_wait()`, `kiocb_invalidate_pages()`, `kiocb_invalidate_post_direct_write()`), built on
 * mm's page cache.
 * @internal
 * @packageDocumentation
 */
import { EAGAIN } from '@stackemu/core';
import {
  filemapRangeHasPage,
  filemapRangeNeedsWriteback,
  filemapWriteAndWaitRange,
  invalidateInodePages2Range,
  PAGE_SIZE,
  type AddressSpace,
} from '@stackemu/mm';
import { IOCB_NOWAIT } from '@stackemu/vfs';
import type { Kiocb } from './upstream.js';

function mappingOf(iocb: Kiocb): AddressSpace {
  return iocb.kiFilp.fInode.iMapping;
}

/**
 * Models `kiocb_write_and_wait()` (mm/filemap.c): writes back and waits for cached pages of the range before
 * a direct read.
 * @returns 0, `-EAGAIN` (`IOCB_NOWAIT` and pages need writeback) or the writeback's `-errno`; a promise when
 * it must wait
 */
export function kiocbWriteAndWait(iocb: Kiocb, count: number): number | Promise<number> {
  const mapping = mappingOf(iocb);
  if (mapping.nrpages === 0) return 0;
  const pos = iocb.kiPos;
  const end = pos + count - 1;
  if ((iocb.kiFlags & IOCB_NOWAIT) !== 0) return filemapRangeNeedsWriteback(mapping, pos, end) ? -EAGAIN : 0;
  return filemapWriteAndWaitRange(mapping, pos, end);
}

/**
 * Models `kiocb_invalidate_pages()` (mm/filemap.c): writes back and drops cached pages of the range before
 * a direct write.
 * @returns 0, `-EAGAIN` (`IOCB_NOWAIT` with cached pages) or `-EBUSY` (a page could not be dropped); a promise
 * when it must wait
 */
export function kiocbInvalidatePages(iocb: Kiocb, count: number): number | Promise<number> {
  const mapping = mappingOf(iocb);
  if (mapping.nrpages === 0) return 0;
  const pos = iocb.kiPos;
  const end = pos + count - 1;
  const first = Math.floor(pos / PAGE_SIZE);
  const last = Math.floor(end / PAGE_SIZE);
  if ((iocb.kiFlags & IOCB_NOWAIT) !== 0) {
    // "we could block if there are any pages in the range"
    return filemapRangeHasPage(mapping, pos, end) ? -EAGAIN : invalidateInodePages2Range(mapping, first, last);
  }
  // Nothing to write back: invalidate now, without a wait (filemap_write_and_wait_range() would return at once).
  if (!filemapRangeNeedsWriteback(mapping, pos, end)) return invalidateInodePages2Range(mapping, first, last);
  return filemapWriteAndWaitRange(mapping, pos, end).then((r) =>
    r < 0 ? r : invalidateInodePages2Range(mapping, first, last),
  );
}

/**
 * Models `kiocb_invalidate_post_direct_write()` (mm/filemap.c): drops pages cached (by readahead or a racing
 * fault) while a direct write ran. A failure is tolerated, as in the kernel ("tough, the write still worked").
 */
export function kiocbInvalidatePostDirectWrite(iocb: Kiocb, count: number): void {
  const mapping = mappingOf(iocb);
  if (mapping.nrpages === 0) return;
  const pos = iocb.kiPos;
  invalidateInodePages2Range(mapping, Math.floor(pos / PAGE_SIZE), Math.floor((pos + count - 1) / PAGE_SIZE));
}
