/**
 * Generic buffered I/O through mm's page cache (mm/filemap.c): `generic_file_read_iter()`,
 * `generic_perform_write()`, `generic_file_write_iter()` and the checks around them.
 * @packageDocumentation
 */
import { EAGAIN, EBUSY, EFAULT, EFBIG, EINVAL, EIOCBQUEUED } from '@stackemu/core';
import { copyPageFromIter, copyPageToIter, iovIterRevert, iovIterTruncate } from '@stackemu/block';
import {
  FGP_CREAT,
  filemapGetFolio,
  filemapReadFolio,
  filemapRangeNeedsWriteback,
  filemapWriteAndWaitRange,
  folioLock,
  folioMarkDirty,
  folioMarkUptodate,
  folioTestClearReadahead,
  folioUnlock,
  invalidateInodePages2Range,
} from '@stackemu/mm';
import type { Inode } from './inode.js';
import type { AddressSpace, IovIter } from './internal/deps.js';
import { PAGE_SIZE } from './internal/deps.js';
import { faultInIovIterReadable, faultInIovIterWriteable } from './internal/iov-fault.js';
import { IOCB_APPEND, IOCB_DIRECT, IOCB_DSYNC, IOCB_NOIO, IOCB_NOWAIT, IOCB_SYNC, type Kiocb } from './kiocb.js';
import { pageCacheAsyncRa, pageCacheSyncRa } from './readahead.js';
import { vfsFsyncRange } from './sync.js';
import type { Upstream } from './upstream.js';
import { sIsBlk } from './uapi/stat.js';

/**
 * The direct-I/O hook of {@link genericFileReadIter}/{@link genericFileWriteIter}: models
 * `a_ops->direct_IO()` (include/linux/fs.h). Like the kernel's, it transfers at `iocb.kiPos` and advances
 * `iter`, but does not move `kiPos`: the generic code does, after it returns.
 * @returns bytes transferred, `-errno`, or `-EIOCBQUEUED` (async kiocb; `kiComplete` reports the result and
 * the filesystem's completion advances `kiPos`)
 */
export type DirectIoFn = (iocb: Kiocb, iter: IovIter) => number | Promise<number>;

/**
 * The buffered-I/O context of one machine: the mm and block services the page-cache paths use.
 * @remarks Filesystems receive it as `FsContext.bufferedIo`.
 */
export interface BufferedIo {
  /** mm and block services. */
  readonly up: Upstream;
}

const ZEROES = new Uint8Array(PAGE_SIZE);

/**
 * Models `filemap_read()` (mm/filemap.c): copies from the page cache, reading folios in through
 * `aops.readFolio` (mm's `filemapReadFolio`) as needed, stopping at EOF. Each folio is held by a reference
 * attributed to the kiocb while it is copied. A copy into user memory that is not faulted in yet (a page of
 * another file's mapping) is retried after `fault_in_iov_iter_writeable()`.
 * @param io - mm and block services
 * @param iocb - the kiocb (`kiPos` advanced)
 * @param iter - destination
 * @param already - bytes a preceding direct read transferred
 * @returns bytes copied plus `already` (0 at EOF), or `-EINVAL` (negative position), `-EFAULT` (nothing
 * copied into a bad buffer), the `readFolio` error (`-EIO`)
 */
