/**
 * Models `fs/iomap/direct-io.c` (Linux 6.18): `iomap_dio_rw()` and its machinery — per-mapping bios built
 * with `bio_iov_iter_get_pages()`, sub-block zeroing, holes and unwritten extents, EOF clipping, the dio
 * reference count, sync and async completion, error propagation and dirtying of the pages a read filled.
 * @packageDocumentation
 */
import { EAGAIN, EFAULT, EINVAL, EIO, EIOCBQUEUED, ENOTBLK, type Deferred, type Scheduler } from '@stackemu/core';
import {
  BIO_MAX_VECS,
  READ,
  REQ_ATOMIC,
  REQ_FUA,
  REQ_IDLE,
  REQ_OP_READ,
  REQ_OP_WRITE,
  REQ_SYNC,
  __bioAddPage,
  BLK_FEAT_FUA,
  bdevLogicalBlockSize,
  bdevWriteCache,
  bioAlloc,
  bioCheckPagesDirty,
  bioIovIterGetPages,
  bioPut,
  bioReleasePages,
  bioSetPagesDirty,
  blkStatusToErrno,
  copyFromIter,
  copyToIter,
  iovIterCount,
  iovIterIsUserBacked,
  iovIterReexpand,
  iovIterRevert,
  iovIterRw,
  iovIterTruncate,
  iovIterZero,
  submitBio,
  type Bio,
  type BlockDevice,
  type IovIter,
  type IovMem,
} from '@stackemu/block';
import {
  IOCB_ATOMIC,
  IOCB_DIO_CALLER_COMP,
  IOCB_HIPRI,
  IOCB_NOWAIT,
  IOCB_SYNC,
  iBlocksize,
  iSizeRead,
  iSizeWrite,
  inodeDioBegin,
  inodeDioEnd,
  isSyncKiocb,
  genericWriteSync,
  IOCB_DSYNC,
  type Kiocb,
} from '@stackemu/vfs';
import { kiocbInvalidatePages, kiocbInvalidatePostDirectWrite, kiocbWriteAndWait } from './internal/filemap.js';
import {
  IOMAP_ATOMIC,
  IOMAP_DELALLOC,
  IOMAP_DIO_CALLER_COMP,
  IOMAP_DIO_COW,
  IOMAP_DIO_DIRTY,
  IOMAP_DIO_FORCE_WAIT,
  IOMAP_DIO_INLINE_COMP,
  IOMAP_DIO_NEED_SYNC,
  IOMAP_DIO_NO_INVALIDATE,
  IOMAP_DIO_OVERWRITE_ONLY,
  IOMAP_DIO_PARTIAL,
  IOMAP_DIO_UNWRITTEN,
  IOMAP_DIO_WRITE,
  IOMAP_DIO_WRITE_THROUGH,
  IOMAP_DIRECT,
  IOMAP_F_ATOMIC_BIO,
  IOMAP_F_DIRTY,
  IOMAP_F_NEW,
  IOMAP_F_SHARED,
  IOMAP_HOLE,
  IOMAP_INLINE,
  IOMAP_MAPPED,
  IOMAP_NOWAIT,
  IOMAP_OVERWRITE_ONLY,
  IOMAP_UNWRITTEN,
  IOMAP_WRITE,
  iomapSector,
  type Iomap,
  type IomapDioOps,
  type IomapOps,
} from './iomap.js';
import { IomapIter, iomapIter, iomapIterAdvance, iomapIterInit, iomapLength } from './iter.js';

/** One place where iomap direct I/O touches user memory, and how it acquires pages (block-fs spec §3, §11). */
export interface IomapDioCallSite {
  /** The kernel function. */
  readonly site: string;
  /** What it does with user memory. */
  readonly acquires: string;
  /** Whether its page references follow the file system's declared `PageRefPolicy` (`IomapDioOps.pageRefPolicy`). */
  readonly converted: boolean;
}

