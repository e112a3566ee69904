/**
 * What fio's `io_u.c` does with I/O units: taking and returning them, choosing file, direction, offset and
 * length, filling write buffers, and accounting completions.
 * @packageDocumentation
 */
import { ETIMEDOUT } from '@stackemu/core';
import { FioFile } from './fio-file.js';
import { addHistSample, addLogSample, perUnitLog, type IoLog } from './io-log.js';
import { latTargetFailed } from './lat-target.js';
import { DDIR_INVAL, rateDdir } from './rate.js';
import type { IoStat } from './stat.js';
import { FIO_NOIO, tdIoCommit, tdIoGetevents, type IoEngineOps } from './ioengines.js';
import {
  IO_U_F_BUSY_OK,
  IO_U_F_FLIGHT,
  IO_U_F_FREE,
  IO_U_F_IN_CUR_DEPTH,
  IO_U_F_NO_FILE_PUT,
  IO_U_F_TRIMMED,
  IO_U_F_VER_LIST,
  type IoU,
} from './io-u.js';
import { getStartOffset } from './filesetup.js';
import { IP_F_IN_FLIGHT } from './iolog.js';
import { FRAND32_MAX } from './rand.js';
import { errnoName, type ThreadData } from './thread-data.js';
import {
  DDIR_DATASYNC,
  DDIR_READ,
  DDIR_RWDIR_CNT,
  DDIR_SYNC,
  DDIR_TRIM,
  DDIR_WRITE,
  tdRandom,
  tdRead,
  tdRw,
  tdWrite,
  type DataDir,
  type IoDir,
} from './thread-options.js';
import { fillIoBuffer, getNextVerify, populateVerifyIoU, smallContentScramble } from './verify.js';

/** Models `ramp_time_over()` (time.c): ends the ramp, resetting the statistics, once ramp_time passed. */
export function rampTimeOver(td: ThreadData): boolean {
  if (td.o.rampTime === 0 || td.rampTimeOver) return true;
  if (td.usSinceEpoch() >= td.o.rampTime) {
    td.rampTimeOver = true;
    td.resetAllStats();
    td.runstate = 'ramp';
    return true;
  }
  return false;
}

/** Models `should_account()` (io_u.c). */
function shouldAccount(td: ThreadData): boolean {
  return rampTimeOver(td) && (td.runstate === 'running' || td.runstate === 'verifying');
}

/**
 * Models `io_u_queued()` (io_u.c): the submission latency of an I/O the engine just submitted (an offload
 * worker's go to the job it works for), with its `slat` log entry.
 */
export function ioUQueued(tdIn: ThreadData, io: IoU): void {
  if (!tdIn.o.disableSlat && rampTimeOver(tdIn) && tdIn.o.stats) {
    const td = tdIn.parent ?? tdIn;
    const nsec = io.issueTime - io.startTime;
    if (io.ddir >= DDIR_RWDIR_CNT) return;
    td.ts.addSlatSample(io.ddir, nsec);
    if (td.slatLog !== undefined) addLogSample(td, td.slatLog, nsec, io.ddir, io.xferBuflen, io.offset);
  }
}

/** Models `queue_full()` (io_u.c): no free io_u left, or as many in use as the latency target allows. */
export function queueFull(td: ThreadData): boolean {
  if (td.freelist.length === 0) return true;
  if (td.o.latencyTarget === 0) return false;
  return td.curDepth >= td.latencyQd;
}

/** Models `__get_io_u()` (io_u.c): a requeued io_u first, else a free one unless the queue is full. */
function takeIoU(td: ThreadData): IoU | undefined {
  let io = td.requeues.pop();
  if (io !== undefined) io.resid = 0;
  else {
    if (queueFull(td)) return undefined;
    io = td.freelist.pop();
    if (io === undefined) return undefined;
    io.file = undefined;
    io.buflen = 0;
    io.resid = 0;
    io.endIo = undefined;
  }
  io.flags &= ~(IO_U_F_FREE | IO_U_F_NO_FILE_PUT | IO_U_F_TRIMMED | IO_U_F_VER_LIST);
  io.error = 0;
  io.acctDdir = -1;
  td.curDepth++;
  io.flags |= IO_U_F_IN_CUR_DEPTH;
  io.ipo = undefined;
  return io;
}

