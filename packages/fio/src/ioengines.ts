/**
 * The I/O engine interface (`struct ioengine_ops`, ioengines.h) and the generic queue/commit/getevents
 * wrappers around it (ioengines.c).
 * @packageDocumentation
 */
import { EINVAL } from '@stackemu/core';
import { O_CREAT, O_DIRECT, O_DSYNC, O_NOATIME, O_RDONLY, O_RDWR, O_SYNC } from '@stackemu/vfs';
import type { FioFile } from './fio-file.js';
import { IO_U_F_FLIGHT, IO_U_F_VER_LIST, type IoU } from './io-u.js';
import type { ThreadData } from './thread-data.js';
import { DDIR_SYNC, tdRead, tdTrim, tdWrite } from './thread-options.js';

/** Models `FIO_Q_COMPLETED` (ioengines.h): the I/O finished inside `queue`. */
export const FIO_Q_COMPLETED = 0;
/** Models `FIO_Q_QUEUED` (ioengines.h): queued, completes through `getevents`. */
export const FIO_Q_QUEUED = 1;
/** Models `FIO_Q_BUSY` (ioengines.h): no room, commit and retry. */
export const FIO_Q_BUSY = 2;

/** Models `FIO_SYNCIO` (ioengines.h). */
export const FIO_SYNCIO = 1 << 0;
/** Models `FIO_RAWIO` (ioengines.h). */
export const FIO_RAWIO = 1 << 1;
/** Models `FIO_DISKLESSIO` (ioengines.h). */
export const FIO_DISKLESSIO = 1 << 2;
/** Models `FIO_NOEXTEND` (ioengines.h). */
export const FIO_NOEXTEND = 1 << 3;
/** Models `FIO_NOIO` (ioengines.h). */
export const FIO_NOIO = 1 << 6;
/** Models `FIO_MEMALIGN` (ioengines.h). */
export const FIO_MEMALIGN = 1 << 9;
/** Models `FIO_FAKEIO` (ioengines.h). */
export const FIO_FAKEIO = 1 << 11;
/** Models `FIO_ASYNCIO_SYNC_TRIM` (ioengines.h). */
export const FIO_ASYNCIO_SYNC_TRIM = 1 << 14;
/** Models `FIO_NO_OFFLOAD` (ioengines.h): the engine cannot be used from offload workers. */
export const FIO_NO_OFFLOAD = 1 << 15;
/** Models `FIO_ASYNCIO_SETS_ISSUE_TIME` (ioengines.h). */
export const FIO_ASYNCIO_SETS_ISSUE_TIME = 1 << 16;

/**
 * Models `struct ioengine_ops` (ioengines.h). Optional members are `?`; the wrappers below call them.
 */
export interface IoEngineOps {
  /** Engine name (`ioengine=`). */
  readonly name: string;
  /** `FIO_*` flags. */
  readonly flags: number;
  /**
   * Sets the engine up (rings, contexts).
   * @returns 0 or an errno (optional)
   */
  init?(td: ThreadData): number | Promise<number>;
  /**
   * After buffers exist (io_uring registers them).
   * @returns 0 or an errno (optional)
   */
  postInit?(td: ThreadData): number | Promise<number>;
  /**
   * Queues (or for sync engines performs) one I/O.
   * @returns `FIO_Q_*`
   */
  queue(td: ThreadData, io: IoU): number | Promise<number>;
  /**
   * Submits queued I/Os (optional; absent for sync engines).
   * @returns 0 or -errno
   */
  commit?(td: ThreadData): number | Promise<number>;
  /**
   * Waits for at least `min` completions and puts up to `max` into `td.events`.
   * @returns events, or -errno (optional)
   */
  getevents?(td: ThreadData, min: number, max: number): number | Promise<number>;
  /** Tears down (optional). */
  cleanup?(td: ThreadData): Promise<void>;
  /**
   * Opens a file.
   * @returns 0 or an errno (set in td)
   */
  openFile(td: ThreadData, f: FioFile): Promise<number>;
  /**
   * Closes a file.
   * @returns 0 or an errno
   */
  closeFile(td: ThreadData, f: FioFile): Promise<number>;
}

