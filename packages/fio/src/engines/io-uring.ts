/**
 * The `io_uring` engine (engines/io_uring.c): a submission and completion ring per job, `io_uring_enter()`
 * to submit and wait, optional registered buffers (`fixedbufs`).
 * @packageDocumentation
 */
import { EAGAIN, EINTR, EINVAL } from '@stackemu/core';
import {
  IORING_ENTER_GETEVENTS,
  IORING_FSYNC_DATASYNC,
  IORING_OP_FSYNC,
  IORING_OP_READ,
  IORING_OP_READ_FIXED,
  IORING_OP_READV,
  IORING_OP_WRITE,
  IORING_OP_WRITE_FIXED,
  IORING_OP_WRITEV,
  IORING_REGISTER_BUFFERS,
  IORING_REGISTER_FILES,
  IOSQE_FIXED_FILE,
  IORING_SETUP_COOP_TASKRUN,
  IORING_SETUP_CQSIZE,
  IORING_SETUP_DEFER_TASKRUN,
  IORING_SETUP_SINGLE_ISSUER,
  ioUringParams,
  type IoUringCqe,
  type IoUringSqe,
  type Iovec,
} from '@stackemu/vfs';
import type { FioIoUringRings, FioSyscalls } from '../fio-host.js';
import { FioError } from '../fio-error.js';
import {
  FIO_ASYNCIO_SETS_ISSUE_TIME,
  FIO_ASYNCIO_SYNC_TRIM,
  FIO_NO_OFFLOAD,
  FIO_Q_BUSY,
  FIO_Q_COMPLETED,
  FIO_Q_QUEUED,
  genericCloseFile,
  genericOpenFile,
  type IoEngineOps,
} from '../ioengines.js';
import type { IoU } from '../io-u.js';
import { ioUQueued } from '../io-u-ops.js';
import type { ThreadData } from '../thread-data.js';
import { DDIR_DATASYNC, DDIR_READ, DDIR_TRIM, DDIR_WRITE, tdMaxBs } from '../thread-options.js';
import { doIoUTrim } from './sync.js';

/** Models `struct ioring_data` (engines/io_uring.c). */
interface IoringData {
  readonly ringFd: number;
  readonly rings: FioIoUringRings;
  readonly iovecs: Iovec[][];
  readonly nonvectored: boolean;
  queued: number;
  cqRingOff: number;
  fds?: number[];
}

function ld(td: ThreadData): IoringData {
  return td.engineData as IoringData;
}

function sys(td: ThreadData): FioSyscalls {
  return (td.proc as { readonly sys: FioSyscalls }).sys;
}

/** Models `fio_ioring_prep()`: fills the SQE at the ring's tail. */
function ioringPrep(td: ThreadData, d: IoringData, io: IoU, sqe: IoUringSqe): void {
  const f = io.file;
  if (td.o.engine.registerfiles) {
    sqe.fd = f?.enginePos ?? -1;
    sqe.flags = IOSQE_FIXED_FILE;
  } else {
    sqe.fd = f?.fd ?? -1;
    sqe.flags = 0;
  }
  sqe.iov = undefined;
  sqe.bufIndex = 0;
  if (io.ddir === DDIR_READ || io.ddir === DDIR_WRITE) {
    if (td.o.engine.fixedbufs) {
      sqe.opcode = io.ddir === DDIR_READ ? IORING_OP_READ_FIXED : IORING_OP_WRITE_FIXED;
      sqe.addr = io.xferBuf;
      sqe.len = io.xferBuflen;
      sqe.bufIndex = io.index;
    } else {
      const iov = d.iovecs[io.index] as Iovec[];
      iov[0] = { iovBase: io.xferBuf, iovLen: io.xferBuflen };
      if (d.nonvectored) {
        sqe.opcode = io.ddir === DDIR_READ ? IORING_OP_READ : IORING_OP_WRITE;
        sqe.addr = io.xferBuf;
        sqe.len = io.xferBuflen;
      } else {
        sqe.opcode = io.ddir === DDIR_READ ? IORING_OP_READV : IORING_OP_WRITEV;
        sqe.addr = 0;
        sqe.len = 1;
        sqe.iov = iov;
      }
    }
    sqe.rwFlags = 0;
    sqe.ioprio = 0;
    sqe.off = io.offset;
  } else {
    sqe.opcode = IORING_OP_FSYNC;
    sqe.off = 0;
    sqe.addr = 0;
    sqe.len = 0;
    sqe.rwFlags = io.ddir === DDIR_DATASYNC ? IORING_FSYNC_DATASYNC : 0;
  }
  sqe.userData = io.index;
}