/** Models `put_io_u()` (io_u.c); an offload worker puts the io_u back to the job it works for. */
export function putIoU(tdIn: ThreadData, io: IoU): void {
  const td = tdIn.parent ?? tdIn;
  io.file = undefined;
  io.flags |= IO_U_F_FREE;
  if ((io.flags & IO_U_F_IN_CUR_DEPTH) !== 0) {
    td.curDepth--;
    io.flags &= ~IO_U_F_IN_CUR_DEPTH;
  }
  td.freelist.push(io);
}

/** Models `requeue_io_u()` (io_u.c); an offload worker requeues to the job it works for. */
export function requeueIoU(tdIn: ThreadData, io: IoU): void {
  const td = tdIn.parent ?? tdIn;
  const ddir = io.acctDdir === -1 ? io.ddir : io.acctDdir;
  io.flags |= IO_U_F_FREE;
  if ((io.flags & IO_U_F_FLIGHT) !== 0 && ddir < 3) td.ioIssues[ddir] = (td.ioIssues[ddir] as number) - 1;
  io.flags &= ~IO_U_F_FLIGHT;
  if ((io.flags & IO_U_F_IN_CUR_DEPTH) !== 0) {
    td.curDepth--;
    io.flags &= ~IO_U_F_IN_CUR_DEPTH;
  }
  td.requeues.push(io);
}

// ----- offsets ------------------------------------------------------------------------------------------

/** Models `last_block()` (io_u.c). */
function lastBlock(td: ThreadData, f: FioFile, ddir: number): number {
  let maxSize = f.ioSize;
  if (maxSize > f.realFileSize) maxSize = f.realFileSize;
  const minBs = td.o.minBs[ddir] as number;
  const ba = td.o.ba[ddir] as number;
  if (minBs > ba) maxSize -= minBs - ba;
  return Math.max(0, Math.trunc(maxSize / ba));
}

/** Models `__get_next_rand_offset()` (io_u.c) with the random map. @returns the block, or -1 */
function nextRandBlock(td: ThreadData, f: FioFile, lastb: number): number {
  const r = td.randomState.rand32();
  let b = Math.trunc(lastb * (r / (FRAND32_MAX + 1)));
  const map = td.o.norandommap ? undefined : f.axmap;
  if (map === undefined || !map.isset(b)) return b;
  b = map.nextFree(b);
  return b;
}

/** Models `get_next_rand_offset()` for the distributions stackemu models. @returns block or -1 */
function getNextRandOffset(td: ThreadData, f: FioFile, ddir: number): number {
  const lastb = lastBlock(td, f, ddir);
  if (lastb === 0) return -1;
  if (td.o.randomDistribution === 'random') return nextRandBlock(td, f, lastb);
  return td.distribution?.(f, lastb) ?? -1;
}

/** Models `get_next_rand_block()` (io_u.c): a time-based job starts the map over when it is full. */
function getNextRandBlock(td: ThreadData, f: FioFile, ddir: number): number {
  const b = getNextRandOffset(td, f, ddir);
  if (b >= 0) return b;
  if (td.o.timeBased) {
    f.reset();
    return getNextRandOffset(td, f, ddir);
  }
  return -1;
}

/** Models `get_next_seq_offset()` (io_u.c). @returns the offset relative to file_offset, or -1 */
function getNextSeqOffset(td: ThreadData, f: FioFile, ddir: number): number {
  const o = td.o;
  if ((f.lastPos[ddir] as number) >= f.ioSize + getStartOffset(td, f) && o.timeBased && o.nrFiles === 1) {
    f.lastPos[ddir] = f.fileOffset;
  }
  if ((f.lastPos[ddir] as number) < f.realFileSize) {
    if (f.lastPos[ddir] === f.fileOffset && f.fileOffset !== 0 && o.ddirSeqAdd < 0) {
      f.lastPos[ddir] = f.realFileSize > f.ioSize ? f.ioSize : f.realFileSize;
    }
    let pos = (f.lastPos[ddir] as number) - f.fileOffset;
    if (pos !== 0 && o.ddirSeqAdd !== 0) {
      pos += o.ddirSeqAdd;
      if (pos >= f.realFileSize || pos < 0) {
        if (o.ddirSeqAdd > 0) pos = f.fileOffset;
        else {
          pos = f.realFileSize > f.ioSize ? f.ioSize : f.realFileSize;
          pos += o.ddirSeqAdd;
        }
      }
    }
    return pos;
  }
  return -1;
}