export async function filemapRead(io: BufferedIo, iocb: Kiocb, iter: IovIter, already = 0): Promise<number> {
  const mapping = iocb.kiFilp.fMapping;
  const inode = mapping.host as Inode;
  const { physMem, blk } = io.up;
  let pos = iocb.kiPos;
  let done = already;
  if (pos < 0) return -EINVAL;
  const max = inode.iSb.sMaxbytes;
  if (pos >= max) return done;
  iovIterTruncate(iter, max - pos);
  let faulted = false;
  const file = iocb.kiFilp;
  while (iter.count > 0 && pos < inode.iSize) {
    const index = Math.floor(pos / PAGE_SIZE);
    // filemap_get_pages(): readahead on a miss (sync) or on reaching the readahead mark (async), then wait for
    // the folio to be uptodate.
    const lastIndex = Math.ceil((pos + iter.count) / PAGE_SIZE);
    const cached = filemapGetFolio(mapping, index, 0, iocb);
    if (cached < 0) {
      if ((iocb.kiFlags & IOCB_NOIO) === 0) pageCacheSyncRa(physMem, file, index, lastIndex - index);
    } else {
      if (folioTestClearReadahead(mapping, cached)) pageCacheAsyncRa(physMem, file, index, lastIndex - index);
      physMem.putPage(cached, iocb);
    }
    const pfn = await filemapReadFolio(mapping, index, iocb);
    if (pfn < 0) {
      iocb.kiPos = pos;
      return done > 0 ? done : pfn;
    }
    const isize = inode.iSize;
    if (pos >= isize) {
      physMem.putPage(pfn, iocb);
      break;
    }
    const off = pos % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - off, isize - pos, iter.count);
    const c = copyPageToIter(blk, pfn, off, n, iter);
    physMem.putPage(pfn, iocb);
    done += c;
    pos += c;
    if (c < n) {
      // The destination faulted: fault it in (page-cache reads of a mapped file wait here) and retry once.
      if (faulted || (await faultInIovIterWriteable(iter, n - c)) === n - c) {
        iocb.kiPos = pos;
        return done > 0 ? done : -EFAULT;
      }
      faulted = true;
      continue;
    }
    faulted = false;
  }
  iocb.kiPos = pos;
  file.fRa.prevPos = pos;
  await chargeCopy(io, done - already);
  return done;
}

/**
 * The CPU time of copying `bytes` between the page cache and user memory (`copy_page_to_iter()` /
 * `copy_page_from_iter()`), charged in virtual time at the machine's copy bandwidth (mm param `copy_bandwidth`).
 */
function chargeCopy(io: BufferedIo, bytes: number): Promise<void> | undefined {
  const ns = Math.round(bytes * io.up.physMem.copyNsPerByte);
  return ns > 0 ? io.up.blk.scheduler.sleep(ns) : undefined;
}

/**
 * Models `kiocb_write_and_wait()` (mm/filemap.c): before a direct read, writes back and waits for the
 * cached range; with `IOCB_NOWAIT`, refuses if that would block.
 * @param iocb - the kiocb
 * @param count - bytes of the I/O
 * @returns 0 (synchronously when nothing in the range is dirty or under writeback, so that a direct I/O is
 * issued in the caller's turn), `-EAGAIN` (`IOCB_NOWAIT` and writeback needed), or the writeback error
 */
export function kiocbWriteAndWait(iocb: Kiocb, count: number): number | Promise<number> {
  const mapping = iocb.kiFilp.fMapping;
  const start = iocb.kiPos;
  const end = start + count - 1;
  if (!filemapRangeNeedsWriteback(mapping, start, end)) return 0;
  if (iocb.kiFlags & IOCB_NOWAIT) return -EAGAIN;
  return filemapWriteAndWaitRange(mapping, start, end);
}

/**
 * Models `kiocb_invalidate_pages()` (mm/filemap.c): before a direct write, writes back the cached range and
 * drops it from the page cache.
 * @param iocb - the kiocb
 * @param count - bytes of the I/O
 * @returns 0 (synchronously when nothing needs writing back), `-EAGAIN` (`IOCB_NOWAIT` and cached pages in
 * the way), `-EBUSY` (a folio could not be invalidated: the caller falls back to buffered I/O), or the
 * writeback error
 */
export function kiocbInvalidatePages(iocb: Kiocb, count: number): number | Promise<number> {
  const mapping = iocb.kiFilp.fMapping;
  if (mapping.nrpages === 0) return 0;
  const start = iocb.kiPos;
  const end = start + count - 1;
  const first = Math.floor(start / PAGE_SIZE);
  const last = Math.floor(end / PAGE_SIZE);
  if (!filemapRangeNeedsWriteback(mapping, start, end)) return invalidateInodePages2Range(mapping, first, last);
  if (iocb.kiFlags & IOCB_NOWAIT) return -EAGAIN;
  return filemapWriteAndWaitRange(mapping, start, end).then((r) =>
    r < 0 ? r : invalidateInodePages2Range(mapping, first, last),
  );
}

