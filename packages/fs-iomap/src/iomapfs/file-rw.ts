/**
 * The read and write paths of iomapfs files (the counterpart of `ext4_file_read_iter()`,
 * `ext4_file_write_iter()` and `ext4_aops` with ext4's iomap direct I/O): `O_DIRECT` through
 * `iomap_dio_rw()`, buffered I/O through the page cache with iomap's folio operations.
 * @packageDocumentation
 */
import { EIOCBQUEUED, ENOTBLK } from '@stackemu/core';
import { iovIterCount, type IovIter } from '@stackemu/block';
import {
  IOCB_DIRECT,
  genericFileReadIter,
  genericWriteChecks,
  genericWriteSync,
  type Inode,
  type Kiocb,
} from '@stackemu/vfs';
import {
  iomapFileBufferedWrite,
  iomapReadFolio,
  iomapWritepages,
  type IomapWritebackOps,
  type IomapWritepageCtx,
} from '../buffered-io.js';
import { iomapDioRw } from '../direct-io.js';
import { I_DIRTY_DATASYNC, I_DIRTY_SYNC } from './inode.js';
import { iomapfsI, iomapfsIomapOps, iomapfsMapBlocks } from './iomap-ops.js';
import { IOMAP_WRITE } from '../iomap.js';
import type { AddressSpace, WritebackControl } from '@stackemu/mm';
import { iomapfsSyncVfsInode } from './super.js';

/** The block layer's iterator behind the vfs's view of it. */
function blockIter(iter: object): IovIter {
  return iter as unknown as IovIter;
}

/**
 * Models `ext4_file_read_iter()` (fs/ext4/file.c): `IOCB_DIRECT` through `iomap_dio_rw()` with iomapfs's
 * mappings, everything else through the page cache (`generic_file_read_iter()`).
 * @returns bytes read, `-EIOCBQUEUED`, or `-errno` (`-EINVAL` misaligned direct I/O, `-EIO`)
 */
export function iomapfsFileReadIter(iocb: Kiocb, iter: object): number | Promise<number> {
  const it = blockIter(iter);
  if (iovIterCount(it) === 0) return 0;
  const ii = iomapfsI(iocb.kiFilp.fInode);
  if ((iocb.kiFlags & IOCB_DIRECT) !== 0) {
    return iomapDioRw(iocb, it, iomapfsIomapOps, ii.sbi.ctx.dioReadOps, 0, undefined, 0);
  }
  return genericFileReadIter(ii.sbi.ctx.bufferedIo, iocb, iter as Parameters<typeof genericFileReadIter>[2]);
}

function fileModified(inode: Inode): void {
  const ii = iomapfsI(inode);
  ii.mtime = ii.ctime = ii.sbi.now();
  ii.sbi.markInodeDirty(ii, I_DIRTY_SYNC);
  inode.iMtimeNs = inode.iCtimeNs = ii.mtime;
}

/** Records a size the write moved (i_size of the vfs inode) in the iomapfs inode. */
function syncSize(inode: Inode): void {
  const ii = iomapfsI(inode);
  if (inode.iSize !== ii.size) {
    ii.size = inode.iSize;
    ii.sbi.markInodeDirty(ii, I_DIRTY_DATASYNC);
  }
  iomapfsSyncVfsInode(inode, ii);
}

async function bufferedWrite(iocb: Kiocb, it: IovIter, done: number): Promise<number> {
  const inode = iocb.kiFilp.fInode;
  const r = await iomapFileBufferedWrite(iocb, it, iomapfsIomapOps);
  syncSize(inode);
  if (r <= 0) return done > 0 ? done : r;
  const total = done + r;
  return genericWriteSync(iocb, total);
}

function afterDirectWrite(iocb: Kiocb, it: IovIter, ret: number): number | Promise<number> {
  const inode = iocb.kiFilp.fInode;
  if (ret === -EIOCBQUEUED) return ret;
  if (ret === -ENOTBLK) ret = 0;
  syncSize(inode);
  if (ret < 0) return ret;
  // direct_write_fallback(): the page cache could not be invalidated or the direct write stopped short;
  // write the rest through the page cache.
  if (iovIterCount(it) > 0 && ret >= 0) return bufferedWrite(iocb, it, ret);
  return ret;
}

/**
 * Models `ext4_file_write_iter()` (fs/ext4/file.c): `generic_write_checks()`, `file_modified()`, then
 * `IOCB_DIRECT` through `iomap_dio_rw()` (falling back to buffered for `-ENOTBLK` or a short write) or
 * `iomap_file_buffered_write()` followed by `generic_write_sync()`.
 * @returns bytes written, `-EIOCBQUEUED`, or `-errno` (`-EINVAL`, `-EFBIG`, `-ENOSPC`, `-EIO`)
 */
export function iomapfsFileWriteIter(iocb: Kiocb, iter: object): number | Promise<number> {
  const it = blockIter(iter);
  const inode = iocb.kiFilp.fInode;
  const ok = genericWriteChecks(iocb, iter as Parameters<typeof genericWriteChecks>[1]);
  if (ok <= 0) return ok;
  fileModified(inode);
  if ((iocb.kiFlags & IOCB_DIRECT) !== 0) {
    const ii = iomapfsI(inode);
    const r = iomapDioRw(iocb, it, iomapfsIomapOps, ii.sbi.ctx.dioWriteOps, 0, undefined, 0);
    if (typeof r === 'number') return afterDirectWrite(iocb, it, r);
    return r.then((v) => afterDirectWrite(iocb, it, v));
  }
  return bufferedWrite(iocb, it, 0);
}

/**
 * Models `ext4_read_folio()` → `iomap_read_folio()` for iomapfs.
 * @returns 0 or `-EIO`
 */
export function iomapfsReadFolio(mapping: AddressSpace, pfn: number, index: number): Promise<number> {
  return iomapReadFolio(mapping.host as Inode, pfn, index, iomapfsIomapOps);
}

/**
 * Models `xfs_map_blocks()` for iomapfs: maps (allocating holes, as a page dirtied through `mmap` over a
 * hole needs) the blocks writeback is about to write.
 * @returns 0 or `-ENOSPC`
 */
function iomapfsWbMapBlocks(wpc: IomapWritepageCtx, inode: Inode, offset: number, len: number): number {
  return iomapfsMapBlocks(iomapfsI(inode), offset, len, IOMAP_WRITE, wpc.iomap);
}

/**
 * Models `xfs_end_ioend()` for iomapfs: unwritten extents that writeback filled become written.
 */
function iomapfsWbIoendEnd(inode: Inode, offset: number, size: number, unwritten: boolean, error: number): void {
  if (!unwritten || error !== 0) return;
  const ii = iomapfsI(inode);
  const bs = ii.sbi.blockSize;
  const first = Math.floor(offset / bs);
  if (ii.extMap.markWritten(first, Math.ceil((offset + size) / bs) - first) > 0)
    ii.sbi.markInodeDirty(ii, I_DIRTY_DATASYNC);
}

/** Models `xfs_writeback_ops` for iomapfs. */
export const iomapfsWritebackOps: IomapWritebackOps = Object.freeze({
  mapBlocks: iomapfsWbMapBlocks,
  ioendEnd: iomapfsWbIoendEnd,
});

/**
 * Models `ext4_writepages()` → `iomap_writepages()` for iomapfs.
 * @returns 0 or `-errno`
 */
export function iomapfsWritepages(mapping: AddressSpace, wbc: WritebackControl): Promise<number> {
  return iomapWritepages(mapping, wbc, iomapfsWritebackOps);
}
