/**
 * The io_uring model (io_uring/io_uring.c, io_uring/rw.c, io_uring/sync.c): SQ and CQ rings at the
 * semantic level, request issue through the kiocb paths, completion posting, waiting.
 * @packageDocumentation
 */
import { EBADF, EFAULT, EINTR, EINVAL, EOPNOTSUPP, ERESTARTSYS, type Deferred } from '@stackemu/core';
import { FMODE_READ, FMODE_WRITE, type File } from '../file.js';
import type { FileOperations } from '../file-operations.js';
import type { Inode } from '../inode.js';
import type { FdTable } from '../fdtable.js';
import { importIovec, importUbuf, iovIterAdvance, iovIterBvec } from '@stackemu/block';
import { ITER_DEST, ITER_SOURCE, type IovIter, type MmStruct } from '../internal/deps.js';
import type { VfsKernel } from '../vfs-kernel.js';
import { Kiocb, kiocbSetRwFlags } from '../kiocb.js';
import { fput } from '../open.js';
import { rwVerifyArea, startAsyncRw } from '../read-write.js';
import { vfsFsyncRange } from '../sync.js';
import type { Iovec } from '../uapi/aio-abi.js';
import {
  IORING_ENTER_GETEVENTS,
  IORING_ENTER_SQ_WAIT,
  IORING_ENTER_SQ_WAKEUP,
  IORING_FEAT_NODROP,
  IORING_FEAT_RW_CUR_POS,
  IORING_FEAT_SINGLE_MMAP,
  IORING_FEAT_SUBMIT_STABLE,
  IORING_FSYNC_DATASYNC,
  IORING_MAX_CQ_ENTRIES,
  IORING_MAX_ENTRIES,
  IORING_OP_FSYNC,
  IORING_OP_LAST,
  IORING_OP_NOP,
  IORING_OP_READ,
  IORING_OP_READ_FIXED,
  IORING_OP_READV,
  IORING_OP_WRITE,
  IORING_OP_WRITE_FIXED,
  IORING_OP_WRITEV,
  IORING_REGISTER_BUFFERS,
  IORING_REGISTER_FILES,
  IORING_REGISTER_FILES_UPDATE,
  IORING_SETUP_CLAMP,
  IORING_SETUP_COOP_TASKRUN,
  IORING_SETUP_CQSIZE,
  IORING_SETUP_DEFER_TASKRUN,
  IORING_SETUP_SINGLE_ISSUER,
  IORING_SETUP_SUBMIT_ALL,
  IORING_UNREGISTER_BUFFERS,
  IORING_UNREGISTER_FILES,
  IOSQE_CQE_SKIP_SUCCESS,
  IOSQE_FIXED_FILE,
  emptySqe,
  type IoUringCqe,
  type IoUringFilesUpdate,
  type IoUringParams,
  type IoUringSqe,
} from '../uapi/io-uring.js';
import { IoFileTable } from './filetable.js';
import { IoBufTable } from './rsrc.js';

/** Setup flags this model accepts; others (SQPOLL, IOPOLL, SQE128, …) fail with `EINVAL`. */
const SUPPORTED_SETUP =
  IORING_SETUP_CLAMP |
  IORING_SETUP_CQSIZE |
  IORING_SETUP_SUBMIT_ALL |
  IORING_SETUP_COOP_TASKRUN |
  IORING_SETUP_SINGLE_ISSUER |
  IORING_SETUP_DEFER_TASKRUN |
  (1 << 9); // IORING_SETUP_TASKRUN_FLAG

function roundupPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * The SQ and CQ rings as the application sees them after `mmap` (`IORING_OFF_SQ_RING`, `IORING_OFF_CQ_RING`,
 * `IORING_OFF_SQES`), at the semantic level: the application fills `sqes[sqTail & sqMask]` and advances
 * `sqTail`; it reads `cqes[cqHead & cqMask]` while `cqHead !== cqTail` and advances `cqHead`.
 */
