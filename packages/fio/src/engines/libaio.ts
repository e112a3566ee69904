/**
 * The `libaio` engine (engines/libaio.c): Linux native AIO through `io_setup()`, `io_submit()` and
 * `io_getevents()`.
 * @packageDocumentation
 */
import { EAGAIN, EINTR } from '@stackemu/core';
import { emptyIocb, emptyIoEvent, IOCB_CMD_PREAD, IOCB_CMD_PWRITE, type Iocb, type IoEvent } from '@stackemu/vfs';
import type { FioSyscalls } from '../fio-host.js';
import {
  FIO_ASYNCIO_SETS_ISSUE_TIME,
  FIO_ASYNCIO_SYNC_TRIM,
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
import { DDIR_DATASYNC, DDIR_READ, DDIR_SYNC, DDIR_TRIM } from '../thread-options.js';
import { doIoUSync, doIoUTrim } from './sync.js';

/** Models `struct libaio_data` (engines/libaio.c). */
interface LibaioData {
  ctx: number;
  readonly iocbs: Iocb[];
  readonly ioUs: (IoU | undefined)[];
  readonly pending: Iocb[];
  readonly events: IoEvent[];
  queued: number;
  head: number;
  tail: number;
  readonly entries: number;
}

function ld(td: ThreadData): LibaioData {
  return td.engineData as LibaioData;
}

function sys(td: ThreadData): FioSyscalls {
  return (td.proc as { readonly sys: FioSyscalls }).sys;
}

/** Models `fio_libaio_event()`: the completion's result into the io_u. */
function libaioEvent(io: IoU, res: number): void {
  if (res !== io.xferBuflen) {
    if (res > io.xferBuflen || res < 0) io.error = res < 0 ? -res : res;
    else io.resid = io.xferBuflen - res;
  } else io.resid = 0;
}

/**
 * Models `ioengine` `libaio` (engines/libaio.c): I/Os are queued into a ring of iocbs, submitted by
 * `commit` with `io_submit()` (retrying on a partial submit, backing off on `-EAGAIN`), and reaped with
 * `io_getevents()`; syncs and trims are done synchronously once the queue is empty.
 */
export const libaioEngine: IoEngineOps = {
  name: 'libaio',
  flags: FIO_ASYNCIO_SYNC_TRIM | FIO_ASYNCIO_SETS_ISSUE_TIME,
  init(td) {
    const depth = td.o.iodepth;
    const ctx = sys(td).ioSetup(depth);
    if (ctx < 0) {
      td.verror2(-ctx, 'io_queue_init');
      return -ctx;
    }
    td.engineData = {
      ctx,
      // one per io_u (fio embeds the iocb in the io_u): an offload worker's depth is 1 but it may get any io_u
      iocbs: Array.from({ length: Math.max(depth, td.ioUAll.length) }, emptyIocb),
      ioUs: new Array<IoU | undefined>(depth).fill(undefined),
      pending: new Array<Iocb>(depth),
      events: Array.from({ length: depth }, emptyIoEvent),
      queued: 0,
      head: 0,
      tail: 0,
      entries: depth,
    } satisfies LibaioData;
    return 0;
  },
  queue(td, io) {
    const d = ld(td);
    if (d.queued === td.o.iodepth) return FIO_Q_BUSY;
    if (io.ddir === DDIR_SYNC || io.ddir === DDIR_DATASYNC) {
      if (d.queued !== 0) return FIO_Q_BUSY;
      return doIoUSync(td, io).then(() => FIO_Q_COMPLETED);
    }
    if (io.ddir === DDIR_TRIM) {
      if (d.queued !== 0) return FIO_Q_BUSY;
      return doIoUTrim(td, io).then(() => {
        td.ts.markSubmit(1);
        td.ts.markComplete(1);
        return FIO_Q_COMPLETED;
      });
    }
    // fio_libaio_prep(): io_prep_pread()/io_prep_pwrite()
    const cb = d.iocbs[io.index] as Iocb;
    cb.aioLioOpcode = io.ddir === DDIR_READ ? IOCB_CMD_PREAD : IOCB_CMD_PWRITE;
    cb.aioFildes = io.file?.fd ?? -1;
    cb.aioBuf = io.xferBuf;
    cb.aioNbytes = io.xferBuflen;
    cb.aioOffset = io.offset;
    cb.aioData = io.index;
    cb.aioRwFlags = 0;
    cb.aioFlags = 0;
    d.pending[d.head] = cb;
    d.ioUs[d.head] = io;
    d.head = (d.head + 1) % d.entries;
    d.queued++;
    return FIO_Q_QUEUED;
  },
  commit(td) {
    return libaioCommit(td);
  },
  async getevents(td, min, max) {
    const d = ld(td);
    let actualMin = td.o.iodepthBatchCompleteMin === 0 ? 0 : min;
    let events = 0;
    const out: IoEvent[] = [];
    do {
      const buf = d.events.slice(0, max - events);
      let r = sys(td).ioGetevents(
        d.ctx,
        Math.min(actualMin, max - events),
        max - events,
        buf,
        actualMin === 0 ? 0 : undefined,
      );
      if (typeof r !== 'number') r = await r;
      if (r < 0) {
        if (r === -EAGAIN || r === -EINTR) continue;
        return r;
      }
      for (let i = 0; i < r; i++) out.push({ ...(buf[i] as IoEvent) });
      events += r;
      actualMin = actualMin > r ? actualMin - r : 0;
      if (r === 0 && actualMin === 0) break;
    } while (events < min);
    for (let i = 0; i < events; i++) {
      const ev = out[i] as IoEvent;
      const io = td.ioUAll[ev.data] as IoU;
      libaioEvent(io, ev.res);
      td.events[i] = io;
    }
    return events;
  },
  async cleanup(td) {
    const d = td.engineData as LibaioData | undefined;
    if (d !== undefined && d.ctx > 0) await sys(td).ioDestroy(d.ctx);
  },
  openFile: genericOpenFile,
  closeFile: genericCloseFile,
};

/**
 * Models `fio_libaio_commit()` (engines/libaio.c): `io_submit()` of the queued iocbs, retrying on 0 and
 * `-EINTR`, stopping on `-EAGAIN` (the context is full; reap first). `io_submit()` may sleep in the filesystem.
 * @returns 0 or `-errno`
 */
function libaioCommit(td: ThreadData): number | Promise<number> {
  const d = ld(td);
  while (d.queued !== 0) {
    const nr = Math.min(d.queued, d.entries - d.tail);
    const batch = d.pending.slice(d.tail, d.tail + nr);
    const ret = sys(td).ioSubmit(d.ctx, batch);
    if (typeof ret !== 'number') {
      return ret.then((r) => {
        const s = libaioSubmitted(td, d, r);
        return s !== undefined ? s : libaioCommit(td);
      });
    }
    const s = libaioSubmitted(td, d, ret);
    if (s !== undefined) return s;
  }
  return 0;
}

/**
 * Accounts one `io_submit()` result `ret` of {@link libaioCommit}.
 * @returns undefined to go on submitting, else the commit's result
 */
function libaioSubmitted(td: ThreadData, d: LibaioData, ret: number): number | undefined {
  if (ret > 0) {
    const now = td.sched.now();
    for (let i = 0; i < ret; i++) {
      const io = d.ioUs[(d.tail + i) % d.entries] as IoU;
      io.issueTime = now;
      ioUQueued(td, io);
    }
    td.ts.markSubmit(ret);
    d.queued -= ret;
    d.tail = (d.tail + ret) % d.entries;
    return d.queued === 0 ? 0 : undefined;
  }
  if (ret === 0 || ret === -EINTR) {
    if (ret === 0) td.ts.markSubmit(0);
    return undefined;
  }
  if (ret === -EAGAIN && d.queued !== 0) return 0;
  return ret;
}