/** Models `get_next_block()` (io_u.c). @returns [offset, isRandom] or undefined */
function getNextBlock(td: ThreadData, io: IoU, ddir: number, rwSeqHit: boolean): boolean | undefined {
  const f = io.file as FioFile;
  const o = td.o;
  let b = -1;
  let offset = -1;
  let isRandom = false;
  if (rwSeqHit) {
    if (tdRandom(o)) {
      if (o.percRand[ddir] === 100 || (td.seqRandState[ddir]?.between(1, 100) ?? 1) <= (o.percRand[ddir] as number)) {
        b = getNextRandBlock(td, f, ddir);
        isRandom = true;
        if (b < 0) return undefined;
      } else {
        io.flags |= IO_U_F_BUSY_OK;
        offset = getNextSeqOffset(td, f, ddir);
        if (offset < 0) {
          b = getNextRandBlock(td, f, ddir);
          if (b < 0) return undefined;
        }
      }
    } else {
      offset = getNextSeqOffset(td, f, ddir);
      if (offset < 0) return undefined;
    }
  } else {
    io.flags |= IO_U_F_BUSY_OK;
    if (o.rwSeq === 'sequential') {
      offset = getNextSeqOffset(td, f, ddir);
      if (offset < 0) {
        b = getNextRandBlock(td, f, ddir);
        if (b < 0) return undefined;
      }
    } else {
      const ls = f.lastStart[ddir] as number;
      offset = ls !== -1 ? ls - f.fileOffset : 0;
    }
  }
  io.offset = offset >= 0 ? offset : b * (o.ba[ddir] as number);
  io.verifyOffset = io.offset;
  return isRandom;
}

/** Models `get_next_offset()` (io_u.c). @returns isRandom, or undefined when the file is done */
function getNextOffset(td: ThreadData, io: IoU): boolean | undefined {
  const f = io.file as FioFile;
  const ddir = io.ddir;
  let rwSeqHit = false;
  if (td.o.ddirSeqNr !== 0 && --td.ddirSeqNr === 0) {
    rwSeqHit = true;
    td.ddirSeqNr = td.o.ddirSeqNr;
  }
  const isRandom = getNextBlock(td, io, ddir, rwSeqHit);
  if (isRandom === undefined) return undefined;
  if (io.offset >= f.ioSize) return undefined;
  io.offset += f.fileOffset;
  if (io.offset >= f.realFileSize) return undefined;
  io.verifyOffset = io.offset;
  return isRandom;
}

/** Models `io_u_fits()` (io_u.c). */
function ioUFits(td: ThreadData, io: IoU, buflen: number): boolean {
  const f = io.file as FioFile;
  return io.offset + buflen <= f.ioSize + getStartOffset(td, f);
}

/** Models `get_next_buflen()` (io_u.c). @returns the length, 0 if none fits */
function getNextBuflen(td: ThreadData, io: IoU, isRandom: boolean): number {
  const o = td.o;
  let ddir: number = io.ddir;
  if (o.bsIsSeqRand) ddir = isRandom ? DDIR_WRITE : DDIR_READ;
  const minbs = o.minBs[ddir] as number;
  const maxbs = o.maxBs[ddir] as number;
  if (minbs === maxbs) return minbs;
  if (!ioUFits(td, io, minbs)) return 0;
  const split = o.bssplit[ddir] ?? [];
  const st = td.bsrangeState[ddir];
  let buflen = 0;
  for (let guard = 0; guard < 1_000_000; guard++) {
    const r = st?.rand32() ?? 0;
    if (split.length === 0) {
      buflen = minbs + Math.trunc(maxbs * (r / (FRAND32_MAX + 1)));
    } else {
      let perc = 0;
      for (const bsp of split) {
        if (bsp.perc === 0) continue;
        buflen = bsp.bs;
        perc += bsp.perc;
        if (Math.trunc(r / perc) <= Math.trunc(FRAND32_MAX / 100) && ioUFits(td, io, buflen)) break;
      }
    }
    const pow2 = (minbs & (minbs - 1)) === 0;
    if (!o.bsUnaligned && pow2) buflen -= buflen % minbs;
    else if (!o.bsUnaligned) buflen -= buflen % minbs;
    if (buflen > maxbs) buflen = maxbs;
    if (ioUFits(td, io, buflen)) return buflen;
  }
  return 0;
}