export class IoUringRings {
  /** SQ ring size (power of two). */
  readonly sqEntries: number;
  /** `sq_ring_mask`. */
  readonly sqMask: number;
  /** The SQE array (`IORING_OFF_SQES`); entries are reused. */
  readonly sqes: IoUringSqe[];
  /** `sq.head`: advanced by the kernel as it consumes SQEs. */
  sqHead = 0;
  /** `sq.tail`: advanced by the application. */
  sqTail = 0;
  /** CQ ring size. */
  readonly cqEntries: number;
  /** `cq_ring_mask`. */
  readonly cqMask: number;
  /** The CQE array; entries are reused. */
  readonly cqes: IoUringCqe[];
  /** `cq.head`: advanced by the application. */
  cqHead = 0;
  /** `cq.tail`: advanced by the kernel. */
  cqTail = 0;
  /** `cq.overflow`: CQEs that had to wait in the overflow list. */
  cqOverflow = 0;

  /**
   * @param sqEntries - SQ size
   * @param cqEntries - CQ size
   */
  constructor(sqEntries: number, cqEntries: number) {
    this.sqEntries = sqEntries;
    this.sqMask = sqEntries - 1;
    this.cqEntries = cqEntries;
    this.cqMask = cqEntries - 1;
    this.sqes = Array.from({ length: sqEntries }, emptySqe);
    this.cqes = Array.from({ length: cqEntries }, () => ({ userData: 0, res: 0, flags: 0 }));
  }

  /** CQEs ready for the application (`io_cqring_events()`). */
  get cqReady(): number {
    return this.cqTail - this.cqHead;
  }

  /** SQEs queued by the application and not yet consumed. */
  get sqPending(): number {
    return this.sqTail - this.sqHead;
  }
}

/** One request: models `struct io_kiocb` (io_uring/io_uring.h) with its `io_rw` command. */
class IoKiocb {
  readonly rw: IoRw;
  /** The UBUF iterator of its last read or write, refilled by the next one (`struct io_async_rw`'s `iter`). */
  iter: IovIter | undefined = undefined;
  userData = 0;
  flags = 0;
  file: File | undefined = undefined;
  updatePos = false;

  constructor(
    readonly ctx: IoRingCtx,
    filp: File,
  ) {
    this.rw = new IoRw(filp, this);
  }
}

/**
 * The kiocb of `struct io_rw`: `io_complete_rw()` finds its request with `cmd_to_io_kiocb()`, never through
 * the kiocb's `private`, which belongs to the filesystem while the I/O is in flight (iomap's inline read
 * completion clears it before calling `ki_complete`).
 */
class IoRw extends Kiocb {
  constructor(
    filp: File,
    readonly req: IoKiocb,
  ) {
    super(filp);
  }
}

/**
 * Models `struct io_ring_ctx` (io_uring/io_uring.h): one ring, its requests, registered buffers and waiter.
 */
export class IoRingCtx {
  /** The mapped rings. */
  readonly rings: IoUringRings;
  /** Registered buffers (`IORING_REGISTER_BUFFERS`). */
  readonly bufTable: IoBufTable;
  /** Registered files (`IORING_REGISTER_FILES`), named by `IOSQE_FIXED_FILE` SQEs. */
  readonly fileTable: IoFileTable;
  /** Requests issued and not yet completed. */
  inflight = 0;
  private readonly pool: IoKiocb[] = [];
  private readonly overflow: IoUringCqe[] = [];
  /** The task sleeping in `io_cqring_wait()`, resolved with 0 once `waiterMin` CQEs are ready. */
  private waiter: Deferred<number> | undefined;
  private waiterMin = 0;
  private drained: Deferred<undefined> | undefined;
  private dying = false;

