/**
 * Block-device nodes (`/dev/<disk>`): the file side of block/fops.c — `def_blk_fops` with direct I/O through
 * block's `blkdev_direct_IO()` and buffered I/O through the block device's own page cache (`def_blk_aops`).
 * @packageDocumentation
 */
import { EBUSY, EIOCBQUEUED, ENOSPC, EOPNOTSUPP, EPERM } from '@stackemu/core';
import {
  REQ_OP_READ,
  REQ_OP_WRITE,
  bdevDmaAlignment,
  bdevLogicalBlockSize,
  bdevNrBytes,
  bioAddPage,
  bioAlloc,
  bioPut,
  blkdevDirectIO,
  blkdevIssueFlush,
  iovIterReexpand,
  iovIterRevert,
  iovIterTruncate,
  submitBioWait,
} from '@stackemu/block';
import {
  filemapWriteAndWaitRange,
  folioEndWriteback,
  folioStartWriteback,
  folioUnlock,
  writeCachePages,
  type WritebackControl,
} from '@stackemu/mm';
import { FMODE_CAN_ODIRECT, FMODE_NOWAIT, type File } from './file.js';
import type { FileOperations } from './file-operations.js';
import {
  directWriteFallback,
  filemapRead,
  genericFileMmap,
  genericPerformWrite,
  genericWriteSync,
  kiocbInvalidatePages,
  kiocbInvalidatePostDirectWrite,
  kiocbWriteAndWait,
  type BufferedIo,
} from './filemap.js';
import type { Inode } from './inode.js';
import {
  PAGE_SIZE,
  type AddressSpace,
  type AddressSpaceOperations,
  type BlockDevice,
  type IovIter,
  type PhysMem,
} from './internal/deps.js';
import { truncateInodePagesFinal } from './internal/truncate.js';
import { IOCB_DIRECT, IOCB_DSYNC, IOCB_NOWAIT, type Kiocb } from './kiocb.js';
import { genericFileLlseekSize } from './read-write.js';
import type { Upstream } from './upstream.js';
import type { Stat } from './uapi/stat.js';

/**
 * What a block-device node of devtmpfs and the block device's own inode (`bdev->bd_inode`, whose page cache
 * is `bd_mapping`) share in `i_private`.
 */
export interface BdevInodeInfo {
  /** The block device. */
  readonly bdev: BlockDevice;
  /** The block device's inode: size = capacity, page cache = the device's buffered data. */
  readonly bdInode: Inode;
  /** Opens of the device (`bd_openers`): the last close writes the page cache back and drops it. */
  openers: number;
}

/**
 * The block device behind a device node or a block device's inode (`I_BDEV()`).
 * @param inode - a node of devtmpfs or a `bd_inode`
 * @returns its block device
 */
export function iBdev(inode: Inode): BlockDevice {
  return (inode.iPrivate as BdevInodeInfo).bdev;
}

function bdevInfo(inode: Inode): BdevInodeInfo {
  return inode.iPrivate as BdevInodeInfo;
}

/** Transfers one page-cache folio of a block device with a single-page bio and waits for it. */
async function blkdevFolioIo(bdev: BlockDevice, op: number, pfn: number, index: number, len: number): Promise<number> {
  const bio = bioAlloc(bdev, 1, op);
  bio.biIter.biSector = index * (PAGE_SIZE / 512);
  bioAddPage(bio, pfn, len, 0);
  const r = await submitBioWait(bio);
  bioPut(bio);
  return r;
}

/** Bytes of page `index` that lie on the device, rounded up to its logical block size. */
function bdevPageBytes(bdev: BlockDevice, index: number): number {
  const left = bdevNrBytes(bdev) - index * PAGE_SIZE;
  if (left <= 0) return 0;
  if (left >= PAGE_SIZE) return PAGE_SIZE;
  const lbs = bdevLogicalBlockSize(bdev);
  return Math.ceil(left / lbs) * lbs;
}

/**
 * Models `def_blk_aops` (block/fops.c): `read_folio` (`blkdev_read_folio()`) and `writepages`
 * (`blkdev_writepages()`) of a block device's page cache, one bio per folio.
 * @param physMem - the machine's memory (zeroing the part of a folio past the device's end)
 * @returns the operations table
 */