/**
 * The direct-I/O call sites of `fs/iomap/direct-io.c`: only `iomap_dio_bio_iter` acquires user pages
 * (converted: FOLL_PIN through `bio_iov_iter_get_pages()` when the policy is `'pin'`); zeroing bios use the
 * zero page without a reference; holes and inline data are CPU copies.
 */
export const iomapDioCallSites: readonly IomapDioCallSite[] = Object.freeze([
  Object.freeze({
    site: 'iomap_dio_bio_iter',
    acquires: 'bio_iov_iter_get_pages(): one pin (or ref) per page per bio',
    converted: true,
  }),
  Object.freeze({
    site: 'iomap_dio_zero',
    acquires: 'nothing: the zero page, no reference, no BIO_PAGE_PINNED',
    converted: true,
  }),
  Object.freeze({ site: 'iomap_dio_hole_iter', acquires: 'nothing: iov_iter_zero() CPU copy', converted: true }),
  Object.freeze({
    site: 'iomap_dio_inline_iter',
    acquires: 'nothing: copy_to_iter()/copy_from_iter() CPU copy',
    converted: true,
  }),
]);

/**
 * Models `struct iomap_dio` (fs/iomap/direct-io.c): one direct I/O in flight.
 * @remarks Reference-counted like the kernel's: the submitter holds one reference and every bio one; the
 * last drop completes the I/O.
 */
export class IomapDio {
  /** `iocb`. */
  iocb: Kiocb;
  /** `dops`. */
  dops: IomapDioOps | undefined;
  /** `i_size` when the I/O started. */
  iSize = 0;
  /** Bytes submitted (and, for holes, zeroed). */
  size = 0;
  /** `ref`. */
  ref = 1;
  /** `IOMAP_DIO_*` (public, private and `end_io` flags). */
  flags = 0;
  /** First error (`-errno`), 0 if none. */
  error = 0;
  /** `done_before`. */
  doneBefore = 0;
  /** `wait_for_completion`. */
  waitForCompletion = false;
  /** `submit.iter`. */
  iter: IovIter;
  /** `submit.waiter`: the sleeping submitter of a sync dio. */
  waiter: Deferred<undefined> | undefined = undefined;
  /** The machine's scheduler, learnt from the first bio (completion work and wakeups). */
  sched: Scheduler | undefined = undefined;
  /** The page-cache read a GUP fault of the user buffer started (`Gup.takeFaultIo`), for the submitter to wait on. */
  faultIo: Promise<number> | undefined = undefined;

  /**
   * @param iocb - the kiocb
   * @param iter - the data
   */
  constructor(iocb: Kiocb, iter: IovIter) {
    this.iocb = iocb;
    this.iter = iter;
  }
}

function memOf(it: IomapIter): IovMem | undefined {
  const bdev = it.iomap.bdev ?? it.inode.iSb.sBdev;
  return bdev?.bdDisk.blk;
}

/** Models `iomap_dio_set_error()` (fs/iomap/direct-io.c): the first error sticks. */
function iomapDioSetError(dio: IomapDio, ret: number): void {
  if (dio.error === 0) dio.error = ret;
}

/**
 * Models `iomap_dio_complete()` (fs/iomap/direct-io.c): runs `end_io`, clips a short read at the `i_size`
 * seen at submission, ends the dio, advances `ki_pos` and syncs O_DSYNC writes.
 * @param dio - a dio whose last reference is gone
 * @returns bytes transferred (plus `done_before`) or `-errno`; a promise when an O_DSYNC write syncs
 */