/**
 * Models `get_rw_ddir()` (io_u.c): fsync/fdatasync when due, rwmix, else the job's direction, then
 * `rate_ddir()` for rated jobs.
 * @returns the direction, or {@link DDIR_INVAL} when a rated job ran out of runtime
 */
function getRwDdir(td: ThreadData): IoDir | typeof DDIR_INVAL {
  const o = td.o;
  if (!td.lastWasSync && tdWrite(o)) {
    const w = td.ioIssues[DDIR_WRITE] as number;
    if (o.fsyncBlocks !== 0 && w !== 0 && w % o.fsyncBlocks === 0) return DDIR_SYNC;
    if (o.fdatasyncBlocks !== 0 && w !== 0 && w % o.fdatasyncBlocks === 0) return DDIR_DATASYNC;
  }
  let ddir: number;
  if (tdRw(o)) {
    if ((td.ioIssues[td.rwmixDdir] ?? 0) >= td.rwmixIssues) {
      const v = td.rwmixState.between(1, 100);
      const nd = v <= o.rwmix[DDIR_READ] ? DDIR_READ : DDIR_WRITE;
      if (nd !== td.rwmixDdir) {
        // set_rwmix_bytes()
        const diff = o.rwmix[td.rwmixDdir ^ 1] as number;
        td.rwmixIssues = Math.trunc(((td.ioIssues[td.rwmixDdir] as number) * diff) / 100);
      }
      td.rwmixDdir = nd;
    }
    ddir = td.rwmixDdir;
  } else if (tdRead(o)) ddir = DDIR_READ;
  else if (tdWrite(o)) ddir = DDIR_WRITE;
  else ddir = DDIR_TRIM;
  if (td.checkRate) {
    const r = rateDdir(td, ddir as DataDir);
    if (r === DDIR_INVAL) return DDIR_INVAL;
    ddir = r;
  }
  td.rwmixDdir = ddir;
  return ddir as IoDir;
}

/**
 * Models `set_rw_ddir()` (io_u.c), including trimwrite's alternation.
 * @returns false for `DDIR_INVAL` (a rated job ran out of runtime)
 */
function setRwDdir(td: ThreadData, io: IoU): boolean {
  const got = getRwDdir(td);
  if (got === DDIR_INVAL) return false;
  let ddir: IoDir = got;
  if ((td.o.tdDdir & 10) === 10 && io.file !== undefined) {
    ddir = io.file.lastStart[DDIR_WRITE] === io.file.lastStart[DDIR_TRIM] ? DDIR_TRIM : DDIR_WRITE;
  }
  io.ddir = ddir;
  io.acctDdir = ddir;
  return true;
}

/** Models `fill_io_u()` (io_u.c). @returns true when the file has no more I/O */
function fillIoU(td: ThreadData, io: IoU): boolean {
  if ((td.engine as IoEngineOps).flags & FIO_NOIO) return false;
  if (!setRwDdir(td, io)) return true;
  if (io.ddir >= 3) return false;
  const isRandom = getNextOffset(td, io);
  if (isRandom === undefined) return true;
  io.buflen = getNextBuflen(td, io, isRandom);
  if (io.buflen === 0) return true;
  const f = io.file as FioFile;
  if (io.offset + io.buflen > f.realFileSize) return true;
  if (tdRandom(td.o) && !td.o.norandommap && f.axmap !== undefined && (io.flags & IO_U_F_BUSY_OK) === 0) {
    // mark_random_map()
    const minBs = td.o.minBs[io.ddir as DataDir];
    const block = Math.trunc((io.offset - f.fileOffset) / minBs);
    const nr = Math.ceil(io.buflen / minBs);
    const set = f.axmap.setNr(block, nr);
    if (set * minBs < io.buflen) io.buflen = set * minBs;
  }
  io.verifyOffset = io.offset;
  return false;
}

