/**
 * Raw block-device file I/O (block/fops.c): direct I/O on `/dev/<disk>` and cache flushes.
 * @packageDocumentation
 */
import { EAGAIN, EINVAL, EIOCBQUEUED, ENOSPC, EOPNOTSUPP, EPERM, Errno } from '@stackemu/core';
import {
  BLK_STS_IOERR,
  BLK_STS_OK,
  Bio,
  BIO_REFFED,
  REQ_ATOMIC,
  REQ_FUA,
  REQ_IDLE,
  REQ_NOWAIT,
  REQ_OP_READ,
  REQ_OP_WRITE,
  REQ_POLLED,
  REQ_PREFLUSH,
  REQ_SYNC,
} from './blk-types.js';
import { blkStatusToErrno } from './blk-status.js';
import { bdevLogicalBlockSize, bdevNrBytes, type BlockDevice } from './blkdev.js';
import { blkFinishPlug, blkPlugInit, blkStartPlug } from './blk-mq.js';
import { submitBio, submitBioWait } from './blk-core.js';
import {
  BIO_MAX_VECS,
  bioAlloc,
  bioCheckPagesDirty,
  bioEndio,
  bioGet,
  bioIovBvecSet,
  bioIovIterGetPagesSleep,
  bioIovVecsToAlloc,
  bioPut,
  bioReleasePages,
  bioSetPagesDirty,
} from './bio.js';
import { ITER_BVEC, iovIterReexpand, iovIterTruncate, type IovIter } from './uio.js';
import { iovIterRevert } from './iov-iter.js';

/** `IOCB_HIPRI` (include/linux/fs.h, = `RWF_HIPRI`). */
const IOCB_HIPRI = 0x1;
/** `IOCB_DSYNC` (include/linux/fs.h, = `RWF_DSYNC`). */
const IOCB_DSYNC = 0x2;
/** `IOCB_NOWAIT` (include/linux/fs.h, = `RWF_NOWAIT`). */
const IOCB_NOWAIT = 0x8;
/** `IOCB_ATOMIC` (include/linux/fs.h, = `RWF_ATOMIC`). */
const IOCB_ATOMIC = 0x40;
/** `IOCB_DIRECT` (include/linux/fs.h). */
const IOCB_DIRECT = 1 << 17;

type KiCompleteFn = { bivarianceHack(iocb: BlkKiocb, res: number): void }['bivarianceHack'];

/**
 * The fields of `struct kiocb` (include/linux/fs.h) that block/fops.c reads; the vfs's `Kiocb` has them.
 * @remarks `kiFlags` uses the kernel's `IOCB_*` values (`IOCB_DIRECT` = 1 << 17, `IOCB_NOWAIT` = 8,
 * `IOCB_DSYNC` = 2, `IOCB_HIPRI` = 1, `IOCB_ATOMIC` = 0x40). A kiocb without `kiComplete` is synchronous.
 */
export interface BlkKiocb {
  /** `ki_pos`. */
  kiPos: number;
  /** `ki_flags`: `IOCB_*`. */
  kiFlags: number;
  /** `ki_ioprio`. */
  kiIoprio: number;
  /** `ki_complete`: async completion with bytes or -errno. */
  kiComplete?: KiCompleteFn | undefined;
}

/** `DIO_SHOULD_DIRTY` (block/fops.c). */
const DIO_SHOULD_DIRTY = 1;
/** `DIO_IS_SYNC` (block/fops.c). */
const DIO_IS_SYNC = 2;

/** Models `struct blkdev_dio` (block/fops.c). */
interface BlkdevDio {
  iocb: BlkKiocb;
  waiter: { resolve(v: number): void } | undefined;
  size: number;
  ref: number;
  flags: number;
  bio: Bio;
}

function dioBioWriteOp(iocb: BlkKiocb): number {
  let opf = REQ_OP_WRITE | REQ_SYNC | REQ_IDLE;
  if ((iocb.kiFlags & IOCB_DSYNC) !== 0) opf |= REQ_FUA;
  return opf;
}