  /**
   * @param k - machine-wide state
   * @param mm - the owner's address space (for user buffers)
   * @param fds - the owner's descriptor table
   * @param flags - `IORING_SETUP_*`
   * @param sqEntries - SQ size
   * @param cqEntries - CQ size
   * @param name - for attribution (`"pid 3 ring 4"`)
   */
  constructor(
    private readonly k: VfsKernel,
    private readonly mm: MmStruct,
    private readonly fds: FdTable,
    readonly flags: number,
    sqEntries: number,
    cqEntries: number,
    name: string,
  ) {
    this.rings = new IoUringRings(sqEntries, cqEntries);
    this.bufTable = new IoBufTable(name);
    this.fileTable = new IoFileTable((f) => f.fOp === ioUringFops);
  }

  /** Models `io_cqe_cache_refill()` + `io_fill_cqe_aux()`/overflow: posts one CQE and wakes the waiter. */
  postCqe(userData: number, res: number, cflags: number): void {
    const r = this.rings;
    if (r.cqTail - r.cqHead < r.cqEntries && this.overflow.length === 0) {
      const c = r.cqes[r.cqTail & r.cqMask] as IoUringCqe;
      c.userData = userData;
      c.res = res;
      c.flags = cflags;
      r.cqTail++;
    } else {
      this.overflow.push({ userData, res, flags: cflags });
      r.cqOverflow++;
    }
    this.wake();
  }

  /** Models `io_cqring_overflow_flush()`: moves overflowed CQEs into freed ring slots. */
  flushOverflow(): void {
    const r = this.rings;
    while (this.overflow.length > 0 && r.cqTail - r.cqHead < r.cqEntries) {
      const o = this.overflow.shift() as IoUringCqe;
      const c = r.cqes[r.cqTail & r.cqMask] as IoUringCqe;
      c.userData = o.userData;
      c.res = o.res;
      c.flags = o.flags;
      r.cqTail++;
    }
  }

  private wake(): void {
    const w = this.waiter;
    if (w !== undefined && (this.rings.cqReady >= this.waiterMin || this.dying)) {
      this.waiter = undefined;
      // The woken task flushes the overflow list first thing (io_cqring_wait()); nothing can consume the CQ
      // between this wakeup and that task running, so flushing here is the same.
      this.flushOverflow();
      w.resolve(0);
    }
    if (this.inflight === 0 && this.drained !== undefined) {
      const d = this.drained;
      this.drained = undefined;
      d.resolve(undefined);
    }
  }

  /**
   * Completes a request: models `io_req_rw_complete()` / `__io_req_complete_post()`.
   * @internal
   */
  complete(req: IoKiocb, res: number): void {
    this.inflight--;
    const f = req.file;
    if (req.updatePos && f !== undefined && res > 0) f.fPos = req.rw.kiPos;
    const ud = req.userData;
    const skip = (req.flags & IOSQE_CQE_SKIP_SUCCESS) !== 0 && res >= 0;
    req.file = undefined;
    this.pool.push(req);
    if (f !== undefined) void fput(f);
    if (!skip) this.postCqe(ud, res, 0);
    else this.wake();
  }

  /**
   * Models `io_submit_sqes()` (io_uring/io_uring.c): consumes up to `toSubmit` SQEs.
   * @returns SQEs consumed (a failing one counts, and stops the batch unless `IORING_SETUP_SUBMIT_ALL`)
   */
  submitSqes(toSubmit: number): number {
    const r = this.rings;
    const n = Math.min(toSubmit, r.sqTail - r.sqHead);
    let done = 0;
    while (done < n) {
      const sqe = r.sqes[r.sqHead & r.sqMask] as IoUringSqe;
      r.sqHead++;
      done++;
      const err = this.issue(sqe);
      if (err < 0) {
        this.postCqe(sqe.userData, err, 0);
        if (!(this.flags & IORING_SETUP_SUBMIT_ALL)) break;
      }
    }
    return done;
  }

