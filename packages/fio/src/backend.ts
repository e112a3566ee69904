/**
 * Running jobs (`backend.c`): each job in its own process on the machine, the I/O loop (`do_io()`), the
 * verify phase (`do_verify()`), loops, runtime and ramp time, and the order jobs start in (`run_threads()`:
 * files laid out first, stonewall barriers, start delays).
 * @packageDocumentation
 */
import { EIO, ENOSPC, type TimerHandle } from '@stackemu/core';
import { libaioEngine } from './engines/libaio.js';
import { ioUringEngine } from './engines/io-uring.js';
import { nullEngine, nullEngineQueued } from './engines/null.js';
import { psyncEngine, pvsync2Engine, pvsyncEngine, syncEngine } from './engines/sync.js';
import { FioError } from './fio-error.js';
import type { FioHost, FioProcess } from './fio-host.js';
import { closeFiles, initRandomMap, setupFiles, tdIoCloseFile, tdIoOpenFile } from './filesetup.js';
import type { FioFile } from './fio-file.js';
import type { FioJob, FioJobList } from './init.js';
import {
  FIO_NOIO,
  FIO_Q_BUSY,
  FIO_Q_COMPLETED,
  FIO_Q_QUEUED,
  FIO_SYNCIO,
  tdIoengineFlagged,
  tdIoQueue,
  type IoEngineOps,
} from './ioengines.js';
import { IoHistory } from './iolog.js';
import { IO_U_F_VER_LIST, IoU } from './io-u.js';
import {
  getIoU,
  getIoUDone,
  ioUQueuedComplete,
  ioUQuiesce,
  ioUSyncComplete,
  NeedOpen,
  putIoU,
  queueFull,
  requeueIoU,
} from './io-u-ops.js';
import { initIoUBuffers, ProcessMalloc } from './memory.js';
import { HelperThread } from './helper-thread.js';
import { setupLogs, tdWriteoutLogs, type LogFileWrite } from './io-log.js';
import { latTargetCheck, latTargetInit, latTargetSettle } from './lat-target.js';
import { checkMinRate, setupRate, usecForIo, usecSleep } from './rate.js';
import { rateSubmitExit, rateSubmitInit } from './rate-submit.js';
import { tdSteadystateInit } from './steadystate.js';
import { handleThinktime, initThinktime } from './thinktime.js';
import type { Workqueue } from './workqueue.js';
import { num2str } from './num2str.js';
import { makeDistribution } from './distribution.js';
import { ThreadData } from './thread-data.js';
import {
  DDIR_READ,
  DDIR_TRIM,
  DDIR_WRITE,
  ddirStr,
  type DataDir,
  tdRandom,
  tdRead,
  tdRw,
  tdTrim,
  tdWrite,
} from './thread-options.js';
import { fillIoBuffer, logIoPiece, populateVerifyIoU, verifyIoU } from './verify.js';

/**
 * Models `load_ioengine()` (ioengines.c) for the engines stackemu implements.
 * @returns the engine
 * @throws FioError for an engine that is not implemented
 */
export function loadIoengine(name: string, iodepth: number): IoEngineOps {
  switch (name) {
    case 'psync':
      return psyncEngine;
    case 'sync':
      return syncEngine;
    case 'pvsync':
      return pvsyncEngine;
    case 'pvsync2':
      return pvsync2Engine;
    case 'libaio':
      return libaioEngine;
    case 'io_uring':
      return ioUringEngine;
    case 'null':
      return iodepth === 1 ? nullEngine : nullEngineQueued;
    default:
      throw new FioError(`fio: engine ${name} not loadable`);
  }
}

/** What the runner reports besides the jobs. */
export interface RunHooks {
  /** A line of fio's normal output printed while jobs run (layout messages; fio's `log_info()`). */
  log(line: string): void;
  /** A line fio prints on stderr (`log_err()`: I/O errors, bad sizes), whatever the output format. */
  logErr(line: string): void;
  /** The jobs, once created (optional). */
  started?(tds: readonly ThreadData[]): void;
  /** Virtual time (ns, from the start of the run) at which every job is terminated, as fio does on SIGINT. */
  readonly stopAtNs?: number;
  /** Receives the log files fio writes (`write_bw_log`…), as it writes them (optional). */
  writeLog?(f: LogFileWrite): void;
}