/**
 * Models `blkdev_dio_invalid()` (block/fops.c, 6.18): the position and the length must be multiples of the
 * logical block size. Memory alignment (`dma_alignment`) is checked later, while the bio is split.
 * @param bdev - the device
 * @param iocb - the kiocb
 * @param iter - the data
 * @returns true if invalid
 */
export function blkdevDioInvalid(bdev: BlockDevice, iocb: BlkKiocb, iter: IovIter): boolean {
  const mask = bdevLogicalBlockSize(bdev) - 1;
  return iocb.kiPos % (mask + 1) !== 0 || (iter.count & mask) !== 0;
}

async function blkdevDirectIOSimple(
  iocb: BlkKiocb,
  iter: IovIter,
  bdev: BlockDevice,
  nrPages: number,
): Promise<number> {
  const isRead = !iter.dataSource;
  const bio = bioAlloc(bdev, nrPages, isRead ? REQ_OP_READ : dioBioWriteOp(iocb));
  const shouldDirty = isRead && iter.userBacked;
  bio.biIter.biSector = Math.floor(iocb.kiPos / 512);
  bio.biIoprio = iocb.kiIoprio;
  if ((iocb.kiFlags & IOCB_ATOMIC) !== 0) bio.biOpf |= REQ_ATOMIC;
  const got = bioIovIterGetPagesSleep(bio, iter, bdevLogicalBlockSize(bdev) - 1);
  let ret = typeof got === 'number' ? got : await got;
  if (ret !== 0) {
    bioPut(bio);
    return ret;
  }
  ret = bio.biIter.biSize;
  if ((iocb.kiFlags & IOCB_NOWAIT) !== 0) bio.biOpf |= REQ_NOWAIT;
  await submitBioWait(bio);
  bioReleasePages(bio, shouldDirty);
  if (bio.biStatus !== BLK_STS_OK) ret = blkStatusToErrno(bio.biStatus);
  bioPut(bio);
  return ret;
}

function blkdevBioEndIo(bio: Bio): void {
  const dio = bio.biPrivate as BlkdevDio;
  const shouldDirty = (dio.flags & DIO_SHOULD_DIRTY) !== 0;
  if (bio.biStatus !== BLK_STS_OK && dio.bio.biStatus === BLK_STS_OK) dio.bio.biStatus = bio.biStatus;
  if (--dio.ref === 0) {
    if ((dio.flags & DIO_IS_SYNC) === 0) {
      const iocb = dio.iocb;
      let ret: number;
      if (dio.bio.biStatus === BLK_STS_OK) {
        ret = dio.size;
        iocb.kiPos += ret;
      } else {
        ret = blkStatusToErrno(dio.bio.biStatus);
      }
      iocb.kiComplete?.(iocb, ret);
      bioPut(dio.bio);
    } else {
      const w = dio.waiter;
      dio.waiter = undefined;
      w?.resolve(0);
    }
  }
  if (shouldDirty) {
    bioCheckPagesDirty(bio);
  } else {
    bioReleasePages(bio, false);
    bioPut(bio);
  }
}

