/**
 * Offloaded submission (`io_submit_mode=offload`, `rate-submit.c`): the job thread only prepares io_us and
 * hands each to a workqueue of `iodepth` workers; each worker has its own thread data with `iodepth=1` and
 * its own engine context (a libaio context of one, say), submits the io_u, waits for it to complete and
 * accounts it. So a rated job issues each I/O when it is due whatever the device's completion rate, up to
 * `iodepth` at a time.
 *
 * stackemu runs the workers as async processes of the job's emulated process (threads share the address
 * space and file descriptors), woken through the scheduler; their interleaving is the virtual-time order of
 * their syscalls' completions, deterministic for a seed. As in fio, latencies are accounted into the job,
 * byte and I/O counts after each batch (`update_acct_fn`), and the workers' depth and batch statistics when
 * the queue exits. Unlike fio 3.33, an error a worker meets also fails the job (fio only logs it).
 * @packageDocumentation
 */
import { ESRCH } from '@stackemu/core';
import {
  FIO_NO_OFFLOAD,
  FIO_Q_BUSY,
  FIO_Q_COMPLETED,
  FIO_Q_QUEUED,
  FIO_SYNCIO,
  tdIoQueue,
  type IoEngineOps,
} from './ioengines.js';
import { IO_U_F_FLIGHT, IO_U_F_NO_FILE_PUT, type IoU } from './io-u.js';
import { ioUQueuedComplete, ioUQuiesce } from './io-u-ops.js';
import { ThreadData } from './thread-data.js';
import { cloneThreadOptions, DDIR_READ, DDIR_TRIM, DDIR_WRITE, tdRead, tdTrim, tdWrite } from './thread-options.js';
import { Workqueue, type SubmitWorker, type WorkqueueOps } from './workqueue.js';

/** `io_queue_event()` (backend.c), as the runner implements it: `[stop, ret]`. */
export type QueueEvent = (
  td: ThreadData,
  io: IoU,
  ret: number,
  issued: { bytes: number } | undefined,
  fromVerify: boolean,
) => [boolean, number];

type Worker = SubmitWorker<IoU, ThreadData>;

function worker(sw: Worker): ThreadData {
  return sw.priv as ThreadData;
}

async function settle(r: number | Promise<number>): Promise<number> {
  return typeof r === 'number' ? r : await r;
}

/** Models `sum_ddir()` (rate-submit.c): moves a worker's counters of one direction to the job. */
function sumDdir(dst: ThreadData, src: ThreadData, ddir: 0 | 1 | 2): void {
  const move = (a: number[], b: number[]): void => {
    a[ddir] = (a[ddir] as number) + (b[ddir] as number);
    b[ddir] = 0;
  };
  move(dst.ioBytes, src.ioBytes);
  move(dst.ioBlocks, src.ioBlocks);
  move(dst.thisIoBlocks, src.thisIoBlocks);
  move(dst.thisIoBytes, src.thisIoBytes);
  move(dst.bytesDone, src.bytesDone);
  if (ddir === DDIR_READ) {
    dst.bytesVerified += src.bytesVerified;
    src.bytesVerified = 0;
  }
}

