/**
 * iomapfs regular files (the counterpart of `fs/ext2/file.c` and the size/allocation parts of
 * `fs/ext4/inode.c`, `fs/ext4/extents.c`): open/release, fsync, truncate, fallocate and attributes.
 * The read and write paths are in `file-rw.ts`.
 * @packageDocumentation
 */
import { EFBIG, EINVAL, EOPNOTSUPP } from '@stackemu/core';
import {
  ATTR_SIZE,
  FALLOC_FL_KEEP_SIZE,
  FALLOC_FL_PUNCH_HOLE,
  FALLOC_FL_ZERO_RANGE,
  FMODE_CAN_ODIRECT,
  FMODE_NOWAIT,
  type File,
  type FileOperations,
  type Iattr,
  type Inode,
  type InodeOperations,
} from '@stackemu/vfs';
import { I_DIRTY_DATASYNC, I_DIRTY_SYNC, type IomapfsInode } from './inode.js';
import { IOMAPFS_MAX_FILE_BLOCKS } from './iomapfs.js';
import { iomapfsI } from './iomap-ops.js';
import { iomapfsGetattr, iomapfsMaybeFree } from './namei.js';
import { iomapfsSyncVfsInode } from './super.js';
import { iomapfsFileReadIter, iomapfsFileWriteIter } from './file-rw.js';

/**
 * Models `ext4_file_open()`'s part that matters here: the file supports `O_DIRECT` and `IOCB_NOWAIT`; counts
 * the open so that an unlinked file lives until its last close.
 * @returns 0
 */
export function iomapfsFileOpen(inode: Inode, file: File): number {
  file.fMode |= FMODE_CAN_ODIRECT | FMODE_NOWAIT;
  iomapfsI(inode).openCount++;
  return 0;
}

/**
 * Models `ext4_release_file()`: the last close of an unlinked file frees it.
 * @returns 0
 */
export async function iomapfsFileRelease(inode: Inode): Promise<number> {
  const ii = iomapfsI(inode);
  ii.openCount--;
  await iomapfsMaybeFree(ii);
  return 0;
}

/**
 * Models `ext2_fsync()` → `generic_buffers_fsync_noflush()` + `blkdev_issue_flush()` (fs/ext2/file.c,
 * fs/buffer.c): writes the dirty page-cache data of `[start, end]` and waits, then the inode and the
 * metadata it needs (extent blocks, bitmaps, superblock; for fdatasync only if size or block map changed),
 * then flushes the device cache. Data reaches the device before the metadata that points to it.
 * @returns 0 or `-errno` (`-EIO`)
 */
export async function iomapfsFsync(file: File, start: number, end: number, datasync: boolean): Promise<number> {
  const inode = file.fInode;
  const ii = iomapfsI(inode);
  const w = await ii.sbi.ctx.writeback.writeAndWait(inode, start, end);
  if (w < 0) return w;
  const m = await ii.sbi.syncInode(ii, datasync);
  if (m < 0) return m;
  return ii.sbi.bufs.dev.flush();
}

function touch(inode: Inode, ii: IomapfsInode): void {
  ii.mtime = ii.ctime = ii.sbi.now();
  ii.sbi.markInodeDirty(ii, I_DIRTY_SYNC);
  iomapfsSyncVfsInode(inode, ii);
}

/**
 * Models `ext2_setsize()` (fs/ext2/inode.c) with `iomap_truncate_page()`: a new size. Shrinking zeroes the
 * tail of the new last block, drops cached pages past it and frees the blocks past it; growing leaves a hole.
 * @returns 0, `-EFBIG` (past the largest file) or `-errno` from zeroing
 */
export async function iomapfsSetsize(inode: Inode, newsize: number): Promise<number> {
  const ii = iomapfsI(inode);
  const sbi = ii.sbi;
  const bs = sbi.blockSize;
  if (newsize < 0) return -EINVAL;
  if (newsize > bs * IOMAPFS_MAX_FILE_BLOCKS) return -EFBIG;
  const old = ii.size;
  if (newsize < old) {
    const tail = newsize % bs;
    if (tail !== 0) {
      const z = await sbi.ctx.writeback.zeroRange(inode, newsize, bs - tail);
      if (z < 0) return z;
    }
    await sbi.ctx.writeback.truncatePagecache(inode, newsize);
    const first = Math.ceil(newsize / bs);
    for (const r of ii.extMap.remove(first, IOMAPFS_MAX_FILE_BLOCKS - first)) sbi.freeBlocks(r.pblk, r.len);
  }
  ii.size = newsize;
  inode.iSize = newsize;
  sbi.markInodeDirty(ii, I_DIRTY_DATASYNC);
  touch(inode, ii);
  return 0;
}

/**
 * Models `ext2_setattr()` (fs/ext2/inode.c): size changes go through {@link iomapfsSetsize}; mode changes
 * are recorded.
 * @returns 0 or `-errno`
 */
async function iomapfsSetattr(inode: Inode, attr: Iattr): Promise<number> {
  const ii = iomapfsI(inode);
  if ((attr.iaValid & ATTR_SIZE) !== 0 && attr.iaSize !== ii.size) {
    const r = await iomapfsSetsize(inode, attr.iaSize);
    if (r < 0) return r;
  }
  if ((attr.iaValid & 1) !== 0) {
    ii.mode = (ii.mode & ~0o7777) | (attr.iaMode & 0o7777);
    touch(inode, ii);
  }
  return 0;
}

/**
 * Allocates unwritten extents over the holes of blocks `[first, last)` (`ext4_alloc_file_blocks()`).
 * @returns 0 or `-ENOSPC` (blocks allocated before running out stay allocated, as in ext4)
 */