async function blkdevDirectIOMulti(iocb: BlkKiocb, iter: IovIter, bdev: BlockDevice, nrPages: number): Promise<number> {
  const blk = bdev.bdDisk.blk;
  const isRead = !iter.dataSource;
  const opf = isRead ? REQ_OP_READ : dioBioWriteOp(iocb);
  let pos = iocb.kiPos;
  let ret: number;
  let bio = bioAlloc(bdev, nrPages, opf);
  const isSync = iocb.kiComplete === undefined;
  const waiter = isSync ? blk.scheduler.defer<number>() : undefined;
  const dio: BlkdevDio = { iocb, waiter, size: 0, ref: 1, flags: isSync ? DIO_IS_SYNC : 0, bio };
  bioGet(bio);
  if (isRead && iter.userBacked) dio.flags |= DIO_SHOULD_DIRTY;
  const plug = blkPlugInit();
  blkStartPlug(blk, plug);
  const lbsMask = bdevLogicalBlockSize(bdev) - 1;
  for (;;) {
    bio.biIter.biSector = Math.floor(pos / 512);
    bio.biPrivate = dio;
    bio.biEndIo = blkdevBioEndIo;
    bio.biIoprio = iocb.kiIoprio;
    const got = bioIovIterGetPagesSleep(bio, iter, lbsMask);
    ret = typeof got === 'number' ? got : await got;
    if (ret !== 0) {
      bio.biStatus = BLK_STS_IOERR;
      bioEndio(bio);
      break;
    }
    if ((iocb.kiFlags & IOCB_NOWAIT) !== 0) {
      if (iter.count > 0) {
        bioReleasePages(bio, false);
        bio.biFlags &= ~(1 << BIO_REFFED);
        bioPut(bio);
        blkFinishPlug(blk, plug);
        return -EAGAIN;
      }
      bio.biOpf |= REQ_NOWAIT;
    }
    if (isRead && (dio.flags & DIO_SHOULD_DIRTY) !== 0) bioSetPagesDirty(bio);
    dio.size += bio.biIter.biSize;
    pos += bio.biIter.biSize;
    const n = bioIovVecsToAlloc(iter, BIO_MAX_VECS);
    if (n === 0) {
      submitBio(bio);
      break;
    }
    dio.ref++;
    submitBio(bio);
    bio = bioAlloc(bdev, n, opf);
  }
  blkFinishPlug(blk, plug);
  if (!isSync) return -EIOCBQUEUED;
  if (dio.waiter !== undefined) await (waiter as { promise: Promise<number> }).promise;
  if (ret === 0) ret = blkStatusToErrno(dio.bio.biStatus);
  if (ret === 0) ret = dio.size;
  bioPut(dio.bio);
  return ret;
}

/** `struct blkdev_dio` of `__blkdev_direct_IO_async()`, kept in its bio's {@link Bio.frontPad}. */
class AsyncDio {
  iocb: BlkKiocb | undefined = undefined;
  size = 0;
  flags = 0;
}

function blkdevBioEndIoAsync(bio: Bio): void {
  const dio = bio.biPrivate as AsyncDio;
  const iocb = dio.iocb as BlkKiocb;
  dio.iocb = undefined;
  let ret: number;
  if (bio.biStatus === BLK_STS_OK) {
    ret = dio.size;
    iocb.kiPos += ret;
  } else {
    ret = blkStatusToErrno(bio.biStatus);
  }
  iocb.kiComplete?.(iocb, ret);
  if ((dio.flags & DIO_SHOULD_DIRTY) !== 0) {
    bioCheckPagesDirty(bio);
  } else {
    bioReleasePages(bio, false);
    bioPut(bio);
  }
}

function blkdevDirectIOAsync(
  iocb: BlkKiocb,
  iter: IovIter,
  bdev: BlockDevice,
  nrPages: number,
): number | Promise<number> {
  const isRead = !iter.dataSource;
  const bio = bioAlloc(bdev, nrPages, isRead ? REQ_OP_READ : dioBioWriteOp(iocb));
  const pad = bio.frontPad;
  const dio = pad instanceof AsyncDio ? pad : (bio.frontPad = new AsyncDio());
  dio.iocb = iocb;
  dio.size = 0;
  dio.flags = 0;
  bio.biPrivate = dio;
  bio.biIter.biSector = Math.floor(iocb.kiPos / 512);
  bio.biEndIo = blkdevBioEndIoAsync;
  bio.biIoprio = iocb.kiIoprio;
  if (iter.iterType === ITER_BVEC) {
    bioIovBvecSet(bio, iter);
  } else {
    const mask = bdevLogicalBlockSize(bdev) - 1;
    const ret = bioIovIterGetPagesSleep(bio, iter, mask);
    if (typeof ret !== 'number') {
      return ret.then((r) => {
        if (r === 0) return blkdevDirectIOAsyncSubmit(bio, dio, iocb, iter, isRead);
        bioPut(bio);
        return r;
      });
    }
    if (ret !== 0) {
      bioPut(bio);
      return ret;
    }
  }
  return blkdevDirectIOAsyncSubmit(bio, dio, iocb, iter, isRead);
}