  /** Prepares and issues one SQE. @returns 0, or `-errno` to post as its CQE */
  private issue(sqe: IoUringSqe): number {
    const op = sqe.opcode;
    if (op === IORING_OP_NOP) {
      this.postCqe(sqe.userData, 0, 0);
      return 0;
    }
    if (op < 0 || op >= IORING_OP_LAST) return -EINVAL;
    // io_assign_file(): a registered file by index (io_file_get_fixed()), else the descriptor (io_file_get_normal()).
    const file = sqe.flags & IOSQE_FIXED_FILE ? this.fileTable.lookup(sqe.fd) : this.fds.get(sqe.fd);
    if (file === undefined) return -EBADF;
    switch (op) {
      case IORING_OP_READ:
      case IORING_OP_WRITE:
      case IORING_OP_READV:
      case IORING_OP_WRITEV:
      case IORING_OP_READ_FIXED:
      case IORING_OP_WRITE_FIXED:
        return this.issueRw(sqe, file);
      case IORING_OP_FSYNC:
        return this.issueFsync(sqe, file);
      default:
        return -EOPNOTSUPP;
    }
  }

  private allocReq(file: File, sqe: IoUringSqe): IoKiocb {
    const req = this.pool.pop() ?? new IoKiocb(this, file);
    req.userData = sqe.userData;
    req.flags = sqe.flags;
    req.updatePos = false;
    return req;
  }

  /** Models `io_prep_rw()` + `io_read()`/`io_write()` (io_uring/rw.c). */
  private issueRw(sqe: IoUringSqe, file: File): number {
    const op = sqe.opcode;
    const write = op === IORING_OP_WRITE || op === IORING_OP_WRITEV || op === IORING_OP_WRITE_FIXED;
    if (write) {
      if (!(file.fMode & FMODE_WRITE)) return -EBADF;
      if (file.fOp.writeIter === undefined) return -EINVAL;
    } else {
      if (!(file.fMode & FMODE_READ)) return -EBADF;
      if (file.fOp.readIter === undefined) return -EINVAL;
    }
    const dir = write ? ITER_SOURCE : ITER_DEST;
    let iter: IovIter | number;
    let ownIter = false;
    if (op === IORING_OP_READ_FIXED || op === IORING_OP_WRITE_FIXED) {
      const imu = this.bufTable.lookup(sqe.bufIndex, sqe.addr, sqe.len);
      if (typeof imu === 'number') return imu;
      const offset = sqe.addr - imu.ubuf;
      iter = iovIterBvec(dir, imu.bvec, imu.bvec.length, offset + sqe.len);
      if (offset > 0) iovIterAdvance(iter, offset);
    } else if (op === IORING_OP_READV || op === IORING_OP_WRITEV) {
      const iov = sqe.iov;
      if (iov === undefined) return -EINVAL;
      iter = importIovec(dir, this.mm, iov, sqe.len);
    } else {
      // Refills the iov_iter of the request allocReq() hands out next (the pool's top; struct io_async_rw's
      // iter): a completed request's, no longer in use.
      iter = importUbuf(dir, this.mm, sqe.addr, sqe.len, this.pool[this.pool.length - 1]?.iter);
      ownIter = true;
    }
    if (typeof iter === 'number') return iter;
    const req = this.allocReq(file, sqe);
    if (ownIter) req.iter = iter;
    const k = req.rw;
    k.kiFilp = file;
    k.kiFlags = file.fIocbFlags;
    k.kiIoprio = sqe.ioprio;
    k.kiComplete = ioCompleteRw;
    k.private = undefined;
    k.dioComplete = undefined;
    if (sqe.off === -1) {
      k.kiPos = file.fPos;
      req.updatePos = true;
    } else {
      k.kiPos = sqe.off;
    }
    let err = kiocbSetRwFlags(k, sqe.rwFlags, write ? 1 : 0);
    if (err === 0) err = rwVerifyArea(file, k.kiPos, iter.count);
    if (err < 0) {
      this.pool.push(req);
      return err;
    }
    file.fCount++;
    req.file = file;
    this.inflight++;
    // The submitter never waits on the call: a blocking one runs in an io-wq worker.
    void startAsyncRw(k, iter, write ? 1 : 0);
    return 0;
  }