// ----- do_io ----------------------------------------------------------------------------------------------

/** Models `runtime_exceeded()` (backend.c). */
function runtimeExceeded(td: ThreadData): boolean {
  if (td.inRampTime()) return false;
  if (td.o.timeout === 0) return false;
  return td.usSinceEpoch() >= td.o.timeout;
}

/** Models `exceeds_number_ios()` (backend.c). */
function exceedsNumberIos(td: ThreadData): boolean {
  if (td.o.numberIos === 0) return false;
  const n =
    (td.ioBlocks[0] as number) +
    (td.ioBlocks[1] as number) +
    (td.ioBlocks[2] as number) +
    td.ioUQueued +
    td.ioUInFlight;
  return n >= td.o.numberIos * td.loops;
}

/** Models `io_bytes_exceeded()` (backend.c) over `this_bytes`. */
function ioBytesExceeded(td: ThreadData, b: readonly number[]): boolean {
  const o = td.o;
  let bytes: number;
  if (tdRw(o)) bytes = (b[0] as number) + (b[1] as number);
  else if (tdWrite(o)) bytes = b[1] as number;
  else if (tdRead(o)) bytes = b[0] as number;
  else bytes = b[2] as number;
  const ioSize = o.ioSize !== undefined && 'bytes' in o.ioSize ? o.ioSize.bytes : 0;
  const limit = (ioSize !== 0 ? ioSize : td.setSize) * td.loops;
  return bytes >= limit || exceedsNumberIos(td);
}

/** Models `break_on_this_error()` (backend.c). @returns true to stop the loop */
function breakOnThisError(td: ThreadData, ret: number): boolean {
  if (ret < 0 || td.error !== 0) {
    const err = ret < 0 ? -ret : td.error;
    if (td.o.fillDevice && (err === ENOSPC || err === 122)) {
      td.error = 0;
      td.verror = '';
      td.terminate = true;
      return true;
    }
    return true;
  }
  return false;
}

/**
 * Models `io_queue_event()` (backend.c): handles the result of queueing one io_u.
 * @returns [stop, ret]
 */
function ioQueueEvent(
  td: ThreadData,
  io: IoU,
  ret: number,
  issued: { bytes: number } | undefined,
  fromVerify: boolean,
): [boolean, number] {
  let r = ret;
  if (r === FIO_Q_COMPLETED) {
    if (io.error !== 0) {
      r = -io.error;
      putIoU(td, io);
    } else if (io.resid !== 0) {
      const bytes = io.xferBuflen - io.resid;
      if (issued !== undefined) issued.bytes += bytes;
      if (bytes === 0) {
        if (!fromVerify && io.ipo !== undefined) td.ioHist.unlog(io.ipo);
        td.verror2(EIO, 'full resid');
        putIoU(td, io);
      } else {
        io.xferBuflen = io.resid;
        io.xferBuf += bytes;
        io.offset += bytes;
        if (io.ddir < 3) td.ts.shortIoU[io.ddir] = (td.ts.shortIoU[io.ddir] as number) + 1;
        if (io.offset === io.file?.realFileSize) r = ioUSyncComplete(td, io);
        else requeueIoU(td, io);
      }
    } else {
      if (issued !== undefined) issued.bytes += io.xferBuflen;
      if (td.checkRate) td.compTime = td.sched.now();
      r = ioUSyncComplete(td, io);
    }
    if (fromVerify) return [false, r < 0 ? r : 0];
  } else if (r === FIO_Q_QUEUED) {
    if (issued !== undefined) issued.bytes += io.xferBuflen;
  } else if (r === FIO_Q_BUSY) {
    if (!fromVerify && io.ipo !== undefined) td.ioHist.unlog(io.ipo);
    requeueIoU(td, io);
  } else {
    td.verror2(-r, 'td_io_queue');
  }
  return [breakOnThisError(td, r), r];
}