/**
 * Models `ioengine` `io_uring` (engines/io_uring.c): the ring is set up with `IORING_SETUP_CQSIZE`,
 * `COOP_TASKRUN`, `SINGLE_ISSUER` and `DEFER_TASKRUN`, dropping each one the kernel refuses, as fio does.
 * Reads and writes use `IORING_OP_READ`/`WRITE` (fio's probe finds them on 6.x kernels; `nonvectored=0`
 * selects `READV`/`WRITEV`), or `READ_FIXED`/`WRITE_FIXED` with `fixedbufs`, whose buffers (one iovec of
 * `max_bs` per io_u) are registered once after allocation. Trims are done synchronously.
 */
export const ioUringEngine: IoEngineOps = {
  name: 'io_uring',
  flags: FIO_ASYNCIO_SYNC_TRIM | FIO_NO_OFFLOAD | FIO_ASYNCIO_SETS_ISSUE_TIME,
  init(td) {
    const depth = td.o.iodepth;
    let flags =
      IORING_SETUP_CQSIZE | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    let fd: number;
    for (;;) {
      const p = ioUringParams(flags);
      p.cqEntries = depth;
      fd = sys(td).ioUringSetup(depth, p);
      if (fd >= 0) break;
      if (fd === -EINVAL && (flags & IORING_SETUP_DEFER_TASKRUN) !== 0) {
        flags &= ~(IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER);
        continue;
      }
      if (fd === -EINVAL && (flags & IORING_SETUP_COOP_TASKRUN) !== 0) {
        flags &= ~IORING_SETUP_COOP_TASKRUN;
        continue;
      }
      if (fd === -EINVAL && (flags & IORING_SETUP_CQSIZE) !== 0) {
        flags &= ~IORING_SETUP_CQSIZE;
        continue;
      }
      td.verror2(-fd, 'io_uring_setup');
      return -fd;
    }
    const rings = sys(td).ioUringRings(fd);
    if (rings === undefined) throw new FioError('fio: io_uring: the ring descriptor has no rings');
    td.engineData = {
      ringFd: fd,
      rings,
      iovecs: Array.from({ length: depth }, () => [{ iovBase: 0, iovLen: 0 }]),
      nonvectored: td.o.engine.nonvectored !== 0,
      queued: 0,
      cqRingOff: 0,
    } satisfies IoringData;
    return 0;
  },
  postInit(td) {
    const d = ld(td);
    if (td.o.engine.fixedbufs) {
      const maxBs = tdMaxBs(td.o);
      const iov: Iovec[] = td.ioUAll.map((io) => ({ iovBase: io.buf, iovLen: maxBs }));
      const r = sys(td).ioUringRegister(d.ringFd, IORING_REGISTER_BUFFERS, iov, iov.length);
      if (r < 0) {
        td.verror2(-r, 'io_uring_register buffers');
        return -r;
      }
    }
    if (td.o.engine.registerfiles) {
      // fio_ioring_register_files(): open every file, register the descriptors, then "pretend the file is
      // closed again" (or really close them when registration failed).
      return (async () => {
        const fds: number[] = [];
        let err = 0;
        for (const [i, f] of td.files.entries()) {
          err = await genericOpenFile(td, f);
          if (err !== 0) break;
          fds.push(f.fd);
          f.enginePos = i;
        }
        if (err === 0) {
          const r = sys(td).ioUringRegister(d.ringFd, IORING_REGISTER_FILES, fds, fds.length);
          if (r < 0) {
            td.verror2(-r, 'ioring_register_files');
            err = -r;
          }
        }
        for (const f of td.files) {
          if (err !== 0) {
            if (f.fd >= 0) await genericCloseFile(td, f);
          } else f.fd = -1;
        }
        if (err === 0) d.fds = fds;
        return err;
      })();
    }
    return 0;
  },
  queue(td, io) {
    const d = ld(td);
    if (d.queued === td.o.iodepth) return FIO_Q_BUSY;
    if (io.ddir === DDIR_TRIM) {
      if (d.queued !== 0) return FIO_Q_BUSY;
      return doIoUTrim(td, io).then(() => {
        td.ts.markSubmit(1);
        td.ts.markComplete(1);
        return FIO_Q_COMPLETED;
      });
    }
    const r = d.rings;
    if (r.sqTail + 1 - r.sqHead > r.sqEntries) return FIO_Q_BUSY;
    ioringPrep(td, d, io, r.sqes[r.sqTail & r.sqMask] as IoUringSqe);
    r.sqTail++;
    d.queued++;
    return FIO_Q_QUEUED;
  },
  commit(td) {
    const d = ld(td);
    if (d.queued === 0) return 0;
    return commitLoop(td, d);
  },
  getevents(td, min, max) {
    const d = ld(td);
    const r = d.rings;
    d.cqRingOff = r.cqHead;
    let events = 0;
    let actualMin = td.o.iodepthBatchCompleteMin === 0 ? 0 : min;
    const reap = (): number => {
      let reaped = 0;
      while (r.cqHead + reaped !== r.cqTail && reaped + events < max) reaped++;
      if (reaped > 0) {
        for (let i = 0; i < reaped; i++) {
          const cqe = r.cqes[(r.cqHead + i) & r.cqMask] as IoUringCqe;
          const io = td.ioUAll[cqe.userData] as IoU;
          if (cqe.res !== io.xferBuflen) {
            if (cqe.res > io.xferBuflen || cqe.res < 0) io.error = cqe.res < 0 ? -cqe.res : cqe.res;
            else io.resid = io.xferBuflen - cqe.res;
          } else io.error = 0;
          td.events[events + i] = io;
        }
        r.cqHead += reaped;
      }
      return reaped;
    };
    const loop = async (): Promise<number> => {
      do {
        const got = reap();
        if (got > 0) {
          events += got;
          if (actualMin !== 0) actualMin = actualMin > got ? actualMin - got : 0;
          continue;
        }
        let e = sys(td).ioUringEnter(d.ringFd, 0, actualMin, IORING_ENTER_GETEVENTS);
        if (typeof e !== 'number') e = await e;
        if (e < 0 && e !== -EAGAIN && e !== -EINTR) {
          td.verror2(-e, 'io_uring_enter');
          return e;
        }
      } while (events < min);
      return events;
    };
    // Fast path: enough completions already in the CQ ring.
    const first = reap();
    events += first;
    if (actualMin !== 0) actualMin = actualMin > first ? actualMin - first : 0;
    if (events >= min) return events;
    return loop();
  },
  openFile(td, f) {
    const d = td.engineData as IoringData | undefined;
    if (d?.fds === undefined) return genericOpenFile(td, f);
    f.fd = d.fds[f.enginePos] as number;
    return Promise.resolve(0);
  },
  closeFile(td, f) {
    const d = td.engineData as IoringData | undefined;
    if (d?.fds === undefined) return genericCloseFile(td, f);
    f.fd = -1;
    return Promise.resolve(0);
  },
};