/** Models `td_ioengine_flagged()` (ioengines.h). */
export function tdIoengineFlagged(td: ThreadData, flag: number): boolean {
  return ((td.engine?.flags ?? 0) & flag) !== 0;
}

/**
 * Models `generic_open_file()` (filesetup.c): the open flags fio uses (`O_DIRECT`, `O_SYNC`/`O_DSYNC`,
 * `O_CREAT` for writers and create_on_open, `O_RDWR` for writers, `O_NOATIME` for devices).
 * @returns 0, or the errno (also recorded with `td_verror()`)
 */
export async function genericOpenFile(td: ThreadData, f: FioFile): Promise<number> {
  const o = td.o;
  let flags = 0;
  if (!tdTrim(td.o)) {
    if (o.odirect) flags |= O_DIRECT;
    if (o.syncIo === 'sync') flags |= O_SYNC;
    else if (o.syncIo === 'dsync') flags |= O_DSYNC;
    if (o.createOnOpen && o.allowCreate) flags |= O_CREAT;
  }
  if (f.filetype !== 'file') flags |= O_NOATIME;
  if (tdWrite(o)) {
    flags |= O_RDWR;
    if (f.filetype === 'file' && o.allowCreate) flags |= O_CREAT;
  } else if (tdRead(o)) {
    flags |= f.filetype === 'char' ? O_RDWR : O_RDONLY;
  } else {
    flags |= O_RDWR;
  }
  const sys = td.proc?.sys;
  if (sys === undefined) return 9;
  const fd = await sys.open(f.fileName, flags, 0o644);
  if (fd < 0) {
    td.verror2(-fd, `open(${f.fileName})`);
    return -fd;
  }
  f.fd = fd;
  return 0;
}

/** Models `generic_close_file()` (filesetup.c). */
export async function genericCloseFile(td: ThreadData, f: FioFile): Promise<number> {
  const sys = td.proc?.sys;
  if (sys === undefined || f.fd < 0) return 0;
  const r = await sys.close(f.fd);
  f.fd = -1;
  return r < 0 ? -r : 0;
}

/**
 * Models `td_io_queue()` (ioengines.c): issue accounting, the engine's `queue`, depth and submit marking,
 * and the automatic commit when `iodepth_batch` I/Os are queued.
 * @returns `FIO_Q_*` (a promise when the engine or the commit waits)
 */
export function tdIoQueue(td: ThreadData, io: IoU): number | Promise<number> {
  const eng = td.engine as IoEngineOps;
  const ddir = io.acctDdir === -1 ? io.ddir : io.acctDdir;
  const buflen = io.xferBuflen;
  io.flags |= IO_U_F_FLIGHT;
  io.error = 0;
  io.resid = 0;
  if ((eng.flags & FIO_SYNCIO) !== 0) io.issueTime = td.sched.now();
  if (ddir < 3) {
    if ((io.flags & IO_U_F_VER_LIST) === 0) {
      td.ioIssues[ddir] = (td.ioIssues[ddir] as number) + 1;
      td.ioIssueBytes[ddir] = (td.ioIssueBytes[ddir] as number) + buflen;
    }
    td.rateIoIssueBytes[ddir] = (td.rateIoIssueBytes[ddir] as number) + buflen;
  }
  const ret = eng.queue(td, io);
  if (typeof ret === 'number') return afterQueue(td, io, ddir, buflen, ret);
  return ret.then((r) => afterQueue(td, io, ddir, buflen, r));
}