/** Models `wait_for_completions()` (backend.c). */
function waitForCompletions(td: ThreadData): number | Promise<number> {
  const full = queueFull(td);
  let minEvts = Math.min(td.o.iodepthBatchCompleteMin, td.curDepth);
  if ((full && minEvts === 0) || td.o.iodepthBatchCompleteMin === 0) minEvts = 1;
  if (td.checkRate) td.compTime = td.sched.now();
  for (;;) {
    const r = ioUQueuedComplete(td, minEvts);
    if (typeof r !== 'number')
      return r.then((v) => (v < 0 || !(full && td.curDepth > td.o.iodepthLow) ? v : waitMore(td, minEvts, full)));
    if (r < 0) return r;
    if (!(full && td.curDepth > td.o.iodepthLow)) return r;
  }
}

async function waitMore(td: ThreadData, minEvts: number, full: boolean): Promise<number> {
  let ret: number;
  do {
    ret = await ioUQueuedComplete(td, minEvts);
    if (ret < 0) break;
  } while (full && td.curDepth > td.o.iodepthLow);
  return ret;
}

/** Closes files the offset code found done (`set_io_u_file()` closes them at once in fio). */
async function closeDoneFiles(td: ThreadData): Promise<void> {
  // fio holds a file open while io_us reference it; offload workers may still have some in hand.
  if (td.wq !== undefined) await td.wq.flush();
  while (td.toClose.length > 0) await tdIoCloseFile(td, td.toClose.shift() as FioFile);
}

/** Models `get_io_u()` with the file opens it may need. */
async function getIoUOpening(td: ThreadData): Promise<IoU | undefined | 'busy'> {
  for (;;) {
    const io = getIoU(td);
    if (!(io instanceof NeedOpen)) return io;
    const f = io.file;
    if ((await tdIoOpenFile(td, f)) !== 0) {
      f.done = true;
      td.nrDoneFiles++;
    }
  }
}

/**
 * Models `do_io()` (backend.c): the main I/O loop of one pass: get an io_u (waiting first when the rate says
 * so), queue it (or hand it to an offload worker), reap when the queue is full, think, and check the minimum
 * rate and the latency target.
 * @param bytesDone - out: bytes done this pass per direction
 * @param log - fio's messages
 */
