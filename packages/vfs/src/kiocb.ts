/**
 * The kernel I/O control block (`struct kiocb`, include/linux/fs.h) and its `IOCB_*` flags.
 * @packageDocumentation
 */
import { EOPNOTSUPP, EIOCBQUEUED } from '@stackemu/core';
import { FMODE_CAN_ATOMIC_WRITE, FMODE_NOWAIT, type File } from './file.js';
import type { RefOwner } from './internal/deps.js';
import { O_APPEND, O_DIRECT, O_DSYNC, __O_SYNC } from './uapi/fcntl.js';
import {
  RWF_APPEND,
  RWF_ATOMIC,
  RWF_DONTCACHE,
  RWF_DSYNC,
  RWF_HIPRI,
  RWF_NOAPPEND,
  RWF_NOWAIT,
  RWF_SUPPORTED,
  RWF_SYNC,
} from './uapi/fs.js';

/** Models `IOCB_HIPRI` (include/linux/fs.h) = `RWF_HIPRI`: polled completion requested. */
export const IOCB_HIPRI = RWF_HIPRI;
/** Models `IOCB_DSYNC` (include/linux/fs.h) = `RWF_DSYNC`: data-sync the write before completing. */
export const IOCB_DSYNC = RWF_DSYNC;
/** Models `IOCB_SYNC` (include/linux/fs.h) = `RWF_SYNC`: full sync of the write before completing. */
export const IOCB_SYNC = RWF_SYNC;
/** Models `IOCB_NOWAIT` (include/linux/fs.h) = `RWF_NOWAIT`: return `-EAGAIN` rather than block. */
export const IOCB_NOWAIT = RWF_NOWAIT;
/** Models `IOCB_APPEND` (include/linux/fs.h) = `RWF_APPEND`: write at end of file. */
export const IOCB_APPEND = RWF_APPEND;
/** Models `IOCB_ATOMIC` (include/linux/fs.h) = `RWF_ATOMIC`: untorn write. */
export const IOCB_ATOMIC = RWF_ATOMIC;
/** Models `IOCB_DONTCACHE` (include/linux/fs.h) = `RWF_DONTCACHE`. */
export const IOCB_DONTCACHE = RWF_DONTCACHE;
/** Models `IOCB_EVENTFD` (include/linux/fs.h). */
export const IOCB_EVENTFD = 1 << 16;
/** Models `IOCB_DIRECT` (include/linux/fs.h): the I/O bypasses the page cache (from `O_DIRECT`). */
export const IOCB_DIRECT = 1 << 17;
/** Models `IOCB_WRITE` (include/linux/fs.h): the kiocb is a write. */
export const IOCB_WRITE = 1 << 18;
/** Models `IOCB_WAITQ` (include/linux/fs.h). */
export const IOCB_WAITQ = 1 << 19;
/** Models `IOCB_NOIO` (include/linux/fs.h). */
export const IOCB_NOIO = 1 << 20;
/** Models `IOCB_ALLOC_CACHE` (include/linux/fs.h). */
export const IOCB_ALLOC_CACHE = 1 << 21;
/** Models `IOCB_DIO_CALLER_COMP` (include/linux/fs.h, 6.18): the issuer runs `dioComplete` itself. */
export const IOCB_DIO_CALLER_COMP = 1 << 22;
/** Models `IOCB_AIO_RW` (include/linux/fs.h): a read or write submitted by fs/aio.c. */
export const IOCB_AIO_RW = 1 << 23;
/** Models `IOCB_HAS_METADATA` (include/linux/fs.h). */
export const IOCB_HAS_METADATA = 1 << 24;

/** The kernel-internal "queued, completes later" return, `-EIOCBQUEUED` (include/linux/errno.h). */
export const NEG_EIOCBQUEUED = -EIOCBQUEUED;

/** Models the `ki_complete` callback of `struct kiocb` (include/linux/fs.h). */
export type KiComplete = (iocb: Kiocb, res: number) => void;

/**
 * Models `struct kiocb` (include/linux/fs.h): one read or write in flight, sync or async.
 *
 * @remarks A kiocb without {@link Kiocb.kiComplete} is synchronous (`is_sync_kiocb()`): the filesystem's
 * `readIter`/`writeIter` returns the result (possibly as a promise that virtual time settles). With
 * `kiComplete` set it may instead return `-EIOCBQUEUED` and call `kiComplete(iocb, res)` later, once.
 * Objects are reusable: engines pool them and reset the fields per I/O. A kiocb is the `RefOwner` of the
 * page-cache references buffered I/O takes on its behalf.
 */
