/**
 * Native Linux AIO (fs/aio.c): `io_setup`, `io_submit`, `io_getevents`, `io_destroy`.
 * @packageDocumentation
 */
import { EAGAIN, EBADF, EINTR, EINVAL, ERESTARTSYS, type Deferred, type TimerHandle } from '@stackemu/core';
import { FMODE_READ, FMODE_WRITE, type File } from './file.js';
import { importIovec, importUbuf } from '@stackemu/block';
import { ITER_DEST, ITER_SOURCE, type IovIter, type MmStruct } from './internal/deps.js';
import type { VfsKernel } from './vfs-kernel.js';
import { IOCB_AIO_RW, Kiocb, kiocbSetRwFlags } from './kiocb.js';
import type { FdTable } from './fdtable.js';
import { fput } from './open.js';
import { rwVerifyArea, startAsyncRw } from './read-write.js';
import { vfsFsyncRange } from './sync.js';
import {
  IOCB_CMD_FDSYNC,
  IOCB_CMD_FSYNC,
  IOCB_CMD_PREAD,
  IOCB_CMD_PREADV,
  IOCB_CMD_PWRITE,
  IOCB_CMD_PWRITEV,
  IOCB_FLAG_IOPRIO,
  IOCB_FLAG_RESFD,
  type Iocb,
  type IoEvent,
} from './uapi/aio-abi.js';

/** Models `aio_max_nr`'s default (fs/aio.c, `/proc/sys/fs/aio-max-nr`). */
export const AIO_MAX_NR = 0x10000;

/** One request: models `struct aio_kiocb` (fs/aio.c). */
class AioKiocb {
  readonly rw: AioRw;
  user: Iocb | undefined = undefined;
  file: File | undefined = undefined;

  constructor(
    readonly ctx: KioCtx,
    filp: File,
  ) {
    this.rw = new AioRw(filp, this);
  }
}

/**
 * The `rw` kiocb embedded in `struct aio_kiocb`: `aio_complete_rw()` finds its request with `container_of()`,
 * never through `ki_filp`'s `private`, which belongs to the filesystem while the I/O is in flight (iomap's
 * inline read completion clears it before calling `ki_complete`).
 */
class AioRw extends Kiocb {
  constructor(
    filp: File,
    readonly req: AioKiocb,
  ) {
    super(filp);
  }
}

interface Waiter {
  readonly minNr: number;
  readonly d: Deferred<undefined>;
  timer: TimerHandle | undefined;
}

/**
 * Models `struct kioctx` (fs/aio.c): one AIO context, its completion ring and its in-flight requests.
 */
export class KioCtx {
  /** Requests submitted and not yet completed. */
  inflight = 0;
  /** Completed events not yet reaped. */
  private readonly ring: IoEvent[] = [];
  private ringHead = 0;
  private readonly pool: AioKiocb[] = [];
  private readonly waiters: Waiter[] = [];
  private drained: Deferred<undefined> | undefined;
  /** Set by `io_destroy`: no more submissions. */
  dead = false;

  /**
   * @param id - the context id returned by `io_setup`
   * @param maxReqs - `max_reqs`: the `nr_events` the caller asked for; requests in flight plus completions
   * not yet reaped never exceed it
   * @param k - machine-wide state
   */
  constructor(
    readonly id: number,
    readonly maxReqs: number,
    private readonly k: VfsKernel,
  ) {}

  /** Completions waiting to be reaped. */
  get available(): number {
    return this.ring.length - this.ringHead;
  }

  private allocReq(filp: File): AioKiocb | undefined {
    if (this.inflight + this.available >= this.maxReqs) return undefined;
    const r = this.pool.pop() ?? new AioKiocb(this, filp);
    r.rw.kiFilp = filp;
    r.rw.kiComplete = aioCompleteRw;
    r.rw.private = undefined;
    r.rw.dioComplete = undefined;
    r.file = filp;
    this.inflight++;
    return r;
  }

  /**
   * Models `aio_complete()` (fs/aio.c): posts the event and wakes waiters.
   * @internal
   */
  complete(req: AioKiocb, res: number): void {
    const user = req.user;
    this.ring.push({ data: user?.aioData ?? 0, obj: user, res, res2: 0 });
    this.inflight--;
    const f = req.file;
    req.user = undefined;
    req.file = undefined;
    this.pool.push(req);
    if (f !== undefined) void fput(f);
    this.wake();
  }

  private wake(): void {
    const avail = this.available;
    for (let i = 0; i < this.waiters.length;) {
      const w = this.waiters[i] as Waiter;
      if (avail >= w.minNr || this.dead) {
        this.waiters.splice(i, 1);
        if (w.timer !== undefined) this.k.scheduler.cancel(w.timer);
        w.d.resolve(undefined);
      } else i++;
    }
    if (this.inflight === 0 && this.drained !== undefined) {
      const d = this.drained;
      this.drained = undefined;
      d.resolve(undefined);
    }
  }

  /** Moves up to `nr` events into `events`. */
  reap(nr: number, events: IoEvent[]): number {
    let n = 0;
    while (n < nr && this.ringHead < this.ring.length) {
      const e = this.ring[this.ringHead++] as IoEvent;
      const out = events[n];
      if (out === undefined) events[n] = e;
      else {
        out.data = e.data;
        out.obj = e.obj;
        out.res = e.res;
        out.res2 = e.res2;
      }
      n++;
    }
    if (this.ringHead > 1024 && this.ringHead * 2 > this.ring.length) {
      this.ring.splice(0, this.ringHead);
      this.ringHead = 0;
    }
    return n;
  }