async function doIo(td: ThreadData, bytesDone: number[], log: (l: string) => void): Promise<void> {
  const o = td.o;
  for (let i = 0; i < 3; i++) bytesDone[i] = td.bytesDone[i] as number;
  td.runstate = td.inRampTime() ? 'ramp' : 'running';
  latTargetInit(td);
  let totalBytes = td.setSize;
  const ioSizeBytes = o.ioSize !== undefined && 'bytes' in o.ioSize ? o.ioSize.bytes : 0;
  if (tdWrite(o) && tdRandom(o) && o.norandommap) totalBytes = Math.max(totalBytes, ioSizeBytes);
  if (o.verify !== 'none' && tdWrite(o) && o.verifyBacklog !== 0) totalBytes += td.setSize;
  if ((o.tdDdir & 10) === 10) totalBytes += td.totalIoSize;
  const issued = { bytes: 0 };
  const offload = o.ioSubmitMode === 'offload';
  let ret = 0;
  while (!ioBytesExceeded(td, td.ioIssueBytes) || o.timeBased) {
    td.kickHelper?.();
    if (td.terminate || td.done) break;
    if (runtimeExceeded(td)) {
      td.terminate = true;
      break;
    }
    if (issued.bytes >= totalBytes && (!o.timeBased || o.verify !== 'none')) break;
    let io = getIoU(td);
    if (io instanceof NeedOpen) io = await getIoUOpening(td);
    if (td.toClose.length > 0) await closeDoneFiles(td);
    if (io instanceof IoU && td.rateSleepUs !== 0) {
      // rate_ddir(): the job is ahead of its rate; inline submission completes what is in flight first.
      const usec = td.rateSleepUs;
      td.rateSleepUs = 0;
      if (!offload) await ioUQuiesce(td);
      await usecSleep(td, usec);
      if ((o.timeout !== 0 && td.usSinceEpoch() > o.timeout) || terminating(td)) {
        // DDIR_INVAL: fill_io_u() fails, the file is done and get_io_u() has nothing to give
        putIoU(td, io);
        io = undefined;
      } else getIoUDone(td, io, td.rateScramble);
    }
    let ddir = -1;
    let reap = false;
    if (io === 'busy') {
      ret = FIO_Q_BUSY;
      reap = true;
    } else if (io === undefined) {
      // fio reaps with a latency target (the queue may only be full at the target's depth); with nothing in
      // flight it would spin until the runtime ends, which takes no virtual time here: stop instead
      if (o.latencyTarget === 0 || td.curDepth === 0) break;
      reap = true;
    } else {
      if (io.ddir === DDIR_WRITE && td.doVerifyFlag) {
        io.numberio = td.ioIssues[DDIR_WRITE] as number;
        populateVerifyIoU(td, io);
      }
      ddir = io.ddir;
      if (o.verify !== 'none' && io.ddir === DDIR_READ && ((io.flags & IO_U_F_VER_LIST) !== 0 || !tdRw(o))) {
        io.endIo = td.verifyEndIo;
        td.runstate = 'verifying';
      } else if (td.inRampTime()) td.runstate = 'ramp';
      else td.runstate = 'running';
      if (tdWrite(o) && io.ddir === DDIR_WRITE && o.doVerify && o.verify !== 'none') logIoPiece(td, io);
      if (offload) {
        const blen = io.xferBuflen;
        const d = io.acctDdir === -1 ? io.ddir : io.acctDdir;
        if (td.error !== 0) break;
        (td.wq as Workqueue<IoU, ThreadData>).enqueue(io);
        ret = FIO_Q_QUEUED;
        if (d < 3) {
          td.ioIssues[d] = (td.ioIssues[d] as number) + 1;
          td.ioIssueBytes[d] = (td.ioIssueBytes[d] as number) + blen;
          td.rateIoIssueBytes[d] = (td.rateIoIssueBytes[d] as number) + blen;
        }
        if (td.checkRate) {
          td.rateNextIoTime[d] = usecForIo(td, d as DataDir);
          td.compTime = td.sched.now();
        }
      } else {
        const q = tdIoQueue(td, io);
        ret = typeof q === 'number' ? q : await q;
        if (td.checkRate && ddir < 3) td.rateNextIoTime[ddir] = usecForIo(td, ddir as DataDir);
        const [stop, r] = ioQueueEvent(td, io, ret, issued, false);
        ret = r;
        if (stop) break;
        reap = true;
      }
    }
    if (reap) {
      const full = queueFull(td) || (ret === FIO_Q_BUSY && td.curDepth > 0);
      if (full || (o.iodepthBatchCompleteMin === 0 && o.iodepthBatchCompleteMax === 0)) {
        const w = waitForCompletions(td);
        ret = typeof w === 'number' ? w : await w;
      }
    }
    if (ret < 0) break;
    if (td.latencyQuiescePending) await latTargetSettle(td, ioUQuiesce);
    if (ddir >= 0 && ddir < 3 && o.thinktime !== 0) await handleThinktime(td, ddir as DataDir);
    if (
      (td.bytesDone[0] as number) + (td.bytesDone[1] as number) + (td.bytesDone[2] as number) === 0 &&
      ((td.engine as IoEngineOps).flags & FIO_NOIO) === 0
    )
      continue;
    if (!td.inRampTime() && td.checkRate && checkMinRate(td, td.compTime, log)) {
      td.verror2(EIO, 'check_min_rate');
      break;
    }
    if (!td.inRampTime() && o.latencyTarget !== 0) {
      await latTargetCheck(td, ioUQuiesce);
      if (td.latencyQuiescePending) await latTargetSettle(td, ioUQuiesce);
    }
  }
  if (o.fillDevice && (td.error === ENOSPC || td.error === 122)) {
    td.error = 0;
    td.verror = '';
    td.terminate = true;
  }
  if (td.error === 0) {
    if (offload) await (td.wq as Workqueue<IoU, ThreadData>).flush();
    else if (td.curDepth > 0) {
      await ioUQuiesce(td);
      const err = td.error as number;
      if (o.fillDevice && (err === ENOSPC || err === 122)) {
        td.error = 0;
        td.verror = '';
      }
    }
    if (tdWrite(o) && !td.lastWasSync && (o.endFsync || o.fsyncOnClose)) {
      td.runstate = 'fsyncing';
      for (const f of td.files) {
        if (!f.open) continue;
        const r = await (td.proc as FioProcess).sys.fsync(f.fd);
        if (r < 0) td.logErr(`fio: end_fsync failed for file ${f.fileName}\n`);
      }
    }
  } else {
    if (offload) await (td.wq as Workqueue<IoU, ThreadData>).flush();
    await ioUQuiesce(td).catch(() => 0);
  }
  if ((td.thisIoBytes[0] as number) + (td.thisIoBytes[1] as number) + (td.thisIoBytes[2] as number) === 0)
    td.done = true;
  for (let i = 0; i < 3; i++) bytesDone[i] = (td.bytesDone[i] as number) - (bytesDone[i] as number);
}