/**
 * Models `generic_file_read_iter()` (mm/filemap.c): `IOCB_DIRECT` goes to `directIO` after writing back the
 * range (`kiocb_write_and_wait()`), then advances `kiPos`; a short direct read below EOF is completed
 * through the page cache; everything else is {@link filemapRead}.
 * @param io - mm and block services
 * @param iocb - the kiocb
 * @param iter - destination
 * @param directIO - the filesystem's `a_ops->direct_IO`; without it `IOCB_DIRECT` fails `-EINVAL`
 * @returns bytes, `-errno` (`-EINVAL`, `-EAGAIN`, `-EFAULT`, `-EIO`), or `-EIOCBQUEUED` from a queued
 * direct read
 */
export async function genericFileReadIter(
  io: BufferedIo,
  iocb: Kiocb,
  iter: IovIter,
  directIO?: DirectIoFn,
): Promise<number> {
  let count = iter.count;
  if (count === 0) return 0;
  let retval = 0;
  if (iocb.kiFlags & IOCB_DIRECT) {
    if (directIO === undefined) return -EINVAL;
    const wait = kiocbWriteAndWait(iocb, count);
    const w = typeof wait === 'number' ? wait : await wait;
    if (w < 0) return w;
    retval = await directIO(iocb, iter);
    if (retval >= 0) {
      iocb.kiPos += retval;
      count -= retval;
    }
    if (retval !== -EIOCBQUEUED) iovIterRevert(iter, count - iter.count);
    if (retval < 0 || count === 0) return retval;
    if (iocb.kiPos >= (iocb.kiFilp.fMapping.host as Inode).iSize) return retval;
  }
  return filemapRead(io, iocb, iter, retval);
}

/**
 * Models `generic_write_checks()` (mm/filemap.c) with `generic_write_check_limits()`: resolves
 * `IOCB_APPEND` to EOF and clips the write at `s_maxbytes`.
 * @param iocb - the kiocb (`kiPos` set to EOF for append)
 * @param iter - the source (truncated at the limit)
 * @returns bytes to write (0 for an empty write), `-EFBIG` at or past `s_maxbytes`, `-EINVAL` for
 * `IOCB_NOWAIT` without `IOCB_DIRECT`
 */
export function genericWriteChecks(iocb: Kiocb, iter: IovIter): number {
  const inode = iocb.kiFilp.fMapping.host as Inode;
  if (iter.count === 0) return 0;
  if (iocb.kiFlags & IOCB_APPEND) iocb.kiPos = inode.iSize;
  if (iocb.kiFlags & IOCB_NOWAIT && !(iocb.kiFlags & IOCB_DIRECT)) return -EINVAL;
  const max = inode.iSb.sMaxbytes;
  if (iocb.kiPos >= max) return -EFBIG;
  iovIterTruncate(iter, max - iocb.kiPos);
  return iter.count;
}

/**
 * The `write_begin` of {@link genericPerformWrite}: models `simple_write_begin()` (fs/libfs.c) with the
 * read-in of `block_write_begin()` — the folio at `pos`, created if absent, locked, with a reference for
 * `owner`; a folio the write covers only partly is read in when it lies inside EOF and zeroed when beyond.
 * @returns the pfn (locked, referenced), or `-errno` (`-ENOMEM`, the `readFolio` error)
 */
async function writeBegin(
  io: BufferedIo,
  mapping: AddressSpace,
  iocb: Kiocb,
  pos: number,
  len: number,
): Promise<number> {
  const physMem = io.up.physMem;
  const index = Math.floor(pos / PAGE_SIZE);
  const off = pos % PAGE_SIZE;
  for (;;) {
    const pfn = filemapGetFolio(mapping, index, FGP_CREAT, iocb);
    if (pfn < 0) return pfn;
    await folioLock(mapping, pfn);
    const again = filemapGetFolio(mapping, index, 0, iocb);
    if (again >= 0) physMem.putPage(again, iocb);
    if (again !== pfn) {
      // Truncated or replaced while we waited for the lock.
      folioUnlock(mapping, pfn);
      physMem.putPage(pfn, iocb);
      continue;
    }
    if (physMem.pageUptodate(pfn) || (off === 0 && len === PAGE_SIZE)) return pfn;
    if (index * PAGE_SIZE >= (mapping.host as Inode).iSize) {
      physMem.write(pfn * PAGE_SIZE, ZEROES, 0, PAGE_SIZE);
      folioMarkUptodate(mapping, pfn);
      return pfn;
    }
    folioUnlock(mapping, pfn);
    physMem.putPage(pfn, iocb);
    const r = await filemapReadFolio(mapping, index, iocb);
    if (r < 0) return r;
    physMem.putPage(r, iocb);
  }
}