export function iomapDioComplete(dio: IomapDio): number | Promise<number> {
  const dops = dio.dops;
  const iocb = dio.iocb;
  const inode = iocb.kiFilp.fInode;
  const offset = iocb.kiPos;
  let ret = dio.error;
  if (dops?.endIo !== undefined) ret = dops.endIo(iocb, dio.size, ret, dio.flags);
  if (ret === 0) {
    ret = dio.size;
    if (offset + ret > dio.iSize && (dio.flags & IOMAP_DIO_WRITE) === 0) ret = dio.iSize - offset;
  }
  if (
    dio.error === 0 &&
    dio.size !== 0 &&
    (dio.flags & IOMAP_DIO_WRITE) !== 0 &&
    (dio.flags & IOMAP_DIO_NO_INVALIDATE) === 0
  ) {
    kiocbInvalidatePostDirectWrite(iocb, dio.size);
  }
  inodeDioEnd(inode);
  if (ret > 0) {
    iocb.kiPos += ret;
    if ((dio.flags & IOMAP_DIO_NEED_SYNC) !== 0) {
      const doneBefore = dio.doneBefore;
      return genericWriteSync(iocb, ret).then((r) => (r > 0 ? r + doneBefore : r));
    }
    ret += dio.doneBefore;
  }
  return ret;
}

function iomapDioDeferredComplete(data: unknown): number {
  const r = iomapDioComplete(data as IomapDio);
  return typeof r === 'number' ? r : -EIO;
}

/** Models `iomap_dio_complete_work()` (fs/iomap/direct-io.c): complete and report to `ki_complete`. */
function iomapDioCompleteWork(dio: IomapDio): void {
  const iocb = dio.iocb;
  const complete = iocb.kiComplete;
  const r = iomapDioComplete(dio);
  if (complete === undefined) return;
  if (typeof r === 'number') complete(iocb, r);
  else
    void r.then((v) => {
      complete(iocb, v);
    });
}

/**
 * Models `iomap_dio_done()` (fs/iomap/direct-io.c): the last reference dropped in a completion. Wakes a
 * sync submitter; completes reads inline; hands writes to the caller (`IOCB_DIO_CALLER_COMP`) or to the
 * superblock's completion workqueue (here: a scheduler event at the same virtual time).
 */
function iomapDioDone(dio: IomapDio): void {
  const iocb = dio.iocb;
  if (dio.waitForCompletion) {
    const w = dio.waiter;
    dio.waiter = undefined;
    w?.resolve(undefined);
  } else if ((dio.flags & IOMAP_DIO_INLINE_COMP) !== 0) {
    iocb.private = undefined;
    iomapDioCompleteWork(dio);
  } else if ((dio.flags & IOMAP_DIO_CALLER_COMP) !== 0) {
    iocb.private = dio;
    iocb.dioComplete = iomapDioDeferredComplete;
    iocb.kiComplete?.(iocb, 0);
  } else {
    const sched = dio.sched;
    if (sched === undefined) iomapDioCompleteWork(dio);
    else sched.schedule(0, iomapDioCompleteWork, dio);
  }
}

/**
 * Models `iomap_dio_bio_end_io()` (fs/iomap/direct-io.c): the `bi_end_io` of every dio bio. Records the
 * first error, drops the bio's dio reference, then releases the bio's pages: `bio_check_pages_dirty()`
 * for reads into user memory (which may defer the release to process context), else
 * `bio_release_pages(bio, false)` and `bio_put()`.
 * @param bio - the completed bio
 */
export function iomapDioBioEndIo(bio: Bio): void {
  const dio = bio.biPrivate as IomapDio;
  const shouldDirty = (dio.flags & IOMAP_DIO_DIRTY) !== 0;
  if (bio.biStatus !== 0) iomapDioSetError(dio, blkStatusToErrno(bio.biStatus));
  if (--dio.ref === 0) iomapDioDone(dio);
  if (shouldDirty) {
    bioCheckPagesDirty(bio);
  } else {
    bioReleasePages(bio, false);
    bioPut(bio);
  }
}

/** Models `iomap_dio_submit_bio()` (fs/iomap/direct-io.c): one more dio reference, then submit. */
function iomapDioSubmitBio(it: IomapIter, dio: IomapDio, bio: Bio, pos: number): void {
  dio.ref++;
  dio.sched ??= bio.blk.scheduler;
  if (dio.dops?.submitIo !== undefined) dio.dops.submitIo(it, bio, pos);
  else submitBio(bio);
}