export function blkdevAops(physMem: PhysMem): AddressSpaceOperations {
  const zeroes = new Uint8Array(PAGE_SIZE);
  return Object.freeze({
    async readFolio(mapping: AddressSpace, pfn: number, index: number): Promise<number> {
      const bdev = iBdev(mapping.host as Inode);
      const len = bdevPageBytes(bdev, index);
      if (len < PAGE_SIZE) physMem.write(pfn * PAGE_SIZE + len, zeroes, 0, PAGE_SIZE - len);
      if (len === 0) return 0;
      return blkdevFolioIo(bdev, REQ_OP_READ, pfn, index, len);
    },
    writepages(mapping: AddressSpace, wbc: WritebackControl): Promise<number> {
      const bdev = iBdev(mapping.host as Inode);
      return writeCachePages(mapping, wbc, async (pfn, index) => {
        folioStartWriteback(mapping, pfn);
        folioUnlock(mapping, pfn);
        const len = bdevPageBytes(bdev, index);
        const r = len === 0 ? 0 : await blkdevFolioIo(bdev, REQ_OP_WRITE, pfn, index, len);
        folioEndWriteback(mapping, pfn);
        return r;
      });
    },
  } satisfies AddressSpaceOperations);
}

/**
 * Models `blkdev_open()` → `bdev_open()` (block/fops.c, block/bdev.c): a raw block device supports `O_DIRECT`
 * and `IOCB_NOWAIT`; the file reads and writes through the device's page cache (`f_mapping = bd_mapping`),
 * sized to the device's current capacity.
 */
function blkdevOpen(inode: Inode, file: File): number {
  const info = bdevInfo(inode);
  file.fMode |= FMODE_CAN_ODIRECT | FMODE_NOWAIT;
  info.bdInode.iSize = bdevNrBytes(info.bdev);
  file.fMapping = info.bdInode.iMapping;
  info.openers++;
  return 0;
}

/**
 * Models `blkdev_release()` → `bdev_release()` → `blkdev_put_whole()` (block/bdev.c): the last close of the
 * device writes its page cache back and drops it (`blkdev_flush_mapping()`: `sync_blockdev()` +
 * `kill_bdev()`), so that I/O that does not go through it (a filesystem's bios) sees the data.
 */
async function blkdevRelease(inode: Inode): Promise<number> {
  const info = bdevInfo(inode);
  if (--info.openers > 0) return 0;
  const mapping = info.bdInode.iMapping;
  const r = await filemapWriteAndWaitRange(mapping, 0, Number.MAX_SAFE_INTEGER);
  await truncateInodePagesFinal(mapping);
  return r;
}

/** Gives back the part of `iter` clipped at the device's end, then passes `r` on. */
function blkdevReexpand(iter: IovIter, shorted: number, r: number): number {
  if (shorted > 0) iovIterReexpand(iter, iter.count + shorted);
  return r;
}

/**
 * Models `blkdev_read_iter()` (block/fops.c): clips at the device's end; `IOCB_DIRECT` writes back the cached
 * range (`kiocb_write_and_wait()`) and runs block's `blkdev_direct_IO()`; the rest is `filemap_read()` on the
 * device's page cache.
 * @remarks With nothing cached in the range, a direct read is issued and (for an async kiocb) returns
 * `-EIOCBQUEUED` in the caller's turn, without a promise (and without allocating a continuation).
 */
function blkdevReadIter(io: BufferedIo, iocb: Kiocb, iter: IovIter): number | Promise<number> {
  const bdev = iBdev(iocb.kiFilp.fInode);
  let size = bdevNrBytes(bdev);
  const pos = iocb.kiPos;
  let shorted = 0;
  if (pos + iter.count > size) {
    if (pos >= size) return 0;
    size -= pos;
    shorted = iter.count - size;
    iovIterTruncate(iter, size);
  }
  const count = iter.count;
  if (count === 0) return blkdevReexpand(iter, shorted, 0);
  if (!(iocb.kiFlags & IOCB_DIRECT)) return filemapRead(io, iocb, iter).then((r) => blkdevReexpand(iter, shorted, r));
  const w = kiocbWriteAndWait(iocb, count);
  if (typeof w === 'number') return blkdevReadDirect(io, iocb, iter, bdev, count, shorted, w);
  return w.then((r) => blkdevReadDirect(io, iocb, iter, bdev, count, shorted, r));
}

