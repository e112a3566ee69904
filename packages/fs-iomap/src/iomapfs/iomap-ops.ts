/**
 * iomapfs's mapping operations (the counterpart of `ext2_iomap_begin()`/`ext2_iomap_ops` in fs/ext2/inode.c
 * and of xfs's `xfs_direct_write_iomap_ops`): file ranges to disk ranges, allocating on writes, and the
 * direct-I/O completion hook that converts unwritten extents and moves `i_size`.
 * @packageDocumentation
 */
import { EAGAIN, EFBIG } from '@stackemu/core';
import {
  IOMAP_DIO_UNWRITTEN,
  IOMAP_F_DIRTY,
  IOMAP_F_NEW,
  IOMAP_HOLE,
  IOMAP_MAPPED,
  IOMAP_NOWAIT,
  IOMAP_NULL_ADDR,
  IOMAP_OVERWRITE_ONLY,
  IOMAP_WRITE,
  IOMAP_ZERO,
  type Iomap,
  type IomapDioOps,
  type IomapOps,
} from '../iomap.js';
import type { Inode, Kiocb } from '../internal/upstream.js';
import type { ExtentMapping } from './extents.js';
import { I_DIRTY_DATASYNC, type IomapfsInode } from './inode.js';
import { IOMAPFS_MAX_EXTENT_LEN, IOMAPFS_MAX_FILE_BLOCKS } from './iomapfs.js';

/**
 * The iomapfs inode behind a vfs inode (`EXT2_I(inode)`).
 * @param inode - a vfs inode of an iomapfs superblock
 * @returns its in-core iomapfs inode
 */
export function iomapfsI(inode: Inode): IomapfsInode {
  return inode.iPrivate as IomapfsInode;
}

const scratch: ExtentMapping = { state: IOMAP_HOLE, lblk: 0, pblk: -1, len: 0 };

/**
 * Maps (and for writes into holes, allocates) the blocks of `[pos, pos + length)` of `ii`, filling `iomap`
 * with the first run of blocks in one state.
 * @param ii - the inode
 * @param pos - file position
 * @param length - bytes wanted
 * @param flags - `IOMAP_*` operation flags
 * @param iomap - filled on success
 * @returns 0, `-ENOSPC`, `-EFBIG` (past the largest file), or `-EAGAIN` (`IOMAP_NOWAIT` or
 * `IOMAP_OVERWRITE_ONLY` and the range needs allocation)
 */
export function iomapfsMapBlocks(ii: IomapfsInode, pos: number, length: number, flags: number, iomap: Iomap): number {
  const sbi = ii.sbi;
  const bs = sbi.blockSize;
  const lblk = Math.floor(pos / bs);
  if (lblk >= IOMAPFS_MAX_FILE_BLOCKS) return -EFBIG;
  const endBlk = Math.min(IOMAPFS_MAX_FILE_BLOCKS, Math.ceil((pos + length) / bs));
  const want = Math.max(1, Math.min(endBlk - lblk, IOMAPFS_MAX_EXTENT_LEN));
  const m = ii.extMap.map(lblk, want, scratch);
  let iflags = 0;
  if ((flags & IOMAP_WRITE) !== 0 && (flags & IOMAP_ZERO) === 0 && m.state === IOMAP_HOLE) {
    if ((flags & (IOMAP_NOWAIT | IOMAP_OVERWRITE_ONLY)) !== 0) return -EAGAIN;
    // Allocate next to the block before this one if it is mapped, else after the file's last block.
    const prev = lblk > 0 ? ii.extMap.find(lblk - 1) : -1;
    const prevExt = prev >= 0 ? ii.extMap.extents[prev] : undefined;
    const goal = prevExt !== undefined ? prevExt.pblk + (lblk - prevExt.lblk) : ii.extMap.lastPblk() + 1;
    const run = sbi.allocBlocks(goal <= 0 ? -1 : goal, m.len);
    if (typeof run === 'number') return run;
    ii.extMap.insert(lblk, run.len, run.pblk, false);
    sbi.markInodeDirty(ii, I_DIRTY_DATASYNC);
    m.state = IOMAP_MAPPED;
    m.pblk = run.pblk;
    m.len = run.len;
    iflags |= IOMAP_F_NEW;
  }
  if ((ii.dirty & I_DIRTY_DATASYNC) !== 0) iflags |= IOMAP_F_DIRTY;
  iomap.offset = lblk * bs;
  iomap.length = m.len * bs;
  iomap.type = m.state;
  iomap.flags = iflags;
  iomap.addr = m.state === IOMAP_HOLE ? IOMAP_NULL_ADDR : m.pblk * bs;
  iomap.bdev = sbi.bdev;
  return 0;
}

/**
 * Models `ext2_iomap_begin()` (fs/ext2/inode.c) for iomapfs: {@link iomapfsMapBlocks} on the inode's
 * iomapfs state.
 * @returns 0 or `-errno` as {@link iomapfsMapBlocks}
 */
export function iomapfsIomapBegin(inode: Inode, pos: number, length: number, flags: number, iomap: Iomap): number {
  return iomapfsMapBlocks(iomapfsI(inode), pos, length, flags, iomap);
}

/**
 * Models `ext2_iomap_ops` (fs/ext2/inode.c): the mapping operations of iomapfs files, for direct I/O,
 * buffered I/O, writeback and zeroing.
 */
export const iomapfsIomapOps: IomapOps = Object.freeze({ iomapBegin: iomapfsIomapBegin });

/**
 * Models `ext4_dio_write_end_io()` / `xfs_dio_write_end_io()` for iomapfs: after a direct write, converts the
 * unwritten extents it covered to written and moves `i_size` past the written range.
 * @param iocb - the kiocb (`kiPos` still at the start of the I/O)
 * @param size - bytes written
 * @param error - the I/O's error so far (0 or `-errno`)
 * @param flags - the dio's flags (`IOMAP_DIO_UNWRITTEN` …)
 * @returns `error` (a failed write leaves the size alone)
 */
export function iomapfsDioWriteEndIo(iocb: Kiocb, size: number, error: number, flags: number): number {
  if (error !== 0 || size === 0) return error;
  const inode = iocb.kiFilp.fInode;
  const ii = iomapfsI(inode);
  const pos = iocb.kiPos;
  const bs = ii.sbi.blockSize;
  if ((flags & IOMAP_DIO_UNWRITTEN) !== 0) {
    const first = Math.floor(pos / bs);
    const last = Math.ceil((pos + size) / bs);
    if (ii.extMap.markWritten(first, last - first) > 0) ii.sbi.markInodeDirty(ii, I_DIRTY_DATASYNC);
  }
  if (pos + size > inode.iSize) {
    inode.iSize = pos + size;
    ii.size = pos + size;
    ii.sbi.markInodeDirty(ii, I_DIRTY_DATASYNC);
  }
  return 0;
}

/**
 * The direct-I/O hooks of iomapfs (`ext4_dio_write_ops`): only `endIo`.
 */
export const iomapfsDioWriteOps: IomapDioOps = Object.freeze({ endIo: iomapfsDioWriteEndIo });