/** Models `do_verify()` (backend.c): reads back every logged write and checks it. */
async function doVerify(td: ThreadData): Promise<void> {
  const sys = (td.proc as FioProcess).sys;
  for (const f of td.files) {
    if (!f.open) continue;
    const r = await sys.fsync(f.fd);
    if (r < 0) {
      td.verror2(-r, 'fsync');
      return;
    }
  }
  if (td.error !== 0) return;
  if (!td.o.randRepeatable) td.verifyState.seed(td.randSeeds[3] ?? 0n);
  td.runstate = 'verifying';
  let ret: number;
  while (!td.terminate) {
    td.kickHelper?.();
    if (runtimeExceeded(td)) {
      td.terminate = true;
      break;
    }
    const io = takeForVerify(td);
    if (io === undefined) break;
    if (io === 'busy') ret = FIO_Q_BUSY;
    else {
      io.endIo = td.verifyEndIo;
      if (!td.o.disableSlat) io.startTime = td.sched.now();
      const q = tdIoQueue(td, io);
      ret = typeof q === 'number' ? q : await q;
      const [stop, r] = ioQueueEvent(td, io, ret, undefined, true);
      ret = r;
      if (stop) break;
    }
    const full = queueFull(td) || (ret === FIO_Q_BUSY && td.curDepth > 0);
    if (full) ret = await waitForCompletions(td);
    if (ret < 0) break;
  }
  if ((td.error as number) === 0 && td.curDepth > 0) await ioUQuiesce(td);
  td.runstate = 'running';
}

/** `__get_io_u()` + `get_next_verify()` for the verify loop. */
function takeForVerify(td: ThreadData): IoU | undefined | 'busy' {
  const io = td.requeues.pop() ?? td.freelist.pop();
  if (io === undefined) return 'busy';
  if (io.file === undefined) {
    io.flags = 0;
    io.error = 0;
    io.resid = 0;
    const p = td.ioHist.next();
    if (p === undefined) {
      td.freelist.push(io);
      return td.curDepth > 0 ? 'busy' : undefined;
    }
    io.offset = p.offset;
    io.verifyOffset = p.offset;
    io.buflen = p.len;
    io.numberio = p.numberio;
    io.file = p.file;
    io.flags |= IO_U_F_VER_LIST;
    io.ddir = DDIR_READ;
    io.acctDdir = DDIR_READ;
    io.xferBuf = io.buf;
    io.xferBuflen = io.buflen;
    if (td.o.verifyPattern.length === 0) io.randSeed = td.verifyState.nextSeed();
  }
  td.curDepth++;
  io.flags |= 8;
  return io;
}

/** Models `update_runtime()` (backend.c). */
function updateRuntime(td: ThreadData, ddir: number): void {
  const rt = td.ts.runtime;
  const before = td.elapsedUs[ddir] ?? 0;
  const after = before + Math.trunc((td.sched.now() - td.start) / 1000);
  td.elapsedUs[ddir] = after;
  rt[ddir] = (rt[ddir] ?? 0) - Math.trunc((before + 999) / 1000) + Math.trunc((after + 999) / 1000);
}

/** `td->terminate`, read afresh after a wait (another process may have set it meanwhile). */
function terminating(td: ThreadData): boolean {
  return td.terminate;
}

/** Whether fio was told to stop (SIGINT), read afresh after a wait. */
function stopRequested(run: { readonly terminated: boolean }): boolean {
  return run.terminated;
}

/** `td->error || td->terminate`: the job must stop. */
function stopped(td: ThreadData): boolean {
  return td.error !== 0 || td.terminate;
}