/** Models `rated_wq_ops` (rate-submit.c). */
function ratedWqOps(
  parent: ThreadData,
  queueEvent: QueueEvent,
  log: (line: string) => void,
): WorkqueueOps<IoU, ThreadData> {
  const eng = parent.engine as IoEngineOps;
  return {
    /** Models `io_workqueue_init_worker_fn()`: the worker's thread data and engine (iodepth 1). */
    async initWorker(sw) {
      const o = cloneThreadOptions(parent.o);
      o.iodepth = 1;
      const td = new ThreadData({ ...parent.job, o }, parent.sched);
      td.parent = parent;
      td.proc = parent.proc;
      td.engine = eng;
      td.files.push(...parent.files);
      td.ioUAll = parent.ioUAll;
      td.events = new Array<IoU>(parent.ioUAll.length);
      const now = parent.sched.now();
      td.epoch = now;
      td.start = now;
      td.runstate = 'running';
      sw.priv = td;
      // ioengine_load() -> check_engine_ops(): async engines that cannot run from a worker
      if ((eng.flags & FIO_SYNCIO) === 0 && (eng.flags & FIO_NO_OFFLOAD) !== 0) {
        log(`${eng.name}: can't be used with offloaded submit. Use a sync engine\nfio: failed to load engine\n`);
        sw.priv = undefined;
        return 1;
      }
      const r = eng.init === undefined ? 0 : await eng.init(td);
      return r === 0 ? 0 : 1;
    },
    /** Models `io_workqueue_fn()`: submits one io_u and waits for it (iodepth 1). */
    async fn(sw, io) {
      const td = worker(sw);
      io.flags |= IO_U_F_NO_FILE_PUT;
      td.curDepth++;
      let ret: number;
      for (;;) {
        ret = await settle(tdIoQueue(td, io));
        if (ret !== FIO_Q_BUSY) break;
        const r = await settle(ioUQueuedComplete(td, 1));
        if (r > 0) td.curDepth -= r;
        else if (r < 0) break;
        io.flags &= ~IO_U_F_FLIGHT;
      }
      const [, r2] = queueEvent(td, io, ret, undefined, false);
      if (r2 === FIO_Q_COMPLETED) td.curDepth--;
      else if (r2 === FIO_Q_QUEUED) {
        const r = await settle(ioUQueuedComplete(td, td.o.iodepth === 1 ? 1 : 0));
        if (r > 0) td.curDepth -= r;
      }
      if (td.error !== 0 && parent.error === 0) {
        parent.error = td.error;
        parent.verror = td.verror;
      }
    },
    /** Models `io_workqueue_pre_sleep_flush_fn()`. */
    preSleepFlush(sw) {
      const td = worker(sw);
      if (td.error !== 0) return false;
      return td.ioUQueued !== 0 || td.curDepth !== 0 || td.ioUInFlight !== 0;
    },
    /** Models `io_workqueue_pre_sleep_fn()`. */
    async preSleep(sw) {
      const td = worker(sw);
      const r = await ioUQuiesce(td);
      if (r > 0) td.curDepth -= r;
    },
    /** Models `io_workqueue_update_acct_fn()`. */
    updateAcct(sw) {
      const src = worker(sw);
      if (tdRead(src.o)) sumDdir(parent, src, DDIR_READ);
      if (tdWrite(src.o)) sumDdir(parent, src, DDIR_WRITE);
      if (tdTrim(src.o)) sumDdir(parent, src, DDIR_TRIM);
    },
    /** Models `io_workqueue_exit_worker_fn()`: the worker's statistics join the job's. */
    async exitWorker(sw) {
      const td = sw.priv;
      if (td === undefined) return;
      parent.ts.sum(td.ts);
      if (eng.cleanup !== undefined) await eng.cleanup(td).catch(() => undefined);
    },
  };
}

/**
 * Models `rate_submit_init()` (rate-submit.c): with `io_submit_mode=offload`, starts `iodepth` workers.
 * @param td - the job
 * @param queueEvent - the runner's `io_queue_event()`
 * @param log - fio's messages
 * @returns 0, or 1 when the workqueue could not be set up (the job fails with ESRCH, as fio's does)
 */
export async function rateSubmitInit(
  td: ThreadData,
  queueEvent: QueueEvent,
  log: (line: string) => void,
): Promise<number> {
  if (td.o.ioSubmitMode !== 'offload') return 0;
  const wq = new Workqueue<IoU, ThreadData>(td.sched, ratedWqOps(td, queueEvent, log), td.o.iodepth);
  if ((await wq.init()) !== 0) {
    log("Can't create rate workqueue\n");
    td.verror2(ESRCH, 'workqueue_init');
    return 1;
  }
  td.wq = wq;
  return 0;
}

/** Models `rate_submit_exit()` (rate-submit.c): stops the workers, summing their statistics into the job. */
export async function rateSubmitExit(td: ThreadData): Promise<void> {
  const wq = td.wq;
  if (wq === undefined) return;
  td.wq = undefined;
  await wq.exit();
}