  /** Models `io_fsync_prep()` + `io_fsync()` (io_uring/sync.c). */
  private issueFsync(sqe: IoUringSqe, file: File): number {
    if (sqe.addr !== 0 || sqe.bufIndex !== 0) return -EINVAL;
    if (sqe.rwFlags & ~IORING_FSYNC_DATASYNC) return -EINVAL;
    if (file.fOp.fsync === undefined) return -EINVAL;
    const req = this.allocReq(file, sqe);
    file.fCount++;
    req.file = file;
    this.inflight++;
    const end = sqe.len > 0 ? sqe.off + sqe.len : Number.MAX_SAFE_INTEGER;
    void vfsFsyncRange(file, sqe.off, end, (sqe.rwFlags & IORING_FSYNC_DATASYNC) !== 0).then((res) => {
      this.complete(req, res);
    });
    return 0;
  }

  /**
   * Models `io_cqring_wait()` (io_uring/io_uring.c): resolves once `minComplete` CQEs are ready.
   */
  wait(minComplete: number): number | Promise<number> {
    this.flushOverflow();
    if (this.rings.cqReady >= minComplete || this.dying) return 0;
    if (this.inflight === 0 && this.overflow.length === 0) {
      // Nothing can ever complete: the kernel would sleep until a signal.
      return -EINTR;
    }
    const d = this.k.scheduler.defer<number>();
    this.waiter = d;
    this.waiterMin = minComplete;
    return d.promise;
  }

  /**
   * Models `io_ring_ctx_wait_and_kill()` (io_uring/io_uring.c): waits for in-flight requests, then
   * releases registered buffers (their long-term pins) and registered files (their references).
   */
  async exit(): Promise<void> {
    this.dying = true;
    this.wake();
    if (this.inflight > 0) {
      this.drained ??= this.k.scheduler.defer<undefined>();
      await this.drained.promise;
    }
    if (this.bufTable.nr > 0) this.bufTable.unregister(this.k.up.gup);
    if (this.fileTable.nr > 0) await this.fileTable.release();
  }

  /**
   * Models `__io_uring_register()` (io_uring/register.c) for the opcodes this model has: buffers
   * (`IORING_(UN)REGISTER_BUFFERS`) and files (`IORING_(UN)REGISTER_FILES`, `IORING_REGISTER_FILES_UPDATE`).
   * @param opcode - `IORING_REGISTER_*`
   * @param arg - the argument by value: iovecs for buffers, the `__s32` descriptor array for files, an
   * {@link IoUringFilesUpdate} for a files update; undefined for a NULL pointer
   * @param nrArgs - `nr_args`
   * @returns 0 (a files update: entries processed) or `-errno`: `-EFAULT` (NULL or wrong-shaped argument where
   * one is needed), `-EINVAL` (an argument where none is allowed, an unknown or unmodelled opcode), and the
   * opcode's own
   */
  register(opcode: number, arg: IoUringRegisterArg, nrArgs: number): number {
    switch (opcode) {
      case IORING_REGISTER_BUFFERS:
        if (arg === undefined) return -EFAULT;
        if (!isIovecArray(arg)) return -EFAULT;
        return this.bufTable.register(this.k.up.gup, this.mm, arg, nrArgs);
      case IORING_UNREGISTER_BUFFERS:
        if (arg !== undefined || nrArgs !== 0) return -EINVAL;
        return this.bufTable.unregister(this.k.up.gup);
      case IORING_REGISTER_FILES:
        if (arg === undefined) return -EFAULT;
        if (!isFdArray(arg)) return -EFAULT;
        return this.fileTable.register(this.fds, arg, nrArgs);
      case IORING_UNREGISTER_FILES:
        if (arg !== undefined || nrArgs !== 0) return -EINVAL;
        return this.fileTable.unregister();
      case IORING_REGISTER_FILES_UPDATE:
        if (arg !== undefined && (Array.isArray(arg) || !('fds' in arg))) return -EFAULT;
        return this.fileTable.update(this.fds, arg, nrArgs);
      default:
        return -EINVAL;
    }
  }
}