/** Models `keep_running()` (backend.c). */
function keepRunning(td: ThreadData, loopsLeft: { n: number }): boolean {
  if (td.done || td.terminate) return false;
  if (td.o.timeBased) return true;
  if (loopsLeft.n > 0) {
    loopsLeft.n--;
    return true;
  }
  if (exceedsNumberIos(td)) return false;
  const ioSize = td.o.ioSize !== undefined && 'bytes' in td.o.ioSize ? td.o.ioSize.bytes : 0;
  const limit = ioSize !== 0 ? ioSize : td.setSize;
  const done = (td.ioBytes[0] as number) + (td.ioBytes[1] as number) + (td.ioBytes[2] as number);
  if (limit !== -1 && done < limit) {
    const diff = limit - done;
    if (diff < Math.max(td.o.maxBs[0], td.o.maxBs[1], td.o.maxBs[2])) return false;
    if (td.files.every((f) => f.done) && ioSize === 0) return false;
    return true;
  }
  return false;
}

/** Models `clear_io_state()` (libfio.c) between loops. */
async function clearIoState(td: ThreadData): Promise<void> {
  td.lastWasSync = false;
  td.rwmixIssues = 0;
  if (td.o.timeBased || td.loops > 1 || td.o.doVerify) td.nrDoneFiles = 0;
  await closeFiles(td);
  const { getStartOffset } = await import('./filesetup.js');
  for (const f of td.files) {
    f.done = false;
    f.fileOffset = getStartOffset(td, f);
    f.reset();
  }
  if (td.o.randRepeatable) td.fillRandSeeds(() => 0n, true);
}

/**
 * Models `thread_main()` (backend.c): sets the job up in its process, runs its passes (with verify), and
 * tears it down.
 * @param td - the job
 * @param host - the machine
 * @param hooks - output
 */
