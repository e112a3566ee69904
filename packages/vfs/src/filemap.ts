/**
 * Generic buffered I/O through the page cache (mm/filemap.c): `generic_file_read_iter()`,
 * `generic_perform_write()`, `generic_file_write_iter()` and the checks around them.
 * @packageDocumentation
 */
import { EFAULT, EFBIG, EINVAL, EIOCBQUEUED } from '@stackemu/core';
import type { IovIter, Upstream } from './internal/deps.js';
import { PAGE_SIZE } from './internal/deps.js';
import { IOCB_APPEND, IOCB_DIRECT, IOCB_DSYNC, IOCB_NOWAIT, IOCB_SYNC, type Kiocb } from './kiocb.js';
import { vfsFsyncRange } from './sync.js';

/**
 * The direct-I/O hook of {@link genericFileReadIter}/{@link genericFileWriteIter}: models
 * `a_ops->direct_IO()` (include/linux/fs.h). A filesystem whose `readIter`/`writeIter` are the generic
 * ones passes it to handle `IOCB_DIRECT`.
 * @returns bytes, `-errno` or `-EIOCBQUEUED`
 */
export type DirectIoFn = (iocb: Kiocb, iter: IovIter) => number | Promise<number>;

/**
 * The buffered-I/O context of one machine: the page cache and iterator copies.
 * @remarks Filesystems receive it from the vfs (`FsContext`-independent): `vfsBufferedIo(vfs)`; tests may
 * pass their own.
 */
export interface BufferedIo {
  /** mm and block calls. */
  readonly up: Upstream;
}

/**
 * Models `filemap_read()` (mm/filemap.c): copies from the page cache, reading folios in through
 * `aops.readFolio` as needed, stopping at EOF.
 * @param io - page cache access
 * @param iocb - the kiocb (`kiPos` advanced)
 * @param iter - destination
 * @param already - bytes a preceding direct read transferred
 * @returns bytes copied (0 at EOF), or `-EFAULT` (nothing copied into a bad buffer), the `readFolio` error
 */
export async function filemapRead(io: BufferedIo, iocb: Kiocb, iter: IovIter, already = 0): Promise<number> {
  const inode = iocb.kiFilp.fInode;
  const mapping = inode.iMapping;
  const up = io.up;
  let pos = iocb.kiPos;
  let done = already;
  if (pos < 0) return -EINVAL;
  while (iter.count > 0 && pos < inode.iSize) {
    const index = Math.floor(pos / PAGE_SIZE);
    const pfn = await up.readMappingFolio(mapping, index);
    if (pfn < 0) {
      iocb.kiPos = pos;
      return done > 0 ? done : pfn;
    }
    const isize = inode.iSize;
    if (pos >= isize) break;
    const off = pos % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - off, isize - pos, iter.count);
    const c = up.copyPageToIter(pfn, off, n, iter);
    done += c;
    pos += c;
    if (c < n) {
      iocb.kiPos = pos;
      return done > 0 ? done : -EFAULT;
    }
  }
  iocb.kiPos = pos;
  return done;
}

/**
 * Models `generic_file_read_iter()` (mm/filemap.c): `IOCB_DIRECT` goes to `directIO` after writing back
 * the range (`kiocb_write_and_wait()`), the rest through the page cache.
 * @param io - page cache access
 * @param iocb - the kiocb
 * @param iter - destination
 * @param directIO - the filesystem's `a_ops->direct_IO`; without it `IOCB_DIRECT` fails `-EINVAL`
 * @returns bytes, `-errno`, or `-EIOCBQUEUED` from a queued direct read
 */
export async function genericFileReadIter(io: BufferedIo, iocb: Kiocb, iter: IovIter, directIO?: DirectIoFn): Promise<number> {
  const count = iter.count;
  if (count === 0) return 0;
  if (iocb.kiFlags & IOCB_DIRECT) {
    if (directIO === undefined) return -EINVAL;
    const mapping = iocb.kiFilp.fInode.iMapping;
    const w = await io.up.filemapWriteAndWaitRange(mapping, iocb.kiPos, iocb.kiPos + count - 1);
    if (w < 0) return w;
    const r = await directIO(iocb, iter);
    if (r === -EIOCBQUEUED || r < 0 || r === count) return r;
    // A short direct read stops at EOF; the page cache adds nothing past it.
    if (iocb.kiPos >= iocb.kiFilp.fInode.iSize) return r;
    return filemapRead(io, iocb, iter, r);
  }
  return filemapRead(io, iocb, iter);
}

/**
 * Models `generic_write_checks()` (mm/filemap.c, fs/read_write.c `generic_write_check_limits()`):
 * resolves `IOCB_APPEND` to EOF and clips the write at `s_maxbytes`.
 * @param iocb - the kiocb (`kiPos` set to EOF for append)
 * @param iter - the source (truncated at the limit)
 * @returns bytes to write (0 for an empty write), `-EFBIG` past `s_maxbytes`, `-EINVAL` for
 * `IOCB_NOWAIT` without `IOCB_DIRECT`
 */