/**
 * Models `iomap_dio_zero()` (fs/iomap/direct-io.c, 6.18): writes zeroes over `[pos, pos + len)` from the
 * shared zero page. The bio takes no reference and no pin (6.5+: no `BIO_PAGE_PINNED`), so its release
 * touches no counter.
 * @returns 0, or `-EINVAL` for a zeroing longer than a page (block sizes above the page size)
 */
function iomapDioZero(it: IomapIter, dio: IomapDio, pos: number, len: number): number {
  if (len === 0) return 0;
  const bdev = it.iomap.bdev as BlockDevice;
  const blk = bdev.bdDisk.blk;
  if (len > 4096) return -EINVAL;
  const bio = bioAlloc(bdev, 1, REQ_OP_WRITE | REQ_SYNC | REQ_IDLE);
  bio.biIter.biSector = iomapSector(it.iomap, pos);
  bio.biPrivate = dio;
  bio.biEndIo = iomapDioBioEndIo;
  __bioAddPage(bio, (blk.physMem as unknown as { readonly zeroPfn: number }).zeroPfn, len, 0);
  iomapDioSubmitBio(it, dio, bio, pos);
  return 0;
}

function iomapDioCanUseFua(iomap: Iomap, dio: IomapDio): boolean {
  if ((iomap.flags & (IOMAP_F_SHARED | IOMAP_F_DIRTY)) !== 0) return false;
  if ((dio.flags & IOMAP_DIO_WRITE_THROUGH) === 0) return false;
  const bdev = iomap.bdev as BlockDevice;
  return !bdevWriteCache(bdev) || (bdev.bdQueue.limits.features & BLK_FEAT_FUA) !== 0;
}

/**
 * Models `iomap_dio_bio_iter()` (fs/iomap/direct-io.c, 6.18): the bios of one mapped or unwritten mapping.
 * @returns 0 or `-errno` as the loop's `status` (after advancing by the bytes submitted)
 */
