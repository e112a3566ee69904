/**
 * The read and write paths of iomapfs files (the counterpart of `ext4_file_read_iter()`,
 * `ext4_file_write_iter()` and `ext4_aops` with ext4's iomap direct I/O): `O_DIRECT` through
 * `iomap_dio_rw()`, buffered I/O through the page cache with iomap's folio operations.
 * @packageDocumentation
 */
import { EAGAIN, EIOCBQUEUED, ENOTBLK } from '@stackemu/core';
import { iovIterAlignment, iovIterCount, type IovIter } from '@stackemu/block';
import {
  IOCB_DIRECT,
  IOCB_NOWAIT,
  genericFileReadIter,
  genericWriteChecks,
  genericWriteSync,
  iSizeRead,
  inodeDioWait,
  inodeLock,
  inodeLockShared,
  inodeTrylock,
  inodeTrylockShared,
  inodeUnlock,
  inodeUnlockShared,
  type Inode,
  type Kiocb,
} from '@stackemu/vfs';
import {
  iomapFileBufferedWrite,
  iomapReadahead,
  iomapReadFolio,
  iomapWritepages,
  type IomapWritebackOps,
  type IomapWritepageCtx,
} from '../buffered-io.js';
import { iomapDioRw } from '../direct-io.js';
import { I_DIRTY_DATASYNC, I_DIRTY_SYNC } from './inode.js';
import { iomapfsI, iomapfsIomapOps, iomapfsMapBlocks } from './iomap-ops.js';
import { IOMAP_DIO_FORCE_WAIT, IOMAP_HOLE, IOMAP_UNWRITTEN, IOMAP_WRITE } from '../iomap.js';
import type { ExtentMapping } from './extents.js';
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
  if ((iocb.kiFlags & IOCB_DIRECT) !== 0) return iomapfsDioRead(iocb, it);
  return genericFileReadIter(ii.sbi.ctx.bufferedIo, iocb, iter as Parameters<typeof genericFileReadIter>[2]);
}

/**
 * Models `ext4_dio_read_iter()` (fs/ext4/file.c): `iomap_dio_rw()` under `i_rwsem` shared (with `IOCB_NOWAIT`
 * only if it is free: `-EAGAIN` otherwise), released when the call returns (for an async read, once issued).
 */
function iomapfsDioRead(iocb: Kiocb, it: IovIter): number | Promise<number> {
  const inode = iocb.kiFilp.fInode;
  if ((iocb.kiFlags & IOCB_NOWAIT) !== 0) {
    if (!inodeTrylockShared(inode)) return -EAGAIN;
    return dioReadLocked(iocb, it);
  }
  const w = inodeLockShared(inode);
  return w === undefined ? dioReadLocked(iocb, it) : w.then(() => dioReadLocked(iocb, it));
}