/** The direct part of {@link blkdevReadIter}, once the cached range is written back (`w` = its result). */
function blkdevReadDirect(
  io: BufferedIo,
  iocb: Kiocb,
  iter: IovIter,
  bdev: BlockDevice,
  count: number,
  shorted: number,
  w: number,
): number | Promise<number> {
  if (w < 0) return blkdevReexpand(iter, shorted, w);
  const ret = blkdevDirectIO(iocb, iter, bdev);
  if (typeof ret === 'number') return blkdevReadAfterDirect(io, iocb, iter, count, shorted, ret);
  return ret.then((r) => blkdevReadAfterDirect(io, iocb, iter, count, shorted, r));
}

/** What {@link blkdevReadIter} does after `blkdev_direct_IO()` returned `ret`: the buffered rest, if any. */
function blkdevReadAfterDirect(
  io: BufferedIo,
  iocb: Kiocb,
  iter: IovIter,
  count: number,
  shorted: number,
  ret: number,
): number | Promise<number> {
  // Synchronous: bytes, and kiPos is ours to move; asynchronous: -EIOCBQUEUED, block moves it.
  if (ret > 0) {
    iocb.kiPos += ret;
    count -= ret;
  }
  if (ret !== -EIOCBQUEUED) iovIterRevert(iter, count - iter.count);
  if (ret < 0 || count === 0) return blkdevReexpand(iter, shorted, ret);
  return filemapRead(io, iocb, iter, ret).then((r) => blkdevReexpand(iter, shorted, r));
}

/**
 * Models `blkdev_direct_write()` (block/fops.c): invalidates the cached range, runs `blkdev_direct_IO()`,
 * invalidates again, advances `kiPos` (sync kiocbs; block advances it at async completion).
 * @returns bytes written, 0 (cached pages could not be dropped: buffered fallback), `-errno`, `-EIOCBQUEUED`
 */
function blkdevDirectWrite(iocb: Kiocb, iter: IovIter, bdev: BlockDevice): number | Promise<number> {
  const count = iter.count;
  const inv = kiocbInvalidatePages(iocb, count);
  if (typeof inv === 'number') return blkdevDirectWriteInvalidated(iocb, iter, bdev, count, inv);
  return inv.then((r) => blkdevDirectWriteInvalidated(iocb, iter, bdev, count, r));
}

/** The rest of {@link blkdevDirectWrite} once the cached range was invalidated (`inv` = its result). */
function blkdevDirectWriteInvalidated(
  iocb: Kiocb,
  iter: IovIter,
  bdev: BlockDevice,
  count: number,
  inv: number,
): number | Promise<number> {
  if (inv < 0) return inv === -EBUSY ? 0 : inv;
  const written = blkdevDirectIO(iocb, iter, bdev);
  if (typeof written === 'number') return blkdevDirectWritten(iocb, iter, count, written);
  return written.then((r) => blkdevDirectWritten(iocb, iter, count, r));
}

/** The end of {@link blkdevDirectWrite}: invalidates again after a write, moves `kiPos`, gives back the rest. */
function blkdevDirectWritten(iocb: Kiocb, iter: IovIter, count: number, written: number): number {
  if (written > 0) {
    kiocbInvalidatePostDirectWrite(iocb, count);
    iocb.kiPos += written;
    count -= written;
  }
  if (written !== -EIOCBQUEUED) iovIterRevert(iter, count - iter.count);
  return written;
}

/**
 * Models `blkdev_write_iter()` (block/fops.c): checks, clipping at the device's end, then a direct write
 * (with a buffered fallback for what it left) or a buffered write through the device's page cache, then
 * `generic_write_sync()`.
 * @remarks Like reads, a direct write with nothing cached is issued in the caller's turn.
 */