function iomapDioBioIter(it: IomapIter, dio: IomapDio): number {
  const iomap = it.iomap;
  const inode = it.inode;
  const fsBlockSize = iBlocksize(inode);
  const length = iomapLength(it);
  const bdev = iomap.bdev as BlockDevice;
  const lbs = bdevLogicalBlockSize(bdev);
  let pos = it.pos;
  let bioOpf = REQ_SYNC | REQ_IDLE;
  let needZeroout = false;
  let copied = 0;
  let ret = 0;

  // Alignment of position and length to the device's logical block size; the memory alignment is checked
  // while the pages are extracted (6.18), after they are pinned.
  if (pos % lbs !== 0 || length % lbs !== 0) return -EINVAL;

  if ((dio.flags & IOMAP_DIO_WRITE) !== 0) {
    bioOpf |= REQ_OP_WRITE;
    if ((iomap.flags & IOMAP_F_ATOMIC_BIO) !== 0) {
      if (length !== it.len) return -EINVAL;
      bioOpf |= REQ_ATOMIC;
    }
    if (iomap.type === IOMAP_UNWRITTEN) {
      dio.flags |= IOMAP_DIO_UNWRITTEN;
      needZeroout = true;
    }
    if ((iomap.flags & IOMAP_F_SHARED) !== 0) dio.flags |= IOMAP_DIO_COW;
    if ((iomap.flags & IOMAP_F_NEW) !== 0) {
      needZeroout = true;
    }
    if (iomap.type === IOMAP_MAPPED && !needZeroout && iomapDioCanUseFua(iomap, dio)) {
      bioOpf |= REQ_FUA;
    } else {
      // A write that needs zeroing, allocation, conversion or unsharing is not written through: the O_DSYNC
      // completion must sync the metadata (as the 5.x per-bio rule and the later `need_completion_work`
      // rule both do).
      dio.flags &= ~IOMAP_DIO_WRITE_THROUGH;
    }
    if (
      needZeroout ||
      pos >= iSizeRead(inode) ||
      ((dio.flags & IOMAP_DIO_NEED_SYNC) !== 0 && (bioOpf & REQ_FUA) === 0)
    ) {
      dio.flags &= ~IOMAP_DIO_CALLER_COMP;
    }
  } else {
    bioOpf |= REQ_OP_READ;
  }

  const iter = dio.iter;
  const origCount = iovIterCount(iter);
  iovIterTruncate(iter, length);
  done: {
    if (iovIterCount(iter) === 0) break done;
    if ((dio.flags & (IOMAP_DIO_INLINE_COMP | IOMAP_DIO_CALLER_COMP)) === 0) dio.iocb.kiFlags &= ~IOCB_HIPRI;
    if (needZeroout) {
      const pad = pos % fsBlockSize;
      ret = iomapDioZero(it, dio, pos - pad, pad);
      if (ret !== 0) break done;
    }
    do {
      if (dio.error !== 0) {
        iovIterRevert(iter, copied);
        copied = 0;
        ret = 0;
        break done;
      }
      const bio = bioAlloc(bdev, Math.min(BIO_MAX_VECS, Math.ceil(iovIterCount(iter) / 4096) + 1), bioOpf);
      bio.biIter.biSector = iomapSector(iomap, pos);
      bio.biIoprio = dio.iocb.kiIoprio;
      bio.biPrivate = dio;
      bio.biEndIo = iomapDioBioEndIo;
      ret = bioIovIterGetPages(bio, iter, lbs - 1, dio.dops?.pageRefPolicy ?? bio.blk.dioW.policy);
      // GUP stopped on a major fault of the buffer: the submitter waits for the read and retries (dioIterStep).
      if (ret === -EAGAIN) dio.faultIo = bio.blk.gup.takeFaultIo?.();
      if (ret !== 0) {
        // Stop part way; still zero the tail of the block so a short I/O exposes no stale data.
        bioPut(bio);
        break;
      }
      const n = bio.biIter.biSize;
      if ((bioOpf & REQ_ATOMIC) !== 0 && n !== length) {
        ret = -EINVAL;
        bioPut(bio);
        break;
      }
      if ((dio.flags & IOMAP_DIO_WRITE) === 0 && (dio.flags & IOMAP_DIO_DIRTY) !== 0) bioSetPagesDirty(bio);
      dio.size += n;
      copied += n;
      if (iovIterCount(iter) !== 0) dio.iocb.kiFlags &= ~IOCB_HIPRI;
      iomapDioSubmitBio(it, dio, bio, pos);
      pos += n;
    } while (iovIterCount(iter) !== 0);

    // Zero the tail of a sub-block write if the extent needs zeroing or the write extends EOF.
    if (needZeroout || ((dio.flags & IOMAP_DIO_WRITE) !== 0 && pos >= iSizeRead(inode))) {
      const pad = pos % fsBlockSize;
      if (pad !== 0) {
        const z = iomapDioZero(it, dio, pos, fsBlockSize - pad);
        if (ret === 0) ret = z;
      }
    }
  }
  iovIterReexpand(iter, origCount - copied);
  if (copied !== 0) return iomapIterAdvance(it, copied);
  return ret;
}

/**
 * Models `iomap_dio_hole_iter()` (fs/iomap/direct-io.c): a read of a hole or unwritten extent zero-fills
 * the user buffer with CPU stores: no bio, no pin.
 * @returns 0, or `-EFAULT` if nothing could be zeroed
 */
function iomapDioHoleIter(it: IomapIter, dio: IomapDio): number {
  const mem = memOf(it);
  if (mem === undefined) return -EIO;
  const length = iovIterZero(mem, iomapLength(it), dio.iter);
  dio.size += length;
  if (length === 0) return -EFAULT;
  return iomapIterAdvance(it, length);
}

/**
 * Models `iomap_dio_inline_iter()` (fs/iomap/direct-io.c): data kept in the inode, copied by the CPU.
 * @returns 0, `-EIO` (no inline data) or `-EFAULT`
 */