  /**
   * Models `read_events()`/`io_getevents()` waiting (fs/aio.c).
   * @returns events reaped
   */
  getevents(minNr: number, nr: number, events: IoEvent[], timeoutNs: number | undefined): number | Promise<number> {
    if (this.available >= minNr || (timeoutNs !== undefined && timeoutNs <= 0) || this.dead) {
      return this.reap(nr, events);
    }
    const d = this.k.scheduler.defer<undefined>();
    const w: Waiter = { minNr, d, timer: undefined };
    if (timeoutNs !== undefined) {
      w.timer = this.k.scheduler.schedule(timeoutNs, () => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        w.timer = undefined;
        d.resolve(undefined);
      });
    }
    this.waiters.push(w);
    return d.promise.then(() => this.reap(nr, events));
  }

  /**
   * Models `kill_ioctx()` + waiting for `ctx->rq_wait` (fs/aio.c): no more submissions; resolves once
   * every in-flight request completed.
   */
  kill(): Promise<void> {
    this.dead = true;
    this.wake();
    if (this.inflight === 0) return Promise.resolve();
    this.drained ??= this.k.scheduler.defer<undefined>();
    return this.drained.promise;
  }

  /**
   * Models `io_submit_one()` (fs/aio.c).
   * @returns 0, or `-errno` for this iocb (`-EAGAIN` when the context is full); a promise of 0 when the
   * filesystem call sleeps (a buffered read waiting for the disk, an ext4-style extending direct write): the
   * submitting task waits in it, as `io_submit()` does
   */
  submitOne(fds: FdTable, mm: MmStruct, iocb: Iocb): number | Promise<number> {
    if (iocb.aioFlags & IOCB_FLAG_RESFD) return -EINVAL; // eventfd completion is not modelled
    if (iocb.aioNbytes < 0 || !Number.isSafeInteger(iocb.aioNbytes) || !Number.isSafeInteger(iocb.aioBuf))
      return -EINVAL;
    const file = fds.get(iocb.aioFildes);
    if (file === undefined) return -EBADF;
    const req = this.allocReq(file);
    if (req === undefined) return -EAGAIN;
    file.fCount++;
    req.user = iocb;
    const r = this.prepAndIssue(req, mm, iocb, file);
    if (typeof r !== 'number') return r;
    if (r < 0) {
      // Nothing was issued: undo the allocation without posting an event.
      this.inflight--;
      req.user = undefined;
      req.file = undefined;
      this.pool.push(req);
      void fput(file);
    }
    return r;
  }

  private prepAndIssue(req: AioKiocb, mm: MmStruct, iocb: Iocb, file: File): number | Promise<number> {
    const op = iocb.aioLioOpcode;
    switch (op) {
      case IOCB_CMD_PREAD:
      case IOCB_CMD_PREADV:
      case IOCB_CMD_PWRITE:
      case IOCB_CMD_PWRITEV: {
        const write = op === IOCB_CMD_PWRITE || op === IOCB_CMD_PWRITEV;
        const k = req.rw;
        k.kiPos = iocb.aioOffset;
        k.kiFlags = file.fIocbFlags | IOCB_AIO_RW;
        k.kiIoprio = iocb.aioFlags & IOCB_FLAG_IOPRIO ? iocb.aioReqprio : 0;
        const fl = kiocbSetRwFlags(k, iocb.aioRwFlags, write ? 1 : 0);
        if (fl < 0) return fl;
        if (write) {
          if (!(file.fMode & FMODE_WRITE)) return -EBADF;
          if (file.fOp.writeIter === undefined) return -EINVAL;
        } else {
          if (!(file.fMode & FMODE_READ)) return -EBADF;
          if (file.fOp.readIter === undefined) return -EINVAL;
        }
        const dir = write ? ITER_SOURCE : ITER_DEST;
        let iter: IovIter | number;
        if (op === IOCB_CMD_PREADV || op === IOCB_CMD_PWRITEV) {
          const iov = iocb.aioIov;
          if (iov === undefined) return -EINVAL;
          iter = importIovec(dir, mm, iov, iocb.aioNbytes);
        } else {
          iter = importUbuf(dir, mm, iocb.aioBuf, iocb.aioNbytes);
        }
        if (typeof iter === 'number') return iter;
        const bad = rwVerifyArea(file, k.kiPos, iter.count);
        if (bad < 0) return bad;
        const sleeps = startAsyncRw(k, iter, write ? 1 : 0);
        return sleeps === undefined ? 0 : sleeps.then(() => 0);
      }
      case IOCB_CMD_FSYNC:
      case IOCB_CMD_FDSYNC: {
        if (iocb.aioBuf !== 0 || iocb.aioOffset !== 0 || iocb.aioNbytes !== 0 || iocb.aioRwFlags !== 0) return -EINVAL;
        if (file.fOp.fsync === undefined) return -EINVAL;
        const datasync = op === IOCB_CMD_FDSYNC;
        // aio_fsync_work runs from a workqueue: the completion always arrives later.
        void vfsFsyncRange(file, 0, Number.MAX_SAFE_INTEGER, datasync).then((res) => {
          this.complete(req, res);
        });
        return 0;
      }
      default:
        return -EINVAL;
    }
  }
}

/** Models `aio_complete_rw()` (fs/aio.c): the `ki_complete` of every AIO read and write. */
function aioCompleteRw(k: Kiocb, res: number): void {
  // container_of(iocb, struct aio_kiocb, rw): only aio requests carry this completion.
  if (!(k instanceof AioRw)) throw new Error('aio_complete_rw: a kiocb that is not an aio request');
  const req = k.req;
  if (res === -ERESTARTSYS) res = -EINTR;
  req.ctx.complete(req, res);
}