function allocUnwritten(ii: IomapfsInode, first: number, last: number): number {
  const sbi = ii.sbi;
  let lblk = first;
  const m = { state: 0, lblk: 0, pblk: -1, len: 0 };
  while (lblk < last) {
    ii.extMap.map(lblk, last - lblk, m);
    if (m.state !== 0) {
      lblk += m.len;
      continue;
    }
    const prev = lblk > 0 ? ii.extMap.find(lblk - 1) : -1;
    const pe = prev >= 0 ? ii.extMap.extents[prev] : undefined;
    const goal = pe !== undefined ? pe.pblk + pe.len : ii.extMap.lastPblk() + 1;
    const run = sbi.allocBlocks(goal <= 0 ? -1 : goal, m.len);
    if (typeof run === 'number') return run;
    ii.extMap.insert(lblk, run.len, run.pblk, true);
    sbi.markInodeDirty(ii, I_DIRTY_DATASYNC);
    lblk += run.len;
  }
  return 0;
}

/**
 * Models `ext4_fallocate()` (fs/ext4/extents.c) for the modes iomapfs supports: allocation (mode 0 and
 * `FALLOC_FL_KEEP_SIZE`: unwritten extents over holes), `FALLOC_FL_PUNCH_HOLE` (with `KEEP_SIZE`: partial
 * blocks zeroed, whole blocks freed) and `FALLOC_FL_ZERO_RANGE` (whole blocks become unwritten, partial ones
 * are zeroed).
 * @returns 0, `-EOPNOTSUPP` (another mode), `-ENOSPC`, `-EFBIG`, `-EINVAL`
 */
export async function iomapfsFallocate(file: File, mode: number, offset: number, len: number): Promise<number> {
  const inode = file.fInode;
  const ii = iomapfsI(inode);
  const sbi = ii.sbi;
  const bs = sbi.blockSize;
  if ((mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) !== 0) return -EOPNOTSUPP;
  if (offset < 0 || len <= 0) return -EINVAL;
  const end = offset + len;
  if (Math.ceil(end / bs) > IOMAPFS_MAX_FILE_BLOCKS) return -EFBIG;
  const wb = sbi.ctx.writeback;
  if ((mode & FALLOC_FL_PUNCH_HOLE) !== 0) {
    if ((mode & FALLOC_FL_KEEP_SIZE) === 0 || (mode & FALLOC_FL_ZERO_RANGE) !== 0) return -EOPNOTSUPP;
    const w = await wb.writeAndWait(inode, offset, end - 1);
    if (w < 0) return w;
    const stop = Math.min(end, ii.size);
    if (offset >= stop) return 0;
    const first = Math.ceil(offset / bs);
    const last = Math.floor(stop / bs);
    if (first > last) {
      const z = await wb.zeroRange(inode, offset, stop - offset);
      if (z < 0) return z;
    } else {
      if (offset < first * bs) {
        const z = await wb.zeroRange(inode, offset, first * bs - offset);
        if (z < 0) return z;
      }
      if (stop > last * bs) {
        const z = await wb.zeroRange(inode, last * bs, stop - last * bs);
        if (z < 0) return z;
      }
      await wb.truncatePagecacheRange(inode, first * bs, last * bs - 1);
      for (const r of ii.extMap.remove(first, last - first)) sbi.freeBlocks(r.pblk, r.len);
      sbi.markInodeDirty(ii, I_DIRTY_DATASYNC);
    }
    touch(inode, ii);
    return 0;
  }
  const first = Math.floor(offset / bs);
  const last = Math.ceil(end / bs);
  if ((mode & FALLOC_FL_ZERO_RANGE) !== 0) {
    const w = await wb.writeAndWait(inode, offset, end - 1);
    if (w < 0) return w;
    const fullFirst = Math.ceil(offset / bs);
    const fullLast = Math.floor(end / bs);
    if (fullFirst < fullLast) {
      await wb.truncatePagecacheRange(inode, fullFirst * bs, fullLast * bs - 1);
      if (ii.extMap.markUnwritten(fullFirst, fullLast - fullFirst) > 0) sbi.markInodeDirty(ii, I_DIRTY_DATASYNC);
    }
    const a = allocUnwritten(ii, first, last);
    if (a < 0) return a;
    const headEnd = Math.min(end, fullFirst * bs);
    if (offset < headEnd && offset < ii.size) {
      const z = await wb.zeroRange(inode, offset, Math.min(headEnd, ii.size) - offset);
      if (z < 0) return z;
    }
    const tailStart = Math.max(fullLast * bs, headEnd);
    if (tailStart < end && tailStart < ii.size) {
      const z = await wb.zeroRange(inode, tailStart, Math.min(end, ii.size) - tailStart);
      if (z < 0) return z;
    }
  } else {
    const a = allocUnwritten(ii, first, last);
    if (a < 0) return a;
  }
  if ((mode & FALLOC_FL_KEEP_SIZE) === 0 && end > ii.size) {
    ii.size = end;
    inode.iSize = end;
    sbi.markInodeDirty(ii, I_DIRTY_DATASYNC);
  }
  touch(inode, ii);
  return 0;
}

/** Models `ext2_file_operations` (fs/ext2/file.c): iomapfs regular files. */
export const iomapfsFileOperations: FileOperations = Object.freeze({
  readIter: iomapfsFileReadIter,
  writeIter: iomapfsFileWriteIter,
  open: iomapfsFileOpen,
  release: iomapfsFileRelease,
  fsync: iomapfsFsync,
  fallocate: iomapfsFallocate,
  mmap: (): number => 0,
});

/** Models `ext2_file_inode_operations` (fs/ext2/file.c). */
export const iomapfsFileInodeOperations: InodeOperations = Object.freeze({
  setattr: iomapfsSetattr,
  getattr: iomapfsGetattr,
});