function iomapDioInlineIter(it: IomapIter, dio: IomapDio): number {
  const iomap = it.iomap;
  const data = iomap.inlineData;
  const mem = memOf(it);
  if (data === undefined || mem === undefined) return -EIO;
  const length = iomapLength(it);
  const pos = it.pos;
  const off = pos - iomap.offset;
  let copied: number;
  if ((dio.flags & IOMAP_DIO_WRITE) !== 0) {
    const size = it.inode.iSize;
    if (pos > size) data.fill(0, size - iomap.offset, off);
    copied = copyFromIter(mem, data, off, length, dio.iter);
    if (copied !== 0 && pos + copied > size) iSizeWrite(it.inode, pos + copied);
  } else {
    copied = copyToIter(mem, data, off, length, dio.iter);
  }
  dio.size += copied;
  if (copied === 0) return -EFAULT;
  return iomapIterAdvance(it, copied);
}

/** Models `iomap_dio_iter()` (fs/iomap/direct-io.c): dispatch on the mapping type. */
function iomapDioIter(it: IomapIter, dio: IomapDio): number {
  switch (it.iomap.type) {
    case IOMAP_HOLE:
      if ((dio.flags & IOMAP_DIO_WRITE) !== 0) return -EIO;
      return iomapDioHoleIter(it, dio);
    case IOMAP_UNWRITTEN:
      if ((dio.flags & IOMAP_DIO_WRITE) === 0) return iomapDioHoleIter(it, dio);
      return iomapDioBioIter(it, dio);
    case IOMAP_MAPPED:
      return iomapDioBioIter(it, dio);
    case IOMAP_INLINE:
      return iomapDioInlineIter(it, dio);
    case IOMAP_DELALLOC:
      // "Direct I/O collision with buffered writes!"
      return -EIO;
    default:
      return -EIO;
  }
}

/**
 * One `iomap_dio_iter()` step, with the sleep of GUP on a major fault: when the step made no progress because a
 * fault of the user buffer started a page-cache read, waits for the read and runs the step again (the kernel's
 * GUP sleeps in `faultin_page()` and retries). After partial progress the next step faults again and waits then.
 */
function dioIterStep(it: IomapIter, dio: IomapDio): number | Promise<number> {
  const s = iomapDioIter(it, dio);
  const io = dio.faultIo;
  if (io === undefined) return s;
  dio.faultIo = undefined;
  if (s !== -EAGAIN) return s;
  return io.then((r) => (r < 0 ? -EFAULT : dioIterStep(it, dio)));
}

function dioLoop(it: IomapIter, dio: IomapDio, ops: IomapOps): number | Promise<number> {
  for (;;) {
    const r = iomapIter(it, ops);
    if (typeof r !== 'number') return r.then((v) => dioLoopBody(it, dio, ops, v));
    if (r <= 0) return r;
    const s = dioIterStep(it, dio);
    if (typeof s !== 'number') return s.then((v) => dioLoopStatus(it, dio, ops, v));
    it.status = s;
    dio.iocb.kiFlags &= ~IOCB_HIPRI;
  }
}

function dioLoopBody(it: IomapIter, dio: IomapDio, ops: IomapOps, r: number): number | Promise<number> {
  if (r <= 0) return r;
  const s = dioIterStep(it, dio);
  if (typeof s !== 'number') return s.then((v) => dioLoopStatus(it, dio, ops, v));
  return dioLoopStatus(it, dio, ops, s);
}

function dioLoopStatus(it: IomapIter, dio: IomapDio, ops: IomapOps, s: number): number | Promise<number> {
  it.status = s;
  dio.iocb.kiFlags &= ~IOCB_HIPRI;
  return dioLoop(it, dio, ops);
}

/** What `__iomap_dio_rw()` hands to `iomap_dio_rw()`: a dio to complete, nothing to do, or an error. */
export type IomapDioRwResult = IomapDio | undefined | number;