export function genericWriteChecks(iocb: Kiocb, iter: IovIter): number {
  const inode = iocb.kiFilp.fInode;
  if (iter.count === 0) return 0;
  if (iocb.kiFlags & IOCB_APPEND) iocb.kiPos = inode.iSize;
  if (iocb.kiFlags & IOCB_NOWAIT && !(iocb.kiFlags & IOCB_DIRECT)) return -EINVAL;
  const max = inode.iSb.sMaxbytes;
  if (iocb.kiPos >= max) return -EFBIG;
  if (iter.count > max - iocb.kiPos) iter.count = max - iocb.kiPos;
  return iter.count;
}

/**
 * Models `generic_perform_write()` (mm/filemap.c) with `simple_write_begin()`-style folio preparation:
 * each chunk grabs the folio, reads it in if the write covers it partly and it holds data, copies, marks
 * it dirty and extends `i_size`. Writeback is mm's flusher's business.
 * @param io - page cache access
 * @param iocb - the kiocb (`kiPos` advanced)
 * @param iter - source
 * @returns bytes written, or `-EFAULT` (nothing copied), the `readFolio`/page-cache error
 */
export async function genericPerformWrite(io: BufferedIo, iocb: Kiocb, iter: IovIter): Promise<number> {
  const inode = iocb.kiFilp.fInode;
  const mapping = inode.iMapping;
  const up = io.up;
  let pos = iocb.kiPos;
  let written = 0;
  while (iter.count > 0) {
    const index = Math.floor(pos / PAGE_SIZE);
    const off = pos % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - off, iter.count);
    let pfn = up.grabCacheFolio(mapping, index);
    if (pfn < 0) return written > 0 ? written : pfn;
    if (!up.folioTestUptodate(pfn) && (off !== 0 || n !== PAGE_SIZE)) {
      if (index * PAGE_SIZE >= inode.iSize) {
        up.folioZeroAndMarkUptodate(pfn);
      } else {
        pfn = await up.readMappingFolio(mapping, index);
        if (pfn < 0) return written > 0 ? written : pfn;
      }
    }
    const c = up.copyPageFromIter(pfn, off, n, iter);
    // simple_write_end(): a folio the copy filled completely is now uptodate.
    if (c === PAGE_SIZE && !up.folioTestUptodate(pfn)) up.folioMarkUptodate(pfn);
    if (c > 0) up.folioMarkDirty(mapping, pfn);
    written += c;
    pos += c;
    if (pos > inode.iSize) inode.iSize = pos;
    if (c < n) {
      if (written === 0) return -EFAULT;
      break;
    }
  }
  iocb.kiPos = pos;
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
 * Models `generic_file_write_iter()` → `__generic_file_write_iter()` (mm/filemap.c): checks, then a direct
 * write (with page-cache writeback and invalidation around it) or {@link genericPerformWrite}, then
 * {@link genericWriteSync}.
 * @param io - page cache access
 * @param iocb - the kiocb
 * @param iter - source
 * @param directIO - the filesystem's `a_ops->direct_IO`; without it `IOCB_DIRECT` fails `-EINVAL`
 * @returns bytes written, `-errno`, or `-EIOCBQUEUED` from a queued direct write
 */
export async function genericFileWriteIter(io: BufferedIo, iocb: Kiocb, iter: IovIter, directIO?: DirectIoFn): Promise<number> {
  const ok = genericWriteChecks(iocb, iter);
  if (ok <= 0) return ok;
  let r: number;
  if (iocb.kiFlags & IOCB_DIRECT) {
    if (directIO === undefined) return -EINVAL;
    const mapping = iocb.kiFilp.fInode.iMapping;
    const start = iocb.kiPos;
    const end = start + iter.count - 1;
    const w = await io.up.filemapWriteAndWaitRange(mapping, start, end);
    if (w < 0) return w;
    io.up.invalidateInodePages2Range(mapping, Math.floor(start / PAGE_SIZE), Math.floor(end / PAGE_SIZE));
    r = await directIO(iocb, iter);
    if (r === -EIOCBQUEUED || r < 0) return r;
    if (iocb.kiPos > iocb.kiFilp.fInode.iSize) iocb.kiFilp.fInode.iSize = iocb.kiPos;
  } else {
    r = await genericPerformWrite(io, iocb, iter);
    if (r <= 0) return r;
  }
  return genericWriteSync(iocb, r);
}

/**
 * Models `generic_file_mmap()` (mm/filemap.c): a file can be mapped if its page cache can read folios.
 * @returns 0
 */
export function genericFileMmap(): number {
  return 0;
}