export async function threadMain(td: ThreadData, host: FioHost, hooks: RunHooks, parentLayout: boolean): Promise<void> {
  const o = td.o;
  const proc = host.spawn(o.name);
  td.proc = proc;
  td.ts.pid = proc.pid;
  const eng = td.engine as IoEngineOps;
  const malloc = new ProcessMalloc(proc.sys);
  try {
    const ie = eng.init === undefined ? 0 : await eng.init(td);
    if (ie !== 0) {
      if (td.error === 0) td.verror2(ie, `io engine ${eng.name} init failed`);
      return;
    }
    if (tdIoengineFlagged(td, FIO_SYNCIO) && o.iodepth > 1) {
      hooks.log('note: both iodepth >= 1 and synchronous I/O engine are selected, queue depth will be capped at 1\n');
    }
    // init_io_u()
    td.ioUAll = Array.from({ length: o.iodepth }, (_v, i) => new IoU(i));
    td.freelist = [...td.ioUAll];
    td.events = new Array<IoU>(o.iodepth);
    const mem = await initIoUBuffers(td, malloc, (t) => {
      for (const io of t.ioUAll) fillIoBuffer(t, io, t.o.minBs[1], Math.max(t.o.maxBs[0], t.o.maxBs[1], t.o.maxBs[2]));
    });
    if (mem !== 0) return;
    if (eng.postInit !== undefined) {
      const r = await eng.postInit(td);
      if (r !== 0) return;
    }
    if (!parentLayout) {
      const e = await setupFiles(td, proc, malloc, (l) => {
        hooks.log(l);
      });
      if (e !== 0) return;
    }
    if (
      (await rateSubmitInit(td, ioQueueEvent, (l) => {
        hooks.log(l);
      })) !== 0
    )
      return;
    initRandomMap(td);
    td.ioHist = new IoHistory(tdRandom(o) && !o.norandommap);
    td.doVerifyFlag = o.verify !== 'none';
    td.verBacklog = o.verify !== 'none' && o.verifyBacklog !== 0;
    td.verifyEndIo = (io) => verifyIoU(td, io);
    if (o.randomDistribution !== 'random') td.distribution = makeDistribution(td);
    const now = host.scheduler.now();
    td.epoch = now;
    td.start = now;
    td.bwSampleTime = now;
    td.iopsSampleTime = now;
    td.ss.prevTime = now;
    td.compTime = now;
    initThinktime(td);
    if (o.rateMin[0] !== 0 || o.rateMin[1] !== 0 || o.rateMin[2] !== 0) td.lastRateCheckTime.fill(now);
    const loopsLeft = { n: o.loops };
    let clearState = false;
    const bytesDone = [0, 0, 0];
    while (keepRunning(td, loopsLeft)) {
      td.start = host.scheduler.now();
      if (clearState) {
        await clearIoState(td);
        if (o.unlinkEachLoop) for (const f of td.files) if (f.filetype === 'file') await proc.sys.unlink(f.fileName);
      }
      if (!(o.verifyOnly && tdWrite(o))) {
        td.ioHist.clear();
        await doIo(td, bytesDone, (l) => {
          hooks.log(l);
        });
        if ((bytesDone[0] as number) + (bytesDone[1] as number) + (bytesDone[2] as number) === 0) td.terminate = true;
      } else {
        throw new FioError(
          'fio: verify_only with a write workload (a dry run) is not supported by stackemu',
          'verify_only',
        );
      }
      clearState = true;
      if (tdRead(o) && td.ioBytes[DDIR_READ] !== 0) updateRuntime(td, DDIR_READ);
      if (tdWrite(o) && td.ioBytes[DDIR_WRITE] !== 0) updateRuntime(td, DDIR_WRITE);
      if (tdTrim(o) && td.ioBytes[DDIR_TRIM] !== 0) updateRuntime(td, DDIR_TRIM);
      td.start = host.scheduler.now();
      if (stopped(td)) break;
      if (!o.doVerify || o.verify === 'none') continue;
      await doVerify(td);
      updateRuntime(td, DDIR_READ);
      td.start = host.scheduler.now();
      if (stopped(td)) break;
    }
  } finally {
    td.runstate = 'finishing';
    td.ts.totalRunTime = Math.trunc((host.scheduler.now() - td.epoch) / 1e6);
    for (let d = 0; d < 3; d++) td.ts.ioBytes[d] = td.ioBytes[d] as number;
    tdWriteoutLogs(td, true, (f) => hooks.writeLog?.(f));
    await rateSubmitExit(td).catch(() => undefined);
    await closeFiles(td).catch(() => undefined);
    if (eng.cleanup !== undefined) await eng.cleanup(td).catch(() => undefined);
    if (o.unlink) for (const f of td.files) if (f.filetype === 'file') await proc.sys.unlink(f.fileName);
    if (td.ioMem !== undefined && td.ioMem.fd >= 0) await proc.sys.close(td.ioMem.fd);
    await proc.exit();
    td.runstate = 'exited';
    if (td.error !== 0) hooks.log(`fio: pid=${proc.pid}, err=${td.error}/${td.verror}\n`);
  }
}

/** The job header fio prints when it adds a job (`add_job()`, normal output). */
export function jobHeader(job: FioJob, engineName: string): string {
  const o = job.o;
  if (job.subjobNumber !== 0) return '';
  const i2p = (o.kbBase & (o.kbBase - 1)) === 0;
  const n = (v: number): string => num2str(v, o.sigFigs, 1, i2p, 'byte');
  const bs = o.bsIsSeqRand
    ? `bs=(R) ${n(o.minBs[0])}-${n(o.maxBs[0])}, (W) ${n(o.minBs[1])}-${n(o.maxBs[1])}, bs_is_seq_rand, `
    : `bs=(R) ${n(o.minBs[0])}-${n(o.maxBs[0])}, (W) ${n(o.minBs[1])}-${n(o.maxBs[1])}, (T) ${n(o.minBs[2])}-${n(o.maxBs[2])}, `;
  return `${o.name}: (g=${job.groupid}): rw=${ddirStr(o.tdDdir)}, ${bs}ioengine=${engineName}, iodepth=${o.iodepth}\n`;
}

/**
 * Models `run_threads()` (backend.c): lays out the files of every job first (create_serialize, in fio's
 * main process), then starts jobs in order — a job with `stonewall` waits for all earlier jobs, a job with
 * `startdelay` waits that long from the start — and waits for all.
 * @param host - the machine
 * @param list - the jobs
 * @param hooks - output
 * @returns the finished jobs, in thread order
 */