function dioFinishSubmit(
  it: IomapIter,
  dio: IomapDio,
  iter: IovIter,
  dioFlags: number,
  ret: number,
  wait: boolean,
): IomapDioRwResult | Promise<IomapDioRwResult> {
  const iocb = dio.iocb;
  if (iovIterRw(iter) === READ && it.pos >= dio.iSize) iovIterRevert(iter, it.pos - dio.iSize);
  if (ret === -EFAULT && dio.size !== 0 && (dioFlags & IOMAP_DIO_PARTIAL) !== 0) {
    if ((iocb.kiFlags & IOCB_NOWAIT) === 0) wait = true;
    ret = 0;
  }
  if (ret === -ENOTBLK) {
    wait = true;
    ret = 0;
  }
  if (ret < 0) iomapDioSetError(dio, ret);
  if ((dio.flags & IOMAP_DIO_WRITE_THROUGH) !== 0) dio.flags &= ~IOMAP_DIO_NEED_SYNC;
  dio.waitForCompletion = wait;
  if (--dio.ref !== 0) {
    if (!wait) return -EIOCBQUEUED;
    const sched = dio.sched as Scheduler;
    const w = sched.defer<undefined>();
    dio.waiter = w;
    return w.promise.then(() => dio);
  }
  return dio;
}

/**
 * Models `__iomap_dio_rw()` (fs/iomap/direct-io.c, 6.18): checks, then one iteration per mapping, each
 * submitting its own bios; a sync kiocb waits for them.
 * @param iocb - the kiocb (`kiPos`, `IOCB_*`)
 * @param iter - the data; read: destination, write: source
 * @param ops - the file system's mapping operations
 * @param dops - its direct-I/O hooks (optional)
 * @param dioFlags - `IOMAP_DIO_FORCE_WAIT`, `IOMAP_DIO_OVERWRITE_ONLY`, `IOMAP_DIO_PARTIAL`
 * @param priv - the file system's private data for `iomapBegin` (`iter.private`)
 * @param doneBefore - bytes a previous partial call transferred
 * @returns the dio to complete, undefined for nothing to do (length 0, read at or past EOF), `-EIOCBQUEUED`
 * (async kiocb, completion will call `kiComplete`), or `-errno` (`-EAGAIN`: NOWAIT or overwrite-only would
 * block; `-ENOTBLK`: page cache invalidation failed, fall back to buffered)
 */
export function __iomapDioRw(
  iocb: Kiocb,
  iter: IovIter,
  ops: IomapOps,
  dops: IomapDioOps | undefined,
  dioFlags: number,
  priv: unknown,
  doneBefore: number,
): IomapDioRwResult | Promise<IomapDioRwResult> {
  const inode = iocb.kiFilp.fInode;
  const len = iovIterCount(iter);
  const wait = isSyncKiocb(iocb) || (dioFlags & IOMAP_DIO_FORCE_WAIT) !== 0;
  if (len === 0) return undefined;
  const it = iomapIterInit(new IomapIter(inode), inode, iocb.kiPos, len, IOMAP_DIRECT);
  it.private = priv;
  const dio = new IomapDio(iocb, iter);
  dio.iSize = iSizeRead(inode);
  dio.dops = dops;
  dio.doneBefore = doneBefore;
  if ((iocb.kiFlags & IOCB_NOWAIT) !== 0) it.flags |= IOMAP_NOWAIT;

  if (iovIterRw(iter) === READ) {
    dio.flags |= IOMAP_DIO_INLINE_COMP;
    if (it.pos >= dio.iSize) return undefined;
    if (iovIterIsUserBacked(iter)) dio.flags |= IOMAP_DIO_DIRTY;
    const r = kiocbWriteAndWait(iocb, len);
    if (typeof r !== 'number') {
      return r.then((v: number) => (v !== 0 ? v : dioSubmit(it, dio, iter, ops, dioFlags, wait)));
    }
    if (r !== 0) return r;
  } else {
    it.flags |= IOMAP_WRITE;
    dio.flags |= IOMAP_DIO_WRITE;
    if ((iocb.kiFlags & IOCB_DIO_CALLER_COMP) !== 0) dio.flags |= IOMAP_DIO_CALLER_COMP;
    if ((dioFlags & IOMAP_DIO_OVERWRITE_ONLY) !== 0) {
      if (it.pos >= dio.iSize || it.pos + it.len > dio.iSize) return -EAGAIN;
      it.flags |= IOMAP_OVERWRITE_ONLY;
    }
    if ((iocb.kiFlags & IOCB_ATOMIC) !== 0) it.flags |= IOMAP_ATOMIC;
    if ((iocb.kiFlags & (IOCB_DSYNC | IOCB_SYNC)) !== 0) {
      dio.flags |= IOMAP_DIO_NEED_SYNC;
      if ((iocb.kiFlags & IOCB_SYNC) === 0) dio.flags |= IOMAP_DIO_WRITE_THROUGH;
    }
    const r = kiocbInvalidatePages(iocb, len);
    if (typeof r !== 'number') {
      return r.then((v: number) =>
        v !== 0 ? invalidateFailed(iocb, v) : dioSubmit(it, dio, iter, ops, dioFlags, wait),
      );
    }
    if (r !== 0) return invalidateFailed(iocb, r);
  }
  return dioSubmit(it, dio, iter, ops, dioFlags, wait);
}