/** Models the submit loop of `fio_ioring_commit()`. */
function commitLoop(td: ThreadData, d: IoringData): number | Promise<number> {
  const start = d.rings.sqHead;
  const e = sys(td).ioUringEnter(d.ringFd, d.queued, 0, IORING_ENTER_GETEVENTS);
  if (typeof e !== 'number') return e.then((v) => afterEnter(td, d, start, v));
  return afterEnter(td, d, start, e);
}

/** Accounts one `io_uring_enter()` submit; loops while I/Os remain queued. @returns 0 or -errno */
function afterEnter(td: ThreadData, d: IoringData, start: number, ret: number): number | Promise<number> {
  if (ret > 0) {
    const now = td.sched.now();
    const r = d.rings;
    for (let i = 0; i < ret; i++) {
      const sqe = r.sqes[(start + i) & r.sqMask] as IoUringSqe;
      const io = td.ioUAll[sqe.userData] as IoU;
      io.issueTime = now;
      ioUQueued(td, io);
    }
    td.ts.markSubmit(ret);
    d.queued -= ret;
    return d.queued === 0 ? 0 : commitLoop(td, d);
  }
  if (ret === 0) {
    td.ts.markSubmit(0);
    return d.queued === 0 ? 0 : commitLoop(td, d);
  }
  if (ret === -EAGAIN || ret === -EINTR) return commitLoop(td, d);
  td.verror2(-ret, 'io_uring_enter submit');
  return ret;
}