/** The part of {@link iomapfsDioRead} under the lock. */
function dioReadLocked(iocb: Kiocb, it: IovIter): number | Promise<number> {
  const inode = iocb.kiFilp.fInode;
  const r = iomapDioRw(iocb, it, iomapfsIomapOps, iomapfsI(inode).sbi.ctx.dioReadOps, 0, undefined, 0);
  if (typeof r === 'number') {
    inodeUnlockShared(inode);
    return r;
  }
  return r.then((v) => {
    inodeUnlockShared(inode);
    return v;
  });
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

/**
 * Models `ext4_buffered_write_iter()` (fs/ext4/file.c): `i_rwsem` exclusive (with `IOCB_NOWAIT` only if free),
 * the write checks, `iomap_file_buffered_write()`, unlock, then `generic_write_sync()`.
 * @param done - bytes a direct write already wrote before falling back here (added to the result)
 */
async function bufferedWrite(iocb: Kiocb, it: IovIter, done: number): Promise<number> {
  const inode = iocb.kiFilp.fInode;
  if ((iocb.kiFlags & IOCB_NOWAIT) !== 0) {
    if (!inodeTrylock(inode)) return done > 0 ? done : -EAGAIN;
  } else await inodeLock(inode);
  let r: number;
  try {
    r = genericWriteChecks(iocb, it);
    if (r > 0) {
      fileModified(inode);
      r = await iomapFileBufferedWrite(iocb, it, iomapfsIomapOps);
      syncSize(inode);
    }
  } finally {
    inodeUnlock(inode);
  }
  if (r <= 0) return done > 0 ? done : r;
  return genericWriteSync(iocb, done + r);
}

/** After `iomap_dio_rw()` returned `ret` and the lock is dropped: the buffered fallback for what is left. */
function afterDirectWrite(iocb: Kiocb, it: IovIter, ret: number): number | Promise<number> {
  if (ret === -EIOCBQUEUED || ret < 0) return ret;
  // direct_write_fallback(): the page cache could not be invalidated or the direct write stopped short;
  // write the rest through the page cache.
  if (iovIterCount(it) > 0) return bufferedWrite(iocb, it, ret);
  return ret;
}

/**
 * Models `ext4_file_write_iter()` (fs/ext4/file.c): `ext4_dio_write_iter()` for `IOCB_DIRECT`, else
 * `ext4_buffered_write_iter()`.
 * @returns bytes written, `-EIOCBQUEUED`, or `-errno` (`-EINVAL`, `-EFBIG`, `-ENOSPC`, `-EIO`, `-EAGAIN`)
 */
export function iomapfsFileWriteIter(iocb: Kiocb, iter: object): number | Promise<number> {
  const it = blockIter(iter);
  if ((iocb.kiFlags & IOCB_DIRECT) !== 0) return iomapfsDioWrite(iocb, it);
  return bufferedWrite(iocb, it, 0);
}

/** Reused answer of {@link iomapfsOverwriteIo}. */
const overwriteMap: ExtentMapping = { state: 0, lblk: 0, pblk: 0, len: 0 };

/**
 * Models `ext4_overwrite_io()` (fs/ext4/file.c): whether `[pos, pos + len)` lies inside the file and on
 * allocated blocks of one state.
 * @returns 0: no (needs allocation, or past EOF); 1: an overwrite of written blocks; 2: of unwritten blocks
 */
function iomapfsOverwriteIo(inode: Inode, pos: number, len: number): 0 | 1 | 2 {
  if (pos + len > iSizeRead(inode)) return 0;
  const ii = iomapfsI(inode);
  const bs = ii.sbi.blockSize;
  const first = Math.floor(pos / bs);
  const blocks = Math.max(1, Math.ceil((pos + len) / bs) - first);
  const m = ii.extMap.map(first, blocks, overwriteMap);
  if (m.len !== blocks || m.state === IOMAP_HOLE) return 0;
  return m.state === IOMAP_UNWRITTEN ? 2 : 1;
}

/**
 * Models `ext4_dio_write_iter()` with `ext4_dio_write_checks()` (fs/ext4/file.c, 6.18). `i_rwsem` is taken
 * shared, or exclusive when the write (quickly checked) extends the file; under it the write checks run, and
 * it is upgraded (checks rerun) for a write that extends, needs allocation, or is unaligned to the filesystem
 * block over unwritten blocks. Under the exclusive lock an unaligned or extending write completes before the
 * call returns, even for an async kiocb (`IOMAP_DIO_FORCE_WAIT`), and an unaligned one that is not a pure
 * overwrite first waits for every direct I/O in flight (`inode_dio_wait()`: partial-block zeroing must not
 * race). `IOCB_NOWAIT` gets `-EAGAIN` wherever it would sleep. The lock drops when `iomap_dio_rw()` returns;
 * what it could not write then goes through the page cache.
 */
function iomapfsDioWrite(iocb: Kiocb, it: IovIter): number | Promise<number> {
  const inode = iocb.kiFilp.fInode;
  const nowait = (iocb.kiFlags & IOCB_NOWAIT) !== 0;
  const shared = iocb.kiPos + iovIterCount(it) <= iSizeRead(inode);
  if (nowait) {
    if (!(shared ? inodeTrylockShared(inode) : inodeTrylock(inode))) return -EAGAIN;
    return dioWriteLocked(iocb, it, shared);
  }
  const w = shared ? inodeLockShared(inode) : inodeLock(inode);
  return w === undefined ? dioWriteLocked(iocb, it, shared) : w.then(() => dioWriteLocked(iocb, it, shared));
}

/** Drops `i_rwsem` as {@link iomapfsDioWrite} holds it. */
function dioUnlock(inode: Inode, shared: boolean): void {
  if (shared) inodeUnlockShared(inode);
  else inodeUnlock(inode);
}

/** {@link iomapfsDioWrite} once `i_rwsem` is held (`shared` or exclusive): `ext4_dio_write_checks()` onwards. */
function dioWriteLocked(iocb: Kiocb, it: IovIter, shared: boolean): number | Promise<number> {
  const inode = iocb.kiFilp.fInode;
  const ret = genericWriteChecks(iocb, it);
  if (ret <= 0) {
    dioUnlock(inode, shared);
    return ret;
  }
  const pos = iocb.kiPos;
  const blockMask = iomapfsI(inode).sbi.blockSize - 1;
  const unaligned = (pos & blockMask) !== 0 || (iovIterAlignment(it) & blockMask) !== 0;
  const extend = pos + ret > iSizeRead(inode);
  const overwrite = iomapfsOverwriteIo(inode, pos, ret);
  const nowait = (iocb.kiFlags & IOCB_NOWAIT) !== 0;
  if (shared && (extend || overwrite === 0 || (unaligned && overwrite === 2))) {
    inodeUnlockShared(inode);
    if (nowait) return -EAGAIN;
    const w = inodeLock(inode);
    return w === undefined ? dioWriteLocked(iocb, it, false) : w.then(() => dioWriteLocked(iocb, it, false));
  }
  let flags = 0;
  let drain: Promise<void> | undefined;
  if (!shared && (unaligned || extend)) {
    if (nowait) {
      inodeUnlock(inode);
      return -EAGAIN;
    }
    if (unaligned && overwrite !== 1) drain = inodeDioWait(inode);
    flags = IOMAP_DIO_FORCE_WAIT;
  }
  fileModified(inode);
  const submit = (): number | Promise<number> => {
    const ii = iomapfsI(inode);
    const r = iomapDioRw(iocb, it, iomapfsIomapOps, ii.sbi.ctx.dioWriteOps, flags, undefined, 0);
    if (typeof r === 'number') return dioWriteDone(iocb, it, shared, r);
    return r.then((v) => dioWriteDone(iocb, it, shared, v));
  };
  return drain === undefined ? submit() : drain.then(submit);
}

/** The end of {@link dioWriteLocked}: `-ENOTBLK` is 0, the size is recorded, the lock drops, then the fallback. */
function dioWriteDone(iocb: Kiocb, it: IovIter, shared: boolean, ret: number): number | Promise<number> {
  const inode = iocb.kiFilp.fInode;
  if (ret === -ENOTBLK) ret = 0;
  if (ret !== -EIOCBQUEUED) syncSize(inode);
  dioUnlock(inode, shared);
  return afterDirectWrite(iocb, it, ret);
}

/**
 * Models `ext4_readahead()` → `iomap_readahead()` for iomapfs: a readahead batch in one bio per run of contiguous
 * blocks.
 */
export function iomapfsReadahead(
  mapping: AddressSpace,
  index: number,
  pfns: readonly number[],
  endRead: (pfn: number, ok: boolean) => void,
): void {
  void iomapReadahead(mapping.host as Inode, index, pfns, iomapfsIomapOps, endRead);
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