/**
 * `__iomap_dio_rw()` when `kiocb_invalidate_pages()` failed: `-EAGAIN` stays (NOWAIT would block); anything else
 * is `-ENOTBLK` (fall back to buffered I/O), or `-EAGAIN` for an atomic write, which cannot fall back.
 */
function invalidateFailed(iocb: Kiocb, r: number): number {
  if (r === -EAGAIN) return r;
  return (iocb.kiFlags & IOCB_ATOMIC) !== 0 ? -EAGAIN : -ENOTBLK;
}

function dioSubmit(
  it: IomapIter,
  dio: IomapDio,
  iter: IovIter,
  ops: IomapOps,
  dioFlags: number,
  wait: boolean,
): IomapDioRwResult | Promise<IomapDioRwResult> {
  inodeDioBegin(it.inode);
  const r = dioLoop(it, dio, ops);
  if (typeof r === 'number') return dioFinishSubmit(it, dio, iter, dioFlags, r, wait);
  return r.then((v) => dioFinishSubmit(it, dio, iter, dioFlags, v, wait));
}

function completeResult(d: IomapDioRwResult): number | Promise<number> {
  if (d === undefined) return 0;
  if (typeof d === 'number') return d;
  return iomapDioComplete(d);
}

/**
 * Models `iomap_dio_rw()` (fs/iomap/direct-io.c): direct I/O through a file system's mappings.
 *
 * @remarks Pages of user-backed iterators are acquired only by `bio_iov_iter_get_pages()`, once per bio —
 * so a user page that straddles two mappings is pinned once per mapping — and released by each bio's
 * completion. Holes and unwritten extents read as zeroes by CPU copy (no pins); reads stop at the `i_size`
 * seen at submission. Sub-block writes into new or unwritten blocks zero the rest of the block with bios
 * on the zero page (no pins). The first bio error becomes the result.
 * @param iocb - the kiocb; sync (no `kiComplete`) or async
 * @param iter - the data
 * @param ops - the file system's mapping operations
 * @param dops - its direct-I/O hooks (optional)
 * @param dioFlags - `IOMAP_DIO_*` flags of the caller
 * @param priv - private data for `iomapBegin`
 * @param doneBefore - bytes done by an earlier partial call
 * @returns bytes transferred, 0 (nothing to do or a buffered fallback is needed), `-EIOCBQUEUED` (async;
 * `kiComplete` reports the result), or `-errno`: `-EINVAL` (position, length or memory misaligned),
 * `-EIO` (a bio failed), `-EFAULT`, `-EAGAIN`, `-ENOSPC`; a promise when the caller must wait
 */
export function iomapDioRw(
  iocb: Kiocb,
  iter: IovIter,
  ops: IomapOps,
  dops: IomapDioOps | undefined,
  dioFlags: number,
  priv: unknown,
  doneBefore: number,
): number | Promise<number> {
  const d = __iomapDioRw(iocb, iter, ops, dops, dioFlags, priv, doneBefore);
  if (d instanceof Promise) return d.then(completeResult);
  return completeResult(d);
}