/**
 * The `arg` of `io_uring_register(2)`, passed by value: the iovecs of `IORING_REGISTER_BUFFERS`, the descriptor
 * array of `IORING_REGISTER_FILES`, the `struct io_uring_files_update` of `IORING_REGISTER_FILES_UPDATE`, or
 * undefined for a NULL pointer.
 */
export type IoUringRegisterArg = readonly Iovec[] | readonly number[] | IoUringFilesUpdate | undefined;

function isIovecArray(a: NonNullable<IoUringRegisterArg>): a is readonly Iovec[] {
  return Array.isArray(a) && a.every((x) => typeof x === 'object');
}

function isFdArray(a: NonNullable<IoUringRegisterArg>): a is readonly number[] {
  return Array.isArray(a) && a.every((x) => typeof x === 'number');
}

/** Models `io_complete_rw()` (io_uring/rw.c): the `ki_complete` of io_uring reads and writes. */
function ioCompleteRw(k: Kiocb, res: number): void {
  // cmd_to_io_kiocb(): only io_uring requests carry this completion.
  if (!(k instanceof IoRw)) throw new Error('io_complete_rw: a kiocb that is not an io_uring request');
  const req = k.req;
  if (res === -ERESTARTSYS) res = -EINTR;
  req.ctx.complete(req, res);
}

/**
 * Models `io_uring_fops` (io_uring/io_uring.c): the ring file's operations; releasing it tears the ring down.
 */
export const ioUringFops: FileOperations = Object.freeze({
  release(_inode: Inode, file: File): Promise<number> {
    return (file.privateData as IoRingCtx).exit().then(() => 0);
  },
} satisfies FileOperations);

/**
 * Models `io_uring_create()`'s parameter checks (io_uring/io_uring.c).
 * @param entries - requested SQ entries
 * @param p - the parameters (flags in; sizes and features out)
 * @returns 0 (and `p` filled), or `-EINVAL`
 */
export function ioUringCheckParams(entries: number, p: IoUringParams): number {
  if (p.flags & ~SUPPORTED_SETUP) return -EINVAL;
  if (!Number.isInteger(entries) || entries <= 0) return -EINVAL;
  if (entries > IORING_MAX_ENTRIES) {
    if (!(p.flags & IORING_SETUP_CLAMP)) return -EINVAL;
    entries = IORING_MAX_ENTRIES;
  }
  const sq = roundupPow2(entries);
  let cq: number;
  if (p.flags & IORING_SETUP_CQSIZE) {
    if (!Number.isInteger(p.cqEntries) || p.cqEntries <= 0) return -EINVAL;
    cq = p.cqEntries;
    if (cq > IORING_MAX_CQ_ENTRIES) {
      if (!(p.flags & IORING_SETUP_CLAMP)) return -EINVAL;
      cq = IORING_MAX_CQ_ENTRIES;
    }
    cq = roundupPow2(cq);
    if (cq < sq) return -EINVAL;
  } else {
    cq = 2 * sq;
  }
  p.sqEntries = sq;
  p.cqEntries = cq;
  p.features = IORING_FEAT_SINGLE_MMAP | IORING_FEAT_NODROP | IORING_FEAT_SUBMIT_STABLE | IORING_FEAT_RW_CUR_POS;
  return 0;
}

/** The `io_uring_enter` flags this model accepts. */
export const IORING_ENTER_SUPPORTED = IORING_ENTER_GETEVENTS | IORING_ENTER_SQ_WAKEUP | IORING_ENTER_SQ_WAIT;