// ----- files ----------------------------------------------------------------------------------------------

/** A file fio must open (asynchronously) before it can pick an offset in it. */
export class NeedOpen {
  /** @param file - the file to open */
  constructor(readonly file: FioFile) {}
}

type NextFile = FioFile | undefined | 'busy' | NeedOpen;

/** Models `get_next_file_rr()` (io_u.c); a closed file is returned as {@link NeedOpen}, cursor unmoved. */
function getNextFileRr(td: ThreadData): NextFile {
  const old = td.nextFile;
  do {
    const idx = td.nextFile;
    const f = td.files[idx] as FioFile;
    td.nextFile++;
    if (td.nextFile >= td.o.nrFiles) td.nextFile = 0;
    if (f.done) continue;
    if (!f.open) {
      if (td.nrOpenFiles >= td.o.openFiles) return 'busy';
      td.nextFile = idx;
      return new NeedOpen(f);
    }
    return f;
  } while (td.nextFile !== old);
  return undefined;
}

/** Models `get_next_file_rand()` (io_u.c). */
function getNextFileRand(td: ThreadData): NextFile {
  for (let tries = 0; tries < td.files.length * 4 + 8; tries++) {
    const r = td.nextFileState.rand32();
    const fno = Math.trunc(td.o.nrFiles * (r / (FRAND32_MAX + 1)));
    const f = td.files[fno] as FioFile;
    if (f.done) continue;
    if (!f.open) {
      if (td.nrOpenFiles >= td.o.openFiles) return 'busy';
      return new NeedOpen(f);
    }
    return f;
  }
  return getNextFileRr(td);
}

/** Models `__get_next_file()` (io_u.c). */
function getNextFile(td: ThreadData): NextFile {
  if (td.nrDoneFiles >= td.o.nrFiles) return undefined;
  const cur = td.fileServiceFile;
  if (cur !== undefined && cur.open && !cur.done) {
    if (td.o.fileServiceType === 'sequential') return cur;
    if (td.fileServiceLeft > 0) {
      td.fileServiceLeft--;
      return cur;
    }
  }
  const f = td.o.fileServiceType === 'random' ? getNextFileRand(td) : getNextFileRr(td);
  if (!(f instanceof FioFile)) return f;
  td.fileServiceFile = f;
  td.fileServiceLeft = td.fileServiceNr - 1;
  return f;
}

/**
 * Models `set_io_u_file()` (io_u.c). A file with no I/O left is marked done and queued for closing
 * (`td.toClose`, closed by the I/O loop).
 * @returns 0, 'busy', 1 when no file has I/O left, or a file to open first
 */
function setIoUFile(td: ThreadData, io: IoU): 0 | 1 | 'busy' | NeedOpen {
  for (;;) {
    const f = getNextFile(td);
    if (f === 'busy' || f instanceof NeedOpen) return f;
    if (f === undefined) return 1;
    io.file = f;
    if (!fillIoU(td, io)) return 0;
    io.file = undefined;
    td.toClose.push(f);
    f.done = true;
    td.nrDoneFiles++;
  }
}

// ----- get_io_u -------------------------------------------------------------------------------------------

/** Models `check_get_verify()` (io_u.c): with verify_backlog, read back logged writes in batches. */
function checkGetVerify(td: ThreadData, io: IoU): boolean {
  if (!td.verBacklog) return false;
  if (td.ioHist.length > 0) {
    let get = false;
    if (td.verifyBatch > 0) get = true;
    else if (td.ioHist.length % td.o.verifyBacklog === 0 && td.lastDdir !== DDIR_READ) {
      td.verifyBatch = td.o.verifyBatch !== 0 ? td.o.verifyBatch : td.o.verifyBacklog;
      get = true;
    }
    if (get && getNextVerify(td, io)) {
      td.verifyBatch--;
      return true;
    }
  }
  return false;
}