export async function runThreads(host: FioHost, list: FioJobList, hooks: RunHooks): Promise<ThreadData[]> {
  const tds: ThreadData[] = [];
  for (const job of list.jobs) {
    const td = new ThreadData(job, host.scheduler);
    td.log = (l) => {
      hooks.log(l);
    };
    td.logErr = (l) => {
      hooks.logErr(l);
    };
    td.engine = loadIoengine(job.o.ioengine, job.o.iodepth);
    // offload workers are iodepth threads each submitting one io_u, whatever the engine
    if (tdIoengineFlagged(td, FIO_SYNCIO) && td.o.ioSubmitMode !== 'offload') td.o.iodepth = 1;
    td.ts.latencyDepth = td.o.iodepth;
    td.latencyQd = td.o.iodepth;
    td.fillRandSeeds(
      () => BigInt(host.rng.nextU32()) * 0x100000000n + BigInt(host.rng.nextU32()),
      td.o.randRepeatSeeded,
    );
    // add_job(): rates, logs, steady state
    setupRate(td);
    setupLogs(td);
    tdSteadystateInit(td);
    tds.push(td);
  }
  hooks.started?.(tds);
  const helper = new HelperThread(host.scheduler, tds);
  const nrThread = tds.filter((t) => t.o.useThread).length;
  const nrProcess = tds.length - nrThread;
  const parts: string[] = [];
  if (nrThread > 0) parts.push(`${nrThread} thread${nrThread > 1 ? 's' : ''}`);
  if (nrProcess > 0) parts.push(`${nrProcess} process${nrProcess > 1 ? 'es' : ''}`);
  hooks.log(`Starting ${parts.join(' and ')}\n`);
  let stopHandle: TimerHandle | undefined;
  const genesis = host.scheduler.now();
  const run = { terminated: false };
  if (hooks.stopAtNs !== undefined) {
    // fio_terminate_threads(TERMINATE_ALL) from the SIGINT handler: running jobs stop after their in-flight
    // I/O, a layout in progress stops, jobs not started yet never start.
    const stop = host.scheduler.schedule(hooks.stopAtNs, () => {
      run.terminated = true;
      for (const td of tds) td.terminate = true;
      hooks.log('fio: terminating on signal 2\n');
    });
    stopHandle = stop;
  }
  let parent: FioProcess | undefined;
  const parentMalloc = (): ProcessMalloc => new ProcessMalloc((parent as FioProcess).sys);
  let pm: ProcessMalloc | undefined;
  for (const td of tds) {
    if (!td.o.createSerialize || run.terminated) continue;
    parent ??= host.spawn('fio');
    pm ??= parentMalloc();
    const e = await setupFiles(td, parent, pm, (l) => {
      hooks.log(l);
    });
    if (e !== 0) {
      td.runstate = 'exited';
      if (td.error === 0) td.verror2(e, 'setup_files');
      hooks.logErr(`fio: pid=0, err=${td.error}/${td.verror}\n`);
    }
  }
  let running: Promise<void>[] = [];
  for (const td of tds) {
    if (td.runstate === 'exited' || run.terminated) continue;
    if (td.o.stonewall && running.length > 0) {
      await Promise.all(running);
      running = [];
      // a job that was waiting for the stonewall never starts once fio was told to stop
      if (stopRequested(run)) continue;
    }
    const start = async (): Promise<void> => {
      const wait = genesis + td.o.startDelay * 1000 - host.scheduler.now();
      if (wait > 0) await host.scheduler.sleep(wait);
      if (td.o.createSerialize) await threadMain(td, host, hooks, true);
      else await threadMain(td, host, hooks, false);
      if (td.o.exitall) for (const other of tds) if (other.job.groupid === td.job.groupid) other.terminate = true;
    };
    running.push(start());
  }
  await Promise.all(running);
  helper.stop();
  // helper_thread_main() at exit: fio_writeout_logs(false), the averaged bandwidth and IOPS logs
  for (const td of tds) tdWriteoutLogs(td, false, (f) => hooks.writeLog?.(f));
  if (stopHandle !== undefined) host.scheduler.cancel(stopHandle);
  if (parent !== undefined) await parent.exit();
  return tds;
}