/**
 * Models `generic_perform_write()` (mm/filemap.c) over `simple_write_begin()`/`simple_write_end()`
 * (fs/libfs.c): per folio, get it locked and uptodate enough, copy from the iterator, mark it dirty, extend
 * `i_size`. A copy that faults copies nothing; the source is faulted in
 * (`fault_in_iov_iter_readable()`) and the chunk retried. Writeback is mm's flusher's business.
 * @param io - mm and block services
 * @param iocb - the kiocb (`kiPos` advanced)
 * @param iter - source
 * @returns bytes written, or `-EFAULT` (nothing copied), the page cache's error (`-ENOMEM`, `-EIO`)
 */
export async function genericPerformWrite(io: BufferedIo, iocb: Kiocb, iter: IovIter): Promise<number> {
  const mapping = iocb.kiFilp.fMapping;
  const inode = mapping.host as Inode;
  const { physMem, blk } = io.up;
  let pos = iocb.kiPos;
  let written = 0;
  let status = 0;
  while (iter.count > 0) {
    const off = pos % PAGE_SIZE;
    const bytes = Math.min(PAGE_SIZE - off, iter.count);
    const pfn = await writeBegin(io, mapping, iocb, pos, bytes);
    if (pfn < 0) {
      status = pfn;
      break;
    }
    const copied = copyPageFromIter(blk, pfn, off, bytes, iter);
    // simple_write_end(): a short copy into a folio that is not uptodate is rejected entirely.
    let accepted = copied;
    if (!physMem.pageUptodate(pfn)) {
      if (copied < bytes) {
        iovIterRevert(iter, copied);
        accepted = 0;
      } else {
        folioMarkUptodate(mapping, pfn);
      }
    }
    if (accepted > 0) {
      if (pos + accepted > inode.iSize) inode.iSize = pos + accepted;
      folioMarkDirty(mapping, pfn);
    }
    folioUnlock(mapping, pfn);
    physMem.putPage(pfn, iocb);
    if (accepted === 0) {
      if ((await faultInIovIterReadable(iter, bytes)) === bytes) {
        status = -EFAULT;
        break;
      }
      continue;
    }
    pos += accepted;
    written += accepted;
  }
  if (written === 0) return status;
  iocb.kiPos += written;
  await chargeCopy(io, written);
  return written;
}

/**
 * Models `generic_write_sync()` (include/linux/fs.h): `IOCB_DSYNC` writes are synced before returning.
 * @param iocb - the kiocb after the write (`kiPos` past it)
 * @param count - bytes written (> 0)
 * @returns `count`, or the sync's `-errno`
 */
export async function genericWriteSync(iocb: Kiocb, count: number): Promise<number> {
  if (count > 0 && iocb.kiFlags & IOCB_DSYNC) {
    const r = await vfsFsyncRange(iocb.kiFilp, iocb.kiPos - count, iocb.kiPos - 1, !(iocb.kiFlags & IOCB_SYNC));
    if (r < 0) return r;
  }
  return count;
}

/**
 * Models `kiocb_invalidate_post_direct_write()` (mm/filemap.c): after a direct write, drops the folios of the
 * range that a racing buffered read may have cached meanwhile.
 * @param iocb - the kiocb, at the start of the write
 * @param count - bytes written
 */
export function kiocbInvalidatePostDirectWrite(iocb: Kiocb, count: number): void {
  const pos = iocb.kiPos;
  invalidateInodePages2Range(
    iocb.kiFilp.fMapping,
    Math.floor(pos / PAGE_SIZE),
    Math.floor((pos + count - 1) / PAGE_SIZE),
  );
}

/**
 * Models `generic_file_direct_write()` (mm/filemap.c): writes back and invalidates the cached range, runs
 * `directIO`, invalidates again, advances `kiPos` and extends `i_size`.
 * @param iocb - the kiocb
 * @param iter - source
 * @param directIO - the filesystem's `a_ops->direct_IO`
 * @returns bytes written, 0 (cached pages could not be invalidated: fall back to buffered), `-errno`, or
 * `-EIOCBQUEUED`
 */