/**
 * Models `get_io_u()` (io_u.c): an io_u with file, direction, offset and length chosen and its write buffer
 * filled, or undefined when the job has no more I/O, 'busy' when it must reap first, or {@link NeedOpen}
 * when a file must be opened first (then call again).
 */
export function getIoU(td: ThreadData): IoU | undefined | 'busy' | NeedOpen {
  td.rateSleepUs = 0;
  const io = takeIoU(td);
  if (io === undefined) return undefined;
  let doScramble = false;
  if (!checkGetVerify(td, io) && io.file === undefined) {
    const r = setIoUFile(td, io);
    if (r !== 0) {
      putIoU(td, io);
      return r === 1 ? undefined : r;
    }
    const f = io.file as FioFile | undefined;
    if (f === undefined) {
      putIoU(td, io);
      return undefined;
    }
    if (io.ddir < 3) {
      if (io.buflen === 0 && ((td.engine as IoEngineOps).flags & FIO_NOIO) === 0) {
        putIoU(td, io);
        return undefined;
      }
      f.lastStart[io.ddir] = io.offset;
      f.lastPos[io.ddir] = io.offset + io.buflen;
      if (io.ddir === DDIR_WRITE) {
        if (td.o.refillBuffers) fillIoBuffer(td, io, td.o.minBs[DDIR_WRITE], io.buflen);
        else if (td.o.scrambleBuffers && !td.doVerifyFlag) doScramble = true;
      } else if (io.ddir === DDIR_READ) io.bufFilledLen = 0;
    }
    io.xferBuf = io.buf;
    io.xferBuflen = io.buflen;
  } else if (io.file !== undefined && io.ddir === DDIR_READ && (io.flags & IO_U_F_VER_LIST) !== 0) {
    io.xferBuf = io.buf;
    io.xferBuflen = io.buflen;
  }
  if (td.rateSleepUs !== 0) {
    // rate_ddir() sleeps here in fio; the I/O loop waits, then finishes the io_u (getIoUDone()).
    td.rateScramble = doScramble;
    return io;
  }
  getIoUDone(td, io, doScramble);
  return io;
}

/** The end of `get_io_u()`: the start time (after any rate wait) and `small_content_scramble()`. */
export function getIoUDone(td: ThreadData, io: IoU, doScramble: boolean): void {
  if (!td.o.disableLat) io.startTime = td.sched.now();
  if (doScramble) smallContentScramble(td, io);
}

// ----- completions ----------------------------------------------------------------------------------------

/**
 * Models `account_io_completion()` (io_u.c): latency samples (and their log entries), the latency target
 * and `max_latency` checks, and the per-I/O bandwidth and IOPS samples of per-I/O logs. An offload worker
 * accounts into the job it works for.
 * @returns an errno for the completion (ETIMEDOUT past `max_latency`), else 0
 */
function accountIoCompletion(tdIn: ThreadData, io: IoU, ddir: number, now: number, bytes: number): number {
  const td = tdIn.parent ?? tdIn;
  const o = td.o;
  if (!o.stats) return 0;
  let error = 0;
  const noReduce = !o.gtodReduce;
  const llnsec = noReduce ? now - io.issueTime : 0;
  if (!o.disableLat) {
    const tnsec = now - io.startTime;
    if (ddir < DDIR_RWDIR_CNT) {
      td.ts.addLatSample(ddir, tnsec);
      if (td.latLog !== undefined) addLogSample(td, td.latLog, tnsec, ddir, bytes, io.offset);
      const max = o.maxLatency[ddir as DataDir];
      if (max !== 0 && tnsec > max) error = latFatal(td);
      if (o.latencyTarget !== 0 && tnsec > o.latencyTarget && latTargetFailed(td)) error = latFatal(td);
    }
  }
  if (ddir < DDIR_RWDIR_CNT) {
    if (!o.disableClat) {
      td.ts.addClatSample(ddir, llnsec);
      if (td.clatLog !== undefined) addLogSample(td, td.clatLog, llnsec, ddir, bytes, io.offset);
      if (td.clatHistLog !== undefined) addHistSample(td, td.clatHistLog, ddir, bytes, io.offset);
      td.ts.markLatency(llnsec);
    }
    if (!o.disableBw && perUnitLog(td.bwLog)) {
      // add_bw_sample(): bytes per the I/O's completion time, as fio computes it (bytes * 10^6 / ns)
      const rate = llnsec !== 0 ? Math.trunc((bytes * 1_000_000) / llnsec) : 0;
      (td.ts.bwStat[ddir] as IoStat).add(rate);
      addLogSample(td, td.bwLog as IoLog, rate, ddir, bytes, io.offset);
      td.statIoBytes[ddir] = td.thisIoBytes[ddir] as number;
    }
    if (noReduce && perUnitLog(td.iopsLog)) {
      (td.ts.iopsStat[ddir] as IoStat).add(1);
      addLogSample(td, td.iopsLog as IoLog, 1, ddir, bytes, io.offset);
      td.statIoBlocks[ddir] = td.thisIoBlocks[ddir] as number;
    }
  } else if (!o.disableClat) td.ts.addSyncClatSample(llnsec);
  return error;
}