export class Kiocb implements RefOwner {
  /** `ki_filp`: the file. */
  kiFilp: File;
  /** `ki_pos`: file offset; advanced by the filesystem on success. */
  kiPos = 0;
  /** `ki_flags`: `IOCB_*`. */
  kiFlags = 0;
  /** `ki_ioprio`. */
  kiIoprio = 0;
  /** `ki_complete`: async completion, called once with bytes or `-errno`; undefined for a sync kiocb. */
  kiComplete: KiComplete | undefined = undefined;
  /** `private`: owned by the filesystem or the submitter (aio/io_uring request). */
  private: unknown = undefined;
  /**
   * `dio_complete`: with `IOCB_DIO_CALLER_COMP`, set by the filesystem for the issuer to call from task
   * context after `ki_complete` delivered `-EIOCBQUEUED`-style deferral. Rarely used.
   */
  dioComplete: ((data: unknown) => number) | undefined = undefined;

  /** @param filp - the file this kiocb reads or writes */
  constructor(filp: File) {
    this.kiFilp = filp;
  }

  /**
   * Names this kiocb in pin-sanitizer reports.
   * @returns `"kiocb ino <n>"`
   */
  refOwnerName(): string {
    return `kiocb ino ${this.kiFilp.fInode.iIno}`;
  }
}

/**
 * Models `iocb_flags()` (include/linux/fs.h): the `IOCB_*` bits implied by a file's open flags.
 * @param fFlags - the file's `f_flags` (`O_*`)
 * @returns `IOCB_APPEND`, `IOCB_DIRECT`, `IOCB_DSYNC`, `IOCB_SYNC` as set by the flags
 */
export function iocbFlags(fFlags: number): number {
  let res = 0;
  if (fFlags & O_APPEND) res |= IOCB_APPEND;
  if (fFlags & O_DIRECT) res |= IOCB_DIRECT;
  if (fFlags & O_DSYNC) res |= IOCB_DSYNC;
  if (fFlags & __O_SYNC) res |= IOCB_SYNC;
  return res;
}

/**
 * Models `is_sync_kiocb()` (include/linux/fs.h).
 * @param iocb - the kiocb
 * @returns true if it has no `ki_complete`
 */
export function isSyncKiocb(iocb: Kiocb): boolean {
  return iocb.kiComplete === undefined;
}

/**
 * Models `init_sync_kiocb()` (include/linux/fs.h): a synchronous kiocb at the file's position with the
 * file's `f_iocb_flags`.
 * @param filp - the file
 * @returns a new sync kiocb
 */
export function initSyncKiocb(filp: File): Kiocb {
  const k = new Kiocb(filp);
  k.kiFlags = filp.fIocbFlags;
  k.kiPos = filp.fPos;
  return k;
}

/**
 * Resets a pooled kiocb for a new I/O, as `init_sync_kiocb()` plus the submitter's completion.
 * @param iocb - the kiocb to reuse
 * @param filp - the file
 * @param complete - `ki_complete`, or undefined for a sync kiocb
 */
export function kiocbReset(iocb: Kiocb, filp: File, complete: KiComplete | undefined): void {
  iocb.kiFilp = filp;
  iocb.kiFlags = filp.fIocbFlags;
  iocb.kiPos = filp.fPos;
  iocb.kiIoprio = 0;
  iocb.kiComplete = complete;
  iocb.private = undefined;
  iocb.dioComplete = undefined;
}

/**
 * Models `kiocb_set_rw_flags()` (include/linux/fs.h): applies per-I/O `RWF_*` flags.
 * @param ki - the kiocb
 * @param flags - `RWF_*` of `preadv2`/`pwritev2`, aio or io_uring
 * @param rwType - 0 for a read, 1 for a write (`READ`/`WRITE`)
 * @returns 0, `-EOPNOTSUPP` for an unknown flag, `RWF_NOWAIT` on a file without `FMODE_NOWAIT`, or
 * `RWF_APPEND`/`RWF_NOAPPEND` with the file opened append-only; `-EINVAL` for `RWF_ATOMIC` on a read
 */
export function kiocbSetRwFlags(ki: Kiocb, flags: number, rwType: 0 | 1): number {
  if (flags === 0) return 0;
  if (flags & ~RWF_SUPPORTED) return -EOPNOTSUPP;
  if (flags & RWF_DONTCACHE) {
    // 6.18: uncached buffered I/O needs FOP_DONTCACHE; no filesystem here declares it.
    return -EOPNOTSUPP;
  }
  let kiFlags = flags & (RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND | RWF_ATOMIC);
  if (flags & RWF_NOWAIT) {
    if (!(ki.kiFilp.fMode & FMODE_NOWAIT)) return -EOPNOTSUPP;
  }
  if (flags & RWF_ATOMIC) {
    if (rwType !== 1) return -EOPNOTSUPP;
    if (!(ki.kiFilp.fMode & FMODE_CAN_ATOMIC_WRITE)) return -EOPNOTSUPP;
  }
  kiFlags &= ~RWF_NOAPPEND;
  if (flags & RWF_SYNC) kiFlags |= IOCB_DSYNC;
  if (flags & RWF_NOAPPEND) {
    // IS_APPEND(inode) (an append-only inode attribute) is never set here.
    ki.kiFlags &= ~IOCB_APPEND;
  }
  ki.kiFlags |= kiFlags;
  return 0;
}