export async function genericFileDirectWrite(iocb: Kiocb, iter: IovIter, directIO: DirectIoFn): Promise<number> {
  const mapping = iocb.kiFilp.fMapping;
  const inode = mapping.host as Inode;
  let writeLen = iter.count;
  let pos = iocb.kiPos;
  const invalidating = kiocbInvalidatePages(iocb, writeLen);
  const inv = typeof invalidating === 'number' ? invalidating : await invalidating;
  if (inv < 0) return inv === -EBUSY ? 0 : inv;
  const written = await directIO(iocb, iter);
  if (written > 0) kiocbInvalidatePostDirectWrite(iocb, written);
  if (written !== -EIOCBQUEUED) {
    if (written > 0) {
      pos += written;
      writeLen -= written;
      if (pos > inode.iSize && !sIsBlk(inode.iMode)) inode.iSize = pos;
      iocb.kiPos = pos;
    }
    iovIterRevert(iter, writeLen - iter.count);
  }
  return written;
}

/**
 * Models `generic_file_write_iter()` → `__generic_file_write_iter()` (mm/filemap.c): checks, then a direct
 * write ({@link genericFileDirectWrite}, with a buffered fallback for what it left, as
 * `direct_write_fallback()`) or {@link genericPerformWrite}, then {@link genericWriteSync}.
 * @param io - mm and block services
 * @param iocb - the kiocb
 * @param iter - source
 * @param directIO - the filesystem's `a_ops->direct_IO`; without it `IOCB_DIRECT` fails `-EINVAL`
 * @returns bytes written, `-errno` (`-EINVAL`, `-EFBIG`, `-EFAULT`, `-EAGAIN`, `-EIO`), or `-EIOCBQUEUED`
 * from a queued direct write
 */
export async function genericFileWriteIter(
  io: BufferedIo,
  iocb: Kiocb,
  iter: IovIter,
  directIO?: DirectIoFn,
): Promise<number> {
  const ok = genericWriteChecks(iocb, iter);
  if (ok <= 0) return ok;
  let r: number;
  if (iocb.kiFlags & IOCB_DIRECT) {
    if (directIO === undefined) return -EINVAL;
    r = await genericFileDirectWrite(iocb, iter, directIO);
    if (r === -EIOCBQUEUED || r < 0 || iter.count === 0) {
      if (r <= 0) return r;
      return genericWriteSync(iocb, r);
    }
    r = await directWriteFallback(io, iocb, iter, r);
  } else {
    r = await genericPerformWrite(io, iocb, iter);
  }
  if (r <= 0) return r;
  return genericWriteSync(iocb, r);
}

/**
 * Models `direct_write_fallback()` (fs/libfs.c): the rest of a short direct write goes through the page
 * cache, which is then written back and invalidated so the data reaches the device as with direct I/O.
 * @param io - mm and block services
 * @param iocb - the kiocb, past the direct part
 * @param iter - what the direct write left
 * @param directWritten - bytes the direct write did (≥ 0)
 * @returns the total written, or the direct part (or the error, if it did nothing) when the buffered part
 * or its writeback failed
 */
export async function directWriteFallback(
  io: BufferedIo,
  iocb: Kiocb,
  iter: IovIter,
  directWritten: number,
): Promise<number> {
  const start = iocb.kiPos;
  const buffered = await genericPerformWrite(io, iocb, iter);
  if (buffered <= 0) return directWritten > 0 ? directWritten : buffered;
  const mapping = iocb.kiFilp.fMapping;
  const end = start + buffered - 1;
  const w = await filemapWriteAndWaitRange(mapping, start, end);
  if (w < 0) {
    iocb.kiPos -= buffered;
    return directWritten > 0 ? directWritten : w;
  }
  invalidateInodePages2Range(mapping, Math.floor(start / PAGE_SIZE), Math.floor(end / PAGE_SIZE));
  return directWritten + buffered;
}

/**
 * Models `generic_file_mmap()` (mm/filemap.c): a file whose page cache can read folios can be mapped; the
 * mapping uses the default fault paths (no `vm_operations_struct` of its own).
 * @returns 0
 */
export function genericFileMmap(): number {
  return 0;
}