/** Models `lat_fatal()` (io_u.c): a latency past `max_latency` (or an unmeetable target) fails the job. */
function latFatal(td: ThreadData): number {
  td.verror2(ETIMEDOUT, 'max latency exceeded');
  return ETIMEDOUT;
}

/**
 * Models `io_completed()` (io_u.c): counts bytes, requeues a short I/O, accounts latencies, runs `end_io`
 * (verify).
 * @returns an errno, 0, or {@link IO_REQUEUED}
 */
export function ioCompleted(td: ThreadData, io: IoU, now: number): number {
  io.flags &= ~(IO_U_F_FLIGHT | IO_U_F_BUSY_OK);
  if (io.ipo !== undefined) {
    if (io.error !== 0) td.ioHist.unlog(io.ipo);
    else io.ipo.flags &= ~IP_F_IN_FLIGHT;
  }
  const ddir = io.ddir;
  if (ddir === DDIR_SYNC || ddir === DDIR_DATASYNC) {
    td.lastWasSync = true;
    if (shouldAccount(td)) accountIoCompletion(td, io, ddir, now, 0);
    return io.error;
  }
  td.lastWasSync = false;
  td.lastDdir = ddir;
  let error = 0;
  if (io.error === 0) {
    const bytes = io.xferBuflen - io.resid;
    if (bytes !== 0 && io.resid !== 0) {
      io.xferBuflen = io.resid;
      io.xferBuf += bytes;
      io.offset += bytes;
      td.ts.shortIoU[ddir] = (td.ts.shortIoU[ddir] as number) + 1;
      if (io.offset < (io.file?.realFileSize ?? 0)) {
        requeueIoU(td, io);
        return IO_REQUEUED;
      }
    }
    td.ioBlocks[ddir] = (td.ioBlocks[ddir] as number) + 1;
    td.ioBytes[ddir] = (td.ioBytes[ddir] as number) + bytes;
    if ((io.flags & IO_U_F_VER_LIST) === 0) {
      td.thisIoBlocks[ddir] = (td.thisIoBlocks[ddir] as number) + 1;
      td.thisIoBytes[ddir] = (td.thisIoBytes[ddir] as number) + bytes;
    }
    if (shouldAccount(td)) {
      const e = accountIoCompletion(td, io, ddir, now, bytes);
      if (e !== 0) error = e;
    }
    td.bytesDone[ddir] = (td.bytesDone[ddir] as number) + bytes;
    if (td.runstate === 'verifying') td.bytesVerified += ddir === DDIR_READ ? bytes : 0;
    if (io.endIo !== undefined) {
      const r = io.endIo(io);
      if (r !== 0) error = r;
    }
  } else {
    error = io.error;
    ioULogError(td, io);
  }
  if (error !== 0 && nonFatal(td, ddir, error)) {
    td.ts.totalErrCount++;
    if (td.ts.firstError === 0) td.ts.firstError = error;
    io.error = 0;
    return 0;
  }
  return error;
}

/** {@link ioCompleted}'s answer for an io_u that went back to the requeue list (short I/O). */
export const IO_REQUEUED = -1;