/** The submission half of `__blkdev_direct_IO_async()`, once the bio holds its pages. */
function blkdevDirectIOAsyncSubmit(bio: Bio, dio: AsyncDio, iocb: BlkKiocb, iter: IovIter, isRead: boolean): number {
  dio.size = bio.biIter.biSize;
  if (isRead) {
    if (iter.userBacked) {
      dio.flags |= DIO_SHOULD_DIRTY;
      bioSetPagesDirty(bio);
    }
  }
  if ((iocb.kiFlags & IOCB_ATOMIC) !== 0) bio.biOpf |= REQ_ATOMIC;
  if ((iocb.kiFlags & IOCB_NOWAIT) !== 0) bio.biOpf |= REQ_NOWAIT;
  if ((iocb.kiFlags & IOCB_HIPRI) !== 0) bio.biOpf |= REQ_POLLED;
  submitBio(bio);
  return -EIOCBQUEUED;
}

/**
 * Models `blkdev_direct_IO()` (block/fops.c): O_DIRECT on a raw block device.
 *
 * @param iocb - the kiocb (position, `IOCB_*` flags; `kiComplete` set for async I/O)
 * @param iter - the data (advanced by what was submitted)
 * @param bdev - the device (the kernel finds it through `iocb->ki_filp`)
 * @returns synchronous: bytes transferred or a negative errno (`kiPos` is not moved, the caller does it);
 * asynchronous: `-EIOCBQUEUED`, and later `kiComplete(iocb, bytes | -errno)` with `kiPos` advanced.
 * Errors: `-EINVAL` for a position or length not a multiple of the logical block size, for memory not
 * aligned to the queue's `dma_alignment` (found when the bio is split, after the pages were pinned and
 * then released), for an atomic write above 256 pages; `-EFAULT` for unmapped memory; `-EAGAIN` for a
 * `IOCB_NOWAIT` I/O needing several bios; the device's status as errno (`-EIO` …).
 * @remarks ≤ 256 pages: one bio, `__blkdev_direct_IO_simple` (sync: no pre-dirtying, pages dirtied at
 * release) or `__blkdev_direct_IO_async` (reads pre-dirtied, `bio_check_pages_dirty` at completion; a
 * BVEC iterator lends its bvecs). More: `__blkdev_direct_IO`, several bios under a plug.
 */
export function blkdevDirectIO(iocb: BlkKiocb, iter: IovIter, bdev: BlockDevice): number | Promise<number> {
  if (iter.count === 0) return 0;
  if (blkdevDioInvalid(bdev, iocb, iter)) return -EINVAL;
  const nrPages = bioIovVecsToAlloc(iter, BIO_MAX_VECS + 1);
  if (nrPages <= BIO_MAX_VECS) {
    if (iocb.kiComplete === undefined) return blkdevDirectIOSimple(iocb, iter, bdev, nrPages);
    return blkdevDirectIOAsync(iocb, iter, bdev, nrPages);
  }
  if ((iocb.kiFlags & IOCB_ATOMIC) !== 0) return -EINVAL;
  return blkdevDirectIOMulti(iocb, iter, bdev, Math.min(nrPages, BIO_MAX_VECS));
}

/**
 * Models `blkdev_read_iter()` (block/fops.c) for `O_DIRECT`: clip at the device end, run direct I/O,
 * advance `kiPos` (sync), give back what was not done.
 * @param iocb - the kiocb
 * @param iter - the destination
 * @param bdev - the device
 * @returns bytes, 0 at or past the end, `-EIOCBQUEUED`, or a negative errno
 * @throws Errno `EOPNOTSUPP` for buffered reads (the block-device page cache is not modelled)
 */