/** The second half of `td_io_queue()`, after the engine's `queue`. */
function afterQueue(td: ThreadData, io: IoU, ddir: number, buflen: number, ret: number): number | Promise<number> {
  const eng = td.engine as IoEngineOps;
  if (ret === FIO_Q_BUSY && ddir < 3) {
    td.ioIssues[ddir] = (td.ioIssues[ddir] as number) - 1;
    td.ioIssueBytes[ddir] = (td.ioIssueBytes[ddir] as number) - buflen;
    td.rateIoIssueBytes[ddir] = (td.rateIoIssueBytes[ddir] as number) - buflen;
    io.flags &= ~IO_U_F_FLIGHT;
  }
  if (io.error !== 0 && td.error === 0) td.verror2(io.error, 'td_io_queue');
  // The hint for a first direct I/O failing with EINVAL: alignment, or a filesystem without O_DIRECT.
  if (io.error === EINVAL && td.ioIssues[io.ddir & 1] === 1 && td.o.odirect) {
    td.log(
      'fio: first direct IO errored. File system may not support direct IO, or iomem_align= is bad, or invalid block size. Try setting direct=0.\n',
    );
  }
  if (eng.commit === undefined) {
    td.ts.markSubmit(1);
    td.ts.markComplete(1);
  }
  const countIt = io.ddir < 3 || (io.ddir >= DDIR_SYNC && td.runstate !== 'fsyncing');
  let commit: Promise<void> | undefined;
  if (ret === FIO_Q_COMPLETED) {
    if (countIt) {
      td.ts.markDepth(td.curDepth, 1);
      const d = io.ddir < 3 ? io.ddir : 3;
      td.ts.totalIoU[d] = (td.ts.totalIoU[d] as number) + 1;
    }
  } else if (ret === FIO_Q_QUEUED) {
    td.ioUQueued++;
    if (countIt) {
      const d = io.ddir < 3 ? io.ddir : 3;
      td.ts.totalIoU[d] = (td.ts.totalIoU[d] as number) + 1;
    }
    if (td.ioUQueued >= td.o.iodepthBatch) commit = tdIoCommit(td);
  }
  const sync = (eng.flags & FIO_SYNCIO) !== 0;
  if (commit === undefined) {
    if (!sync && (eng.flags & FIO_ASYNCIO_SETS_ISSUE_TIME) === 0) io.issueTime = td.sched.now();
    return ret;
  }
  return commit.then(() => {
    if (!sync && (eng.flags & FIO_ASYNCIO_SETS_ISSUE_TIME) === 0) io.issueTime = td.sched.now();
    return ret;
  });
}

/**
 * Models `td_io_commit()` (ioengines.c).
 * @returns a promise when the engine's commit waits, else undefined
 */
export function tdIoCommit(td: ThreadData): Promise<void> | undefined {
  if (td.curDepth === 0 || td.ioUQueued === 0) return undefined;
  td.ts.markDepth(td.curDepth, td.ioUQueued);
  const eng = td.engine as IoEngineOps;
  const finish = (r: number): void => {
    if (r < 0) td.verror2(-r, 'io commit');
    td.ioUInFlight += td.ioUQueued;
    td.ioUQueued = 0;
  };
  if (eng.commit === undefined) {
    finish(0);
    return undefined;
  }
  const r = eng.commit(td);
  if (typeof r === 'number') {
    finish(r);
    return undefined;
  }
  return r.then(finish);
}

/**
 * Models `td_io_getevents()` (ioengines.c): commit if waiting, clamp min/max to the depth, reap.
 * @returns completions in `td.events`, or -errno
 */
export function tdIoGetevents(td: ThreadData, min: number, maxIn: number): number | Promise<number> {
  if (td.done) return 0;
  const eng = td.engine as IoEngineOps;
  if (min > 0 && eng.commit !== undefined) {
    const c = tdIoCommit(td);
    if (c !== undefined) return c.then(() => reap(td, eng, min, maxIn));
  }
  return reap(td, eng, min, maxIn);
}

/** The reaping half of `td_io_getevents()`. */
function reap(td: ThreadData, eng: IoEngineOps, min: number, maxIn: number): number | Promise<number> {
  let max = maxIn;
  if (max > td.curDepth) max = td.curDepth;
  if (min > max) max = min;
  if (max === 0 || eng.getevents === undefined) return reaped(td, 0);
  const g = eng.getevents(td, min, max);
  if (typeof g === 'number') return reaped(td, g);
  return g.then((r) => reaped(td, r));
}

function reaped(td: ThreadData, r: number): number {
  if (r >= 0) {
    td.ioUInFlight -= r;
    td.ts.markComplete(r);
  } else td.verror2(-r, 'get_events');
  return r;
}