/** Models `td_non_fatal_error()` for `continue_on_error`. */
function nonFatal(td: ThreadData, ddir: number, err: number): boolean {
  const c = td.o.continueOnError;
  if (c === 'none') return false;
  if (c === 'all') return true;
  if (c === 'verify') return err === 84;
  if (c === 'io') return err !== 84;
  if (c === 'read') return ddir === DDIR_READ && err !== 84;
  return ddir === DDIR_WRITE && err !== 84;
}

/**
 * Models `io_u_sync_complete()` (io_u.c): completion of an I/O the engine finished in `queue`.
 * @returns 0, or -1 on an error (recorded with td_verror)
 */
export function ioUSyncComplete(td: ThreadData, io: IoU): number {
  const c = ioCompleted(td, io, td.sched.now());
  const error = c === IO_REQUEUED ? 0 : c;
  if (c !== IO_REQUEUED) putIoU(td, io);
  if (error !== 0) {
    td.verror2(error, 'io_u_sync_complete');
    return -1;
  }
  return 0;
}

/**
 * Models `io_u_queued_complete()` (io_u.c): reaps at least `minEvts` completions (0 = poll) and completes
 * them.
 * @returns completions, or a negative value on error
 */
export function ioUQueuedComplete(td: ThreadData, minEvtsIn: number): number | Promise<number> {
  let minEvts = minEvtsIn;
  if (minEvts > td.curDepth) minEvts = td.curDepth;
  const ret = tdIoGetevents(td, minEvts, td.o.iodepthBatchCompleteMax);
  if (typeof ret === 'number') return completeEvents(td, ret);
  return ret.then((r) => completeEvents(td, r));
}

/** The completion half of `io_u_queued_complete()`: completes `ret` reaped events. */
function completeEvents(td: ThreadData, ret: number): number {
  if (ret <= 0) {
    if (ret < 0) td.verror2(-ret, 'td_io_getevents');
    return ret;
  }
  const now = td.sched.now();
  let err = 0;
  for (let i = 0; i < ret; i++) {
    const io = td.events[i] as IoU;
    const c = ioCompleted(td, io, now);
    if (c > 0 && err === 0) err = c;
    if (c !== IO_REQUEUED) putIoU(td, io);
  }
  if (err !== 0) {
    td.verror2(err, 'io_u_queued_complete');
    return -1;
  }
  return ret;
}

/** Models `io_u_quiesce()` (io_u.c): commit and complete everything in flight. */
export async function ioUQuiesce(td: ThreadData): Promise<number> {
  if (td.ioUQueued !== 0 || td.curDepth !== 0) {
    const c = tdIoCommit(td);
    if (c !== undefined) await c;
  }
  let completed = 0;
  while (td.ioUInFlight > 0) {
    const r = await ioUQueuedComplete(td, 1);
    if (r > 0) completed += r;
    else if (r < 0) return r;
    else break;
  }
  return completed;
}

/** Models `populate_verify_io_u()` on the write path of `do_io()`. */
export function prepareVerifyWrite(td: ThreadData, io: IoU): void {
  io.numberio = td.ioIssues[DDIR_WRITE] as number;
  populateVerifyIoU(td, io);
}

/** Models `io_ddir_name()` (io_ddir.h). */
function ioDdirName(ddir: number): string {
  return ['read', 'write', 'trim', 'sync', 'datasync', 'sync_file_range', 'wait'][ddir] ?? 'invalid';
}

/**
 * Models `io_u_log_error()` (io_u.c): the `fio: io_u error on file …` line for a fatal error (not one
 * `continue_on_error` covers), and the job's first error as `func=io_u error`.
 * @param td - the job
 * @param io - the failed I/O (`io.error` set)
 */
export function ioULogError(td: ThreadData, io: IoU): void {
  if (nonFatal(td, io.ddir, io.error)) return;
  const where = io.file !== undefined ? ` on file ${io.file.fileName}` : '';
  td.logErr(
    `fio: io_u error${where}: ${errnoName(io.error)}: ${ioDdirName(io.ddir)} offset=${io.offset}, buflen=${io.xferBuflen}\n`,
  );
  td.verror2(io.error, 'io_u error');
}