export async function blkdevReadIter(iocb: BlkKiocb, iter: IovIter, bdev: BlockDevice): Promise<number> {
  let size = bdevNrBytes(bdev);
  const pos = iocb.kiPos;
  if (pos >= size) return 0;
  size -= pos;
  let shorted = 0;
  if (iter.count > size) {
    shorted = iter.count - size;
    iovIterTruncate(iter, size);
  }
  let count = iter.count;
  if (count === 0) {
    iovIterReexpand(iter, iter.count + shorted);
    return 0;
  }
  if ((iocb.kiFlags & IOCB_DIRECT) === 0) {
    iovIterReexpand(iter, iter.count + shorted);
    throw new Errno(
      EOPNOTSUPP,
      `block: buffered read of /dev/${bdev.bdDisk.diskName} is not modelled (open it with O_DIRECT)`,
    );
  }
  const ret = await blkdevDirectIO(iocb, iter, bdev);
  if (ret > 0 && iocb.kiComplete === undefined) {
    iocb.kiPos += ret;
    count -= ret;
  } else if (ret > 0) {
    count -= ret;
  }
  if (ret !== -EIOCBQUEUED) iovIterRevert(iter, count - iter.count);
  iovIterReexpand(iter, iter.count + shorted);
  return ret;
}

/**
 * Models `blkdev_write_iter()` (block/fops.c) for `O_DIRECT`.
 * @param iocb - the kiocb
 * @param iter - the source
 * @param bdev - the device
 * @returns bytes, `-EIOCBQUEUED`, or a negative errno: `-EPERM` on a read-only device, `-ENOSPC` at or
 * past the end, `-EOPNOTSUPP` for `IOCB_NOWAIT` without `IOCB_DIRECT`, or those of {@link blkdevDirectIO}
 * @throws Errno `EOPNOTSUPP` for buffered writes (the block-device page cache is not modelled)
 */
export async function blkdevWriteIter(iocb: BlkKiocb, iter: IovIter, bdev: BlockDevice): Promise<number> {
  if (bdev.bdReadOnly) return -EPERM;
  if (iter.count === 0) return 0;
  let size = bdevNrBytes(bdev);
  if (iocb.kiPos >= size) return -ENOSPC;
  if ((iocb.kiFlags & (IOCB_NOWAIT | IOCB_DIRECT)) === IOCB_NOWAIT) return -EOPNOTSUPP;
  size -= iocb.kiPos;
  let shorted = 0;
  if (iter.count > size) {
    shorted = iter.count - size;
    iovIterTruncate(iter, size);
  }
  if ((iocb.kiFlags & IOCB_DIRECT) === 0) {
    iovIterReexpand(iter, iter.count + shorted);
    throw new Errno(
      EOPNOTSUPP,
      `block: buffered write to /dev/${bdev.bdDisk.diskName} is not modelled (open it with O_DIRECT)`,
    );
  }
  let count = iter.count;
  const ret = await blkdevDirectIO(iocb, iter, bdev);
  if (ret > 0) {
    if (iocb.kiComplete === undefined) iocb.kiPos += ret;
    count -= ret;
  }
  if (ret !== -EIOCBQUEUED) iovIterRevert(iter, count - iter.count);
  iovIterReexpand(iter, iter.count + shorted);
  return ret;
}

/**
 * Models `blkdev_issue_flush()` (block/blk-flush.c): an empty `REQ_PREFLUSH` write, waited for.
 * @param bdev - the device
 * @returns 0 or a negative errno (0 also for a device without a volatile write cache)
 */
export async function blkdevIssueFlush(bdev: BlockDevice): Promise<number> {
  const bio = bioAlloc(bdev, 0, REQ_OP_WRITE | REQ_PREFLUSH);
  const ret = await submitBioWait(bio);
  bioPut(bio);
  return ret;
}