function blkdevWriteIter(io: BufferedIo, iocb: Kiocb, iter: IovIter): number | Promise<number> {
  const bdev = iBdev(iocb.kiFilp.fInode);
  let size = bdevNrBytes(bdev);
  if (bdev.bdReadOnly) return -EPERM;
  if (iter.count === 0) return 0;
  if (iocb.kiPos >= size) return -ENOSPC;
  if ((iocb.kiFlags & (IOCB_NOWAIT | IOCB_DIRECT)) === IOCB_NOWAIT) return -EOPNOTSUPP;
  size -= iocb.kiPos;
  let shorted = 0;
  if (iter.count > size) {
    shorted = iter.count - size;
    iovIterTruncate(iter, size);
  }
  if (!(iocb.kiFlags & IOCB_DIRECT)) {
    return genericPerformWrite(io, iocb, iter).then((r) => blkdevWriteFinish(iocb, iter, shorted, r));
  }
  const ret = blkdevDirectWrite(iocb, iter, bdev);
  if (typeof ret === 'number') return blkdevWriteAfterDirect(io, iocb, iter, shorted, ret);
  return ret.then((r) => blkdevWriteAfterDirect(io, iocb, iter, shorted, r));
}

/** What {@link blkdevWriteIter} does after the direct write returned `ret`: the buffered fallback, if any. */
function blkdevWriteAfterDirect(
  io: BufferedIo,
  iocb: Kiocb,
  iter: IovIter,
  shorted: number,
  ret: number,
): number | Promise<number> {
  if (ret >= 0 && iter.count > 0) {
    return directWriteFallback(io, iocb, iter, ret).then((r) => blkdevWriteFinish(iocb, iter, shorted, r));
  }
  return blkdevWriteFinish(iocb, iter, shorted, ret);
}

/** The end of {@link blkdevWriteIter}: gives back the clipped part, then `generic_write_sync()`. */
function blkdevWriteFinish(iocb: Kiocb, iter: IovIter, shorted: number, ret: number): number | Promise<number> {
  if (shorted > 0) iovIterReexpand(iter, iter.count + shorted);
  if (ret > 0 && iocb.kiFlags & IOCB_DSYNC) return genericWriteSync(iocb, ret);
  return ret;
}

/**
 * Models `blkdev_fsync()` (block/fops.c): writes the device's page cache back, then flushes the device's
 * volatile write cache.
 */
async function blkdevFsync(file: File, start: number, end: number): Promise<number> {
  const r = await filemapWriteAndWaitRange(file.fMapping, start, end);
  if (r < 0) return r;
  const f = await blkdevIssueFlush(iBdev(file.fInode));
  return f === -EOPNOTSUPP ? 0 : f;
}

/**
 * Models `blkdev_llseek()` (block/fops.c): seeking is bounded by the device size.
 */
function blkdevLlseek(file: File, offset: number, whence: number): number {
  const size = bdevNrBytes(iBdev(file.fInode));
  return genericFileLlseekSize(file, offset, whence, size, size);
}

/**
 * Models `def_blk_fops` (block/fops.c) for the nodes of devtmpfs: `O_DIRECT` through block's
 * `blkdev_direct_IO()` (bios, page pins), buffered I/O through the block device's page cache
 * ({@link blkdevAops}), `fsync` as writeback plus a cache flush, `mmap` of the device's page cache.
 * @param up - the machine's mm and block services
 * @returns the operations table
 */
export function blkdevFops(up: Upstream): FileOperations {
  const io: BufferedIo = Object.freeze({ up });
  return Object.freeze({
    open: blkdevOpen,
    release: blkdevRelease,
    readIter: (iocb: Kiocb, iter: IovIter): number | Promise<number> => blkdevReadIter(io, iocb, iter),
    writeIter: (iocb: Kiocb, iter: IovIter): number | Promise<number> => blkdevWriteIter(io, iocb, iter),
    llseek: blkdevLlseek,
    fsync: blkdevFsync,
    mmap: genericFileMmap,
  } satisfies FileOperations);
}

/**
 * Models `bdev_statx()` (block/bdev.c), the block-device part of `vfs_getattr()`: the direct-I/O alignment
 * (`STATX_DIOALIGN`).
 * @param bdev - the device
 * @param st - the result to adjust (`dioMemAlign` = `dma_alignment + 1`, `dioOffsetAlign` = the logical
 * block size)
 */
export function bdevStatx(bdev: BlockDevice, st: Stat): void {
  st.dioMemAlign = bdevDmaAlignment(bdev) + 1;
  st.dioOffsetAlign = bdevLogicalBlockSize(bdev);
}
