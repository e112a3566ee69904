/**
 * The multi-queue block layer (block/blk-mq.c, block/blk-flush.c, block/blk-timeout.c): tag sets, queues,
 * disks, the `none` scheduler's submission path, dispatch, completion, timeouts and the flush sequence.
 * @packageDocumentation
 */
import { EINVAL, Errno } from '@stackemu/core';
import type { BlockLayer } from './block-layer.js';
import {
  BLK_STS_AGAIN,
  BLK_STS_DEV_RESOURCE,
  BLK_STS_OK,
  BLK_STS_RESOURCE,
  BLK_STS_IOERR,
  Bio,
  REQ_FAILFAST_MASK,
  REQ_DRV,
  REQ_FUA,
  REQ_NOWAIT,
  REQ_OP_DISCARD,
  REQ_OP_FLUSH,
  REQ_OP_MASK,
  REQ_OP_SECURE_ERASE,
  REQ_PREFLUSH,
  REQ_RAHEAD,
  SECTOR_SHIFT,
  opIsFlush,
} from './blk-types.js';
import { blkStatusToErrno, blkStatusToStr } from './blk-status.js';
import {
  BLK_FEAT_FUA,
  BLK_FEAT_IO_STAT,
  BLK_FEAT_NOWAIT,
  BLK_FEAT_WRITE_CACHE,
  STAT_DISCARD,
  STAT_FLUSH,
  diskStatsZero,
  type BlockDevice,
  type Gendisk,
  type QueueLimits,
  RequestQueue,
} from './blkdev.js';
import { BlkMqTags, BLK_MQ_NO_TAG } from './blk-mq-tag.js';
import {
  BLK_DEFAULT_TIMEOUT_NS,
  BLK_EH_RESET_TIMER,
  BLK_MQ_MAX_DEPTH,
  BLK_MQ_RESOURCE_DELAY_NS,
  MQ_RQ_COMPLETE,
  MQ_RQ_IDLE,
  MQ_RQ_IN_FLIGHT,
  RQ_END_IO_FREE,
  RQ_END_IO_NONE,
  RQF_FLUSH_SEQ,
  RQF_QUIET,
  RQF_STARTED,
  Request,
  BlkMqHwCtx,
  type BlkMqTagSet,
  type IoCompBatch,
} from './blk-mq-types.js';
import { BLK_MAX_REQUEST_COUNT, BLK_PLUG_FLUSH_SIZE, type BlkPlug } from './blk-plug.js';
import { blkValidateLimits, queueLimitsZero } from './blk-settings.js';
import { bioAdvance, bioEndio } from './bio.js';
import { submitBioNoacct } from './blk-core.js';
import { bioEntry, bioMayNeedSplit, bioSplitToLimits, blkAttemptBioMerge } from './blk-merge.js';
import { blkFillRwbs } from './trace/block.js';
import type { SizeRef } from './uio.js';

function hctxOf(q: RequestQueue, cpu: number): BlkMqHwCtx {
  const set = q.tagSet;
  const map = set.mqMap as number[];
  const hw = map[cpu % map.length] ?? 0;
  return q.queueHwCtx[hw] as BlkMqHwCtx;
}

// ---- tag sets, queues, disks ------------------------------------------------------------------------

/**
 * Models `blk_mq_map_queues()` (block/blk-mq-cpumap.c): spread CPUs evenly over the hardware queues, in
 * contiguous groups (what `group_cpus_evenly()` gives on one NUMA node).
 * @param set - the tag set (`mqMap` is filled)
 * @param nrCpus - CPUs to map
 */
export function blkMqMapQueues(set: BlkMqTagSet, nrCpus: number): void {
  const map: number[] = [];
  for (let cpu = 0; cpu < nrCpus; cpu++) map.push(Math.floor((cpu * set.nrHwQueues) / nrCpus));
  set.mqMap = map;
}

/**
 * Models `blk_mq_alloc_tag_set()` (block/blk-mq.c): validate the set, map CPUs to hardware queues and
 * preallocate one request per tag per hardware queue (calling `initRequest` for each).
 * @param blk - the machine's block layer
 * @param set - the driver's tag set
 * @returns 0, or `-EINVAL` (no `queueRq`/`complete`, zero depth or queues), `-ENOMEM`, or the first
 * error of `initRequest`
 * @remarks Like the kernel, a depth above `BLK_MQ_MAX_DEPTH` is clamped and more hardware queues than
 * CPUs are reduced to the CPU count.
 */
export function blkMqAllocTagSet(blk: BlockLayer, set: BlkMqTagSet): number {
  if (set.nrHwQueues <= 0 || set.queueDepth <= 0) return -EINVAL;
  if ((set.reservedTags ?? 0) >= set.queueDepth) return -EINVAL;
  if (typeof set.ops.queueRq !== 'function' || typeof set.ops.complete !== 'function') return -EINVAL;
  if (set.queueDepth > BLK_MQ_MAX_DEPTH) set.queueDepth = BLK_MQ_MAX_DEPTH;
  if (set.nrHwQueues > blk.nrCpus) set.nrHwQueues = blk.nrCpus;
  set.blk = blk;
  if (set.ops.mapQueues !== undefined) set.ops.mapQueues(set);
  else blkMqMapQueues(set, blk.nrCpus);
  const map = set.mqMap;
  if (map === undefined || map.length === 0 || map.some((h) => h < 0 || h >= set.nrHwQueues)) return -EINVAL;
  const tags: BlkMqTags[] = [];
  for (let h = 0; h < set.nrHwQueues; h++) {
    const t = new BlkMqTags(set.queueDepth, set.reservedTags ?? 0);
    for (let tag = 0; tag < set.queueDepth; tag++) {
      const rq = new Request(tag);
      if (set.ops.initRequest !== undefined) {
        const r = set.ops.initRequest(set, rq, h, set.numaNode ?? 0);
        if (r < 0) return r;
      }
      t.staticRqs.push(rq);
    }
    tags.push(t);
  }
  set.tags = tags;
  return 0;
}

/**
 * Models `blk_mq_free_tag_set()` (block/blk-mq.c): `exitRequest` for every request, then drop the tags.
 * @param set - the tag set
 */
export function blkMqFreeTagSet(set: BlkMqTagSet): void {
  const tags = set.tags ?? [];
  tags.forEach((t, h) => {
    if (set.ops.exitRequest !== undefined) for (const rq of t.staticRqs) set.ops.exitRequest(set, rq, h);
  });
  delete set.tags;
}

/**
 * Models `blk_mq_alloc_queue()` (block/blk-mq.c): a request queue on a tag set, with one hardware context
 * per hardware queue (`initHctx` called for each).
 * @param set - an allocated tag set
 * @param lim - limits (partial; defaults filled by `blk_validate_limits()`), or undefined for defaults
 * @param queuedata - the driver's pointer
 * @returns the queue, or a negative errno (`-EINVAL` for invalid limits or an unallocated set, or the
 * error of `initHctx`)
 */
export function blkMqAllocQueue(
  set: BlkMqTagSet,
  lim?: Partial<QueueLimits>,
  queuedata?: unknown,
): RequestQueue | number {
  const blk = set.blk;
  const tags = set.tags;
  if (blk === undefined || tags === undefined) return -EINVAL;
  const limits: QueueLimits = { ...queueLimitsZero(), ...lim };
  limits.features |= BLK_FEAT_IO_STAT | BLK_FEAT_NOWAIT;
  const r = blkValidateLimits(limits);
  if (r < 0) return r;
  const q = new RequestQueue(blk, set, limits);
  q.queuedata = queuedata;
  for (let h = 0; h < set.nrHwQueues; h++) {
    const hctx = new BlkMqHwCtx(h, q, tags[h] as BlkMqTags);
    (set.mqMap as number[]).forEach((hw, cpu) => {
      if (hw === h) hctx.cpumask.push(cpu);
    });
    if (set.ops.initRequest !== undefined) {
      const rr = set.ops.initRequest(set, hctx.flushRq, h, set.numaNode ?? 0);
      if (rr < 0) return rr;
    }
    if (set.ops.initHctx !== undefined) {
      const rr = set.ops.initHctx(hctx, set.driverData, h);
      if (rr < 0) return rr;
    }
    q.queueHwCtx.push(hctx);
  }
  return q;
}

/**
 * Models `blk_mq_init_queue()` (block/blk-mq.c): {@link blkMqAllocQueue} with default limits.
 * @param set - an allocated tag set
 * @returns the queue or a negative errno
 */
export function blkMqInitQueue(set: BlkMqTagSet): RequestQueue | number {
  return blkMqAllocQueue(set);
}

/**
 * Models `blk_mq_destroy_queue()` (block/blk-mq.c): `exitHctx` for every hardware context.
 * @param q - the queue
 */
export function blkMqDestroyQueue(q: RequestQueue): void {
  const qq = q;
  if (qq.timer !== undefined) {
    q.blk.scheduler.cancel(qq.timer);
    qq.timer = undefined;
  }
  qq.queueHwCtx.forEach((h, i) => q.mqOps.exitHctx?.(h, i));
}

/**
 * Models `blk_mq_alloc_disk()` (include/linux/blk-mq.h): a queue plus a disk around it, not yet added
 * (name it, set its capacity, then `BlockDeviceRegistry.addDisk`).
 * @param set - an allocated tag set
 * @param lim - queue limits (partial), or undefined
 * @param queuedata - the driver's pointer
 * @returns the disk, or a negative errno from {@link blkMqAllocQueue}
 */
export function blkMqAllocDisk(set: BlkMqTagSet, lim?: Partial<QueueLimits>, queuedata?: unknown): Gendisk | number {
  const q = blkMqAllocQueue(set, lim, queuedata);
  if (typeof q === 'number') return q;
  const blk = q.blk;
  const disk: Gendisk = {
    diskName: '',
    major: 0,
    firstMinor: 0,
    minors: 1,
    fops: undefined,
    queue: q,
    privateData: undefined,
    part0: undefined as unknown as BlockDevice,
    live: false,
    stats: diskStatsZero(),
    blk,
  };
  const part0: BlockDevice = {
    bdStartSect: 0,
    bdNrSectors: 0,
    bdDisk: disk,
    bdQueue: q,
    bdDev: 0,
    bdPartno: 0,
    bdReadOnly: false,
  };
  (disk as { part0: BlockDevice }).part0 = part0;
  q.disk = disk;
  return disk;
}

/**
 * Models `queue_limits_commit_update()` (block/blk-settings.c): replace a queue's limits after validation.
 * @param q - the queue
 * @param lim - new limits (partial: unset fields take the defaults)
 * @returns 0 or `-EINVAL`
 */
export function queueLimitsSet(q: RequestQueue, lim: Partial<QueueLimits>): number {
  const limits: QueueLimits = { ...queueLimitsZero(), ...lim };
  const r = blkValidateLimits(limits);
  if (r < 0) return r;
  q.limits = limits;
  return 0;
}

// ---- plugging --------------------------------------------------------------------------------------

/**
 * Models `blk_start_plug()` (block/blk-core.c): from now on the task's requests gather on `plug`.
 * @param blk - the machine's block layer (the task's `current`)
 * @param plug - a fresh plug (use {@link blkPlugInit}); nested plugs are ignored as in the kernel
 */
export function blkStartPlug(blk: BlockLayer, plug: BlkPlug): void {
  if (blk.plug !== undefined) return;
  plug.mqList.length = 0;
  plug.multipleQueues = false;
  plug.hasElevator = false;
  blk.plug = plug;
}

/**
 * A new, empty `struct blk_plug`.
 * @returns the plug
 */
export function blkPlugInit(): BlkPlug {
  return { mqList: [], multipleQueues: false, hasElevator: false };
}

/**
 * Models `blk_finish_plug()` (block/blk-core.c): issue what gathered and stop plugging.
 * @param blk - the machine's block layer
 * @param plug - the plug passed to {@link blkStartPlug}
 */
export function blkFinishPlug(blk: BlockLayer, plug: BlkPlug): void {
  if (blk.plug !== plug) return;
  blkFlushPlug(blk, plug, false);
  blk.plug = undefined;
}

/**
 * Models `blk_flush_plug()` / `blk_mq_flush_plug_list()` (block/blk-mq.c): issue the plugged requests,
 * directly to the driver in order, with `bd.last` on the last one (one doorbell per batch).
 * @param blk - the machine's block layer
 * @param plug - the plug
 * @param fromSchedule - true when the task is about to sleep
 */
export function blkFlushPlug(blk: BlockLayer, plug: BlkPlug, fromSchedule: boolean): void {
  const list = plug.mqList;
  if (list.length === 0) return;
  if (blk.trace.unplug.observed) blk.trace.unplug.emit({ nrRq: list.length, explicit: !fromSchedule });
  const rqs = list.splice(0);
  plug.multipleQueues = false;
  let hctx: BlkMqHwCtx | undefined;
  let queued = 0;
  for (let i = 0; i < rqs.length; i++) {
    const rq = rqs[i] as Request;
    const last = i === rqs.length - 1;
    const h = rq.mqHctx;
    if (hctx !== h) {
      if (hctx !== undefined) commitRqs(hctx, queued);
      queued = 0;
      hctx = h;
    }
    if (h.stopped || h.queue.quiesced || h.dispatch.length > 0) {
      insertDispatch(h, rq, false);
      runHwQueue(h, true);
      continue;
    }
    const ret = issueDirectly(h, rq, last);
    if (ret === BLK_STS_OK) {
      if (!last) queued++;
      else queued = 0;
    } else if (ret === BLK_STS_RESOURCE || ret === BLK_STS_DEV_RESOURCE) {
      insertDispatch(h, rq, true);
      for (let j = i + 1; j < rqs.length; j++) {
        const r = rqs[j] as Request;
        insertDispatch(r.mqHctx, r, false);
      }
      commitRqs(h, queued);
      markRestart(h, ret);
      return;
    }
  }
  if (hctx !== undefined) commitRqs(hctx, queued);
}

function commitRqs(hctx: BlkMqHwCtx, queued: number): void {
  if (queued > 0) hctx.queue.mqOps.commitRqs?.(hctx);
}

function addRqToPlug(blk: BlockLayer, plug: BlkPlug, rq: Request): void {
  const list = plug.mqList;
  const last = list[list.length - 1];
  const max = plug.multipleQueues ? BLK_MAX_REQUEST_COUNT * 2 : BLK_MAX_REQUEST_COUNT;
  if (list.length >= max || (last !== undefined && last.dataLen >= BLK_PLUG_FLUSH_SIZE)) {
    blkFlushPlug(blk, plug, false);
  }
  const tail = list[list.length - 1];
  if (tail === undefined) {
    if (blk.trace.plug.observed) blk.trace.plug.emit({ dev: rq.q.disk?.diskName ?? '' });
  } else if (tail.q !== rq.q) plug.multipleQueues = true;
  list.push(rq);
}

/**
 * Models `blk_attempt_plug_merge()` (block/blk-merge.c): merge the bio into the last plugged request of
 * its queue.
 * @param blk - the machine's block layer
 * @param q - the bio's queue
 * @param bio - the bio
 * @param nrSegs - its segments
 * @returns true if merged
 */
export function blkAttemptPlugMerge(blk: BlockLayer, q: RequestQueue, bio: Bio, nrSegs: number): boolean {
  const plug = blk.plug;
  if (plug === undefined || plug.mqList.length === 0) return false;
  const list = plug.mqList;
  const last = list[list.length - 1] as Request;
  if (last.q === q) return blkAttemptBioMerge(q, last, bio, nrSegs);
  if (!plug.multipleQueues) return false;
  for (const rq of list) {
    if (rq.q !== q) continue;
    return blkAttemptBioMerge(q, rq, bio, nrSegs);
  }
  return false;
}

// ---- submission ------------------------------------------------------------------------------------

const segsRef: SizeRef = { value: 0 };

function rqEntry(rq: Request): {
  dev: string;
  sector: number;
  nrSector: number;
  bytes: number;
  rwbs: string;
  tag: number;
  hwq: number;
} {
  return {
    dev: rq.q.disk?.diskName ?? '',
    sector: rq.sector,
    nrSector: rq.dataLen >>> SECTOR_SHIFT,
    bytes: rq.dataLen,
    rwbs: blkFillRwbs(rq.cmdFlags),
    tag: rq.tag,
    hwq: rq.mqHctx.queueNum,
  };
}

function statGroup(opf: number): number {
  const op = opf & REQ_OP_MASK;
  if (op === REQ_OP_DISCARD || op === REQ_OP_SECURE_ERASE) return STAT_DISCARD;
  if (op === REQ_OP_FLUSH) return STAT_FLUSH;
  return opf & 1;
}

function accountStart(q: RequestQueue, rq: Request): void {
  const d = q.disk;
  if (d === undefined) return;
  const s = d.stats;
  const dir = rq.cmdFlags & 1;
  if ((s.inFlight[0] as number) + (s.inFlight[1] as number) === 0) s.busySinceNs = q.blk.scheduler.now();
  s.inFlight[dir] = (s.inFlight[dir] as number) + 1;
}

function accountDone(q: RequestQueue, rq: Request, now: number): void {
  const d = q.disk;
  if (d === undefined) return;
  const s = d.stats;
  const g = statGroup(rq.cmdFlags);
  s.ios[g] = (s.ios[g] as number) + 1;
  s.nsecs[g] = (s.nsecs[g] as number) + (now - rq.startTimeNs);
  const dir = rq.cmdFlags & 1;
  s.inFlight[dir] = (s.inFlight[dir] as number) - 1;
  if ((s.inFlight[0] as number) + (s.inFlight[1] as number) === 0) s.ioTicksNs += now - s.busySinceNs;
}

function initRequest(q: RequestQueue, hctx: BlkMqHwCtx, rq: Request, opf: number): void {
  rq.q = q;
  rq.mqHctx = hctx;
  rq.mqCtx = q.blk.cpu;
  rq.cmdFlags = opf;
  rq.rqFlags = 0;
  rq.state = MQ_RQ_IDLE;
  rq.startTimeNs = q.blk.scheduler.now();
  rq.ioStartTimeNs = 0;
  rq.timeout = q.tagSet.timeout ?? BLK_DEFAULT_TIMEOUT_NS;
  rq.deadline = 0;
  rq.endIo = undefined;
  rq.endIoData = undefined;
  rq.bio = undefined;
  rq.biotail = undefined;
  rq.sector = 0;
  rq.dataLen = 0;
  rq.nrPhysSegments = 0;
  rq.rqNext = undefined;
  rq.flushPolicy = 0;
  rq.flushOrig = undefined;
  hctx.tags.rqs[rq.tag] = rq;
}

function bioToRequest(rq: Request, bio: Bio, nrSegs: number): void {
  if ((bio.biOpf & REQ_RAHEAD) !== 0) rq.cmdFlags |= REQ_FAILFAST_MASK;
  rq.sector = bio.biIter.biSector;
  rq.dataLen = bio.biIter.biSize;
  rq.nrPhysSegments = nrSegs;
  rq.bio = bio;
  rq.biotail = bio;
  bio.biNext = undefined;
  accountStart(rq.q, rq);
}

/**
 * Models `blk_mq_submit_bio()` (block/blk-mq.c) with the `none` scheduler: fail a bio whose size or
 * position is not a multiple of the logical block size (`bio_unaligned()`: `BLK_STS_IOERR`), split to
 * limits, try a plug merge, get a request (waiting for a tag if none is free, failing a `REQ_NOWAIT` bio with
 * `BLK_STS_AGAIN`), then plug it or issue it directly to the driver.
 * @param bio - a bio with a device (called by `submit_bio_noacct()` after its checks)
 */
export function blkMqSubmitBio(bio: Bio): void {
  const bdev = bio.biBdev as BlockDevice;
  const q = bdev.bdQueue;
  const blk = q.blk;
  // bio_unaligned(): size and position must be multiples of the logical block size.
  const bsMask = q.limits.logicalBlockSize - 1;
  if ((bio.biIter.biSize & bsMask) !== 0 || ((bio.biIter.biSector * 512) & bsMask) !== 0) {
    bio.biStatus = BLK_STS_IOERR;
    bioEndio(bio);
    return;
  }
  let nrSegs = 1;
  if (bioMayNeedSplit(bio, q.limits)) {
    segsRef.value = 0;
    const b = bioSplitToLimits(bio, q.limits, segsRef, submitBioNoacct);
    if (b === undefined) return;
    bio = b;
    nrSegs = segsRef.value;
  }
  if (blkAttemptPlugMerge(blk, q, bio, nrSegs)) return;
  const hctx = hctxOf(q, blk.cpu);
  const tag = hctx.tags.getTag();
  if (tag !== BLK_MQ_NO_TAG) {
    startRequestFor(q, hctx, tag, bio, nrSegs, blk.plug);
    return;
  }
  if ((bio.biOpf & REQ_NOWAIT) !== 0) {
    bio.biStatus = BLK_STS_AGAIN;
    bioEndio(bio);
    return;
  }
  // blk_mq_get_tag() sleeps: io_schedule() flushes the plug first.
  if (blk.plug !== undefined) blkFlushPlug(blk, blk.plug, true);
  const b = bio;
  const segs = nrSegs;
  hctx.tags.waitTag((t) => {
    startRequestFor(q, hctx, t, b, segs, undefined);
  });
}

function startRequestFor(
  q: RequestQueue,
  hctx: BlkMqHwCtx,
  tag: number,
  bio: Bio,
  nrSegs: number,
  plug: BlkPlug | undefined,
): void {
  const blk = q.blk;
  const rq = hctx.tags.staticRqs[tag] as Request;
  initRequest(q, hctx, rq, bio.biOpf);
  if (blk.trace.getrq.observed) blk.trace.getrq.emit(bioEntry(bio));
  bioToRequest(rq, bio, nrSegs);
  if (opIsFlush(bio.biOpf) && blkInsertFlush(rq)) return;
  if (plug !== undefined) {
    addRqToPlug(blk, plug, rq);
    return;
  }
  tryIssueDirectly(hctx, rq);
}

// ---- dispatch --------------------------------------------------------------------------------------

function issueDirectly(hctx: BlkMqHwCtx, rq: Request, last: boolean): number {
  const bd = hctx.bd;
  bd.rq = rq;
  bd.last = last;
  const ret = hctx.queue.mqOps.queueRq(hctx, bd);
  if (ret === BLK_STS_OK) {
    hctx.dispatchBusy = false;
    return ret;
  }
  if (ret === BLK_STS_RESOURCE || ret === BLK_STS_DEV_RESOURCE) {
    hctx.dispatchBusy = true;
    if (rq.state !== MQ_RQ_IDLE) {
      rq.state = MQ_RQ_IDLE;
      rq.rqFlags &= ~RQF_STARTED;
    }
    const blk = hctx.queue.blk;
    if (blk.trace.rqRequeue.observed) blk.trace.rqRequeue.emit(rqEntry(rq));
    return ret;
  }
  blkMqEndRequest(rq, ret);
  return ret;
}

function insertDispatch(hctx: BlkMqHwCtx, rq: Request, atHead: boolean): void {
  const blk = hctx.queue.blk;
  if (blk.trace.rqInsert.observed) blk.trace.rqInsert.emit(rqEntry(rq));
  if (atHead) hctx.dispatch.unshift(rq);
  else hctx.dispatch.push(rq);
}

function markRestart(hctx: BlkMqHwCtx, ret: number): void {
  hctx.restart = true;
  if (ret === BLK_STS_RESOURCE) {
    hctx.queue.blk.scheduler.schedule(BLK_MQ_RESOURCE_DELAY_NS, runHwQueueFn, hctx);
  }
}

function tryIssueDirectly(hctx: BlkMqHwCtx, rq: Request): void {
  if (hctx.stopped || hctx.queue.quiesced || hctx.dispatch.length > 0) {
    insertDispatch(hctx, rq, false);
    runHwQueue(hctx, true);
    return;
  }
  const ret = issueDirectly(hctx, rq, true);
  if (ret === BLK_STS_RESOURCE || ret === BLK_STS_DEV_RESOURCE) {
    insertDispatch(hctx, rq, true);
    markRestart(hctx, ret);
  }
}

/** `blk_mq_dispatch_rq_list()` over `hctx->dispatch`. */
function dispatchRqList(hctx: BlkMqHwCtx): void {
  if (hctx.stopped || hctx.queue.quiesced) return;
  const list = hctx.dispatch;
  let queued = 0;
  let ret = BLK_STS_OK;
  let stoppedEarly = false;
  while (list.length > 0) {
    const rq = list.shift() as Request;
    const last = list.length === 0;
    ret = issueDirectly(hctx, rq, last);
    if (ret === BLK_STS_RESOURCE || ret === BLK_STS_DEV_RESOURCE) {
      list.unshift(rq);
      stoppedEarly = true;
      break;
    }
    if (ret === BLK_STS_OK) queued++;
  }
  if (stoppedEarly) {
    commitRqs(hctx, queued);
    markRestart(hctx, ret);
  }
}

function runHwQueueFn(hctx: BlkMqHwCtx): void {
  hctx.runScheduled = false;
  dispatchRqList(hctx);
}

/**
 * Models `blk_mq_run_hw_queue()` (block/blk-mq.c): dispatch what waits on the hardware queue.
 * @param hctx - the hardware context
 * @param async - run from a scheduled event (kblockd) instead of now
 */
export function blkMqRunHwQueue(hctx: BlkMqHwCtx, async: boolean): void {
  runHwQueue(hctx, async);
}

function runHwQueue(hctx: BlkMqHwCtx, async: boolean): void {
  if (hctx.dispatch.length === 0) return;
  if (!async) {
    dispatchRqList(hctx);
    return;
  }
  if (hctx.runScheduled) return;
  hctx.runScheduled = true;
  hctx.queue.blk.scheduler.schedule(0, runHwQueueFn, hctx);
}

/**
 * Models `blk_mq_run_hw_queues()` (block/blk-mq.c).
 * @param q - the queue
 * @param async - run from a scheduled event
 */
export function blkMqRunHwQueues(q: RequestQueue, async: boolean): void {
  for (const h of q.queueHwCtx) runHwQueue(h, async);
}

/**
 * Models `blk_mq_stop_hw_queue()` (block/blk-mq.c): no dispatch until restarted.
 * @param hctx - the hardware context
 */
export function blkMqStopHwQueue(hctx: BlkMqHwCtx): void {
  hctx.stopped = true;
}

/**
 * Models `blk_mq_start_stopped_hw_queue()` (block/blk-mq.c).
 * @param hctx - the hardware context
 * @param async - run from a scheduled event
 */
export function blkMqStartStoppedHwQueue(hctx: BlkMqHwCtx, async: boolean): void {
  if (!hctx.stopped) return;
  hctx.stopped = false;
  runHwQueue(hctx, async);
}

/**
 * Models `blk_mq_quiesce_queue()` (block/blk-mq.c): stop dispatching on every hardware queue.
 * @param q - the queue
 */
export function blkMqQuiesceQueue(q: RequestQueue): void {
  q.quiesced = true;
}

/**
 * Models `blk_mq_unquiesce_queue()` (block/blk-mq.c): resume dispatching.
 * @param q - the queue
 */
export function blkMqUnquiesceQueue(q: RequestQueue): void {
  q.quiesced = false;
  blkMqRunHwQueues(q, true);
}

/**
 * Models `blk_mq_requeue_request()` (block/blk-mq.c): give a started request back to be issued again.
 * @param rq - the request
 * @param kickRequeueList - dispatch the requeue list now
 */
export function blkMqRequeueRequest(rq: Request, kickRequeueList: boolean): void {
  rq.state = MQ_RQ_IDLE;
  rq.rqFlags &= ~RQF_STARTED;
  const blk = rq.q.blk;
  if (blk.trace.rqRequeue.observed) blk.trace.rqRequeue.emit(rqEntry(rq));
  rq.q.requeueList.push(rq);
  if (kickRequeueList) blkMqKickRequeueList(rq.q);
}

/**
 * Models `blk_mq_kick_requeue_list()` (block/blk-mq.c): move requeued requests to their dispatch lists and
 * run the queues (from a scheduled event).
 * @param q - the queue
 */
export function blkMqKickRequeueList(q: RequestQueue): void {
  const list = q.requeueList.splice(0);
  for (const rq of list) insertDispatch(rq.mqHctx, rq, false);
  blkMqRunHwQueues(q, true);
}

// ---- driver side: start, complete, end -------------------------------------------------------------

/** The driver's `timeout` op may have completed the request: read its state afresh. */
function inFlight(rq: Request): boolean {
  return rq.state === MQ_RQ_IN_FLIGHT;
}

function timeoutWork(q: RequestQueue): void {
  q.timer = undefined;
  const now = q.blk.scheduler.now();
  let next = Infinity;
  const ops = q.mqOps;
  for (const h of q.queueHwCtx) {
    for (const rq of h.tags.rqs) {
      if (rq === undefined || rq.q !== q || rq.state !== MQ_RQ_IN_FLIGHT) continue;
      if (rq.deadline <= now && ops.timeout !== undefined) {
        const r = ops.timeout(rq);
        if (r === BLK_EH_RESET_TIMER && inFlight(rq)) rq.deadline = now + rq.timeout;
      }
      if (inFlight(rq) && rq.deadline < next) next = rq.deadline;
    }
  }
  if (next !== Infinity) q.timer = q.blk.scheduler.scheduleAt(Math.max(next, now), timeoutWork, q);
}

/**
 * Models `blk_mq_start_request()` (block/blk-mq.c): the driver took the request (`block_rq_issue`); its
 * timeout starts.
 * @param rq - the request
 */
export function blkMqStartRequest(rq: Request): void {
  const q = rq.q;
  const blk = q.blk;
  const now = blk.scheduler.now();
  rq.ioStartTimeNs = now;
  rq.state = MQ_RQ_IN_FLIGHT;
  rq.rqFlags |= RQF_STARTED;
  if (blk.trace.rqIssue.observed) blk.trace.rqIssue.emit(rqEntry(rq));
  if (q.mqOps.timeout !== undefined) {
    rq.deadline = now + rq.timeout;
    if (q.timer === undefined) q.timer = blk.scheduler.schedule(rq.timeout, timeoutWork, q);
  }
}

/**
 * Models `blk_mq_complete_request()` (block/blk-mq.c): the driver's interrupt handler saw the request
 * finish; blk-mq calls the driver's `complete` op, which normally ends it.
 * @param rq - the request
 */
export function blkMqCompleteRequest(rq: Request): void {
  rq.state = MQ_RQ_COMPLETE;
  rq.q.mqOps.complete(rq);
}

function reqBioEndio(rq: Request, bio: Bio, nbytes: number, error: number): void {
  if (error !== BLK_STS_OK) bio.biStatus = error;
  bioAdvance(bio, nbytes);
  if (bio.biIter.biSize === 0 && (rq.rqFlags & RQF_FLUSH_SEQ) === 0) bioEndio(bio);
}

/**
 * Models `blk_update_request()` (block/blk-mq.c): complete `nrBytes` of the request; bios fully covered
 * end (with `error` as their status if set).
 * @param rq - the request
 * @param error - `BLK_STS_*` for these bytes
 * @param nrBytes - bytes done
 * @returns true if the request still has bytes left, false if it is done
 */
export function blkUpdateRequest(rq: Request, error: number, nrBytes: number): boolean {
  const blk = rq.q.blk;
  const tp = blk.trace.rqComplete;
  if (tp.observed) {
    tp.emit({
      dev: rq.q.disk?.diskName ?? '',
      sector: rq.sector,
      nrSector: nrBytes >>> SECTOR_SHIFT,
      error: blkStatusToErrno(error),
      rwbs: blkFillRwbs(rq.cmdFlags),
      tag: rq.tag,
    });
  }
  if (error !== BLK_STS_OK && (rq.rqFlags & RQF_QUIET) === 0) {
    if (blk.trace.rqError.observed) {
      blk.trace.rqError.emit({
        dev: rq.q.disk?.diskName ?? '',
        sector: rq.sector,
        nrSector: nrBytes >>> SECTOR_SHIFT,
        error: blkStatusToErrno(error),
        rwbs: blkFillRwbs(rq.cmdFlags),
        tag: rq.tag,
      });
    }
    if (blk.log.isLevelEnabled('info')) {
      blk.log.info(
        `${blkStatusToStr(error)} error, dev ${rq.q.disk?.diskName ?? '?'}, sector ${rq.sector} op 0x${(rq.cmdFlags & REQ_OP_MASK).toString(16)}`,
      );
    }
  }
  const d = rq.q.disk;
  if (d !== undefined && rq.bio !== undefined) {
    const g = statGroup(rq.cmdFlags);
    d.stats.sectors[g] = (d.stats.sectors[g] as number) + (nrBytes >>> SECTOR_SHIFT);
  }
  if (rq.bio === undefined) return false;
  let total = 0;
  while (rq.bio !== undefined) {
    const bio: Bio = rq.bio;
    const bioBytes = Math.min(bio.biIter.biSize, nrBytes);
    if (bioBytes === bio.biIter.biSize) rq.bio = bio.biNext;
    reqBioEndio(rq, bio, bioBytes, error);
    total += bioBytes;
    nrBytes -= bioBytes;
    if (nrBytes === 0) break;
  }
  if (rq.bio === undefined) {
    rq.dataLen = 0;
    return false;
  }
  rq.dataLen -= total;
  rq.sector += total >>> SECTOR_SHIFT;
  return true;
}

/**
 * Models `blk_mq_free_request()` (block/blk-mq.c): return the request's tag (waking a waiter) and rerun a
 * queue that asked for a restart.
 * @param rq - the request
 */
export function blkMqFreeRequest(rq: Request): void {
  const hctx = rq.mqHctx;
  const blk = hctx.queue.blk;
  rq.state = MQ_RQ_IDLE;
  rq.bio = undefined;
  rq.biotail = undefined;
  rq.endIo = undefined;
  rq.endIoData = undefined;
  rq.rqFlags = 0;
  const tags = hctx.tags;
  tags.rqs[rq.tag] = undefined;
  const waiter = tags.putTag(rq.tag);
  if (waiter !== undefined) blk.scheduler.schedule(0, waiter, rq.tag);
  if (hctx.restart) {
    hctx.restart = false;
    runHwQueue(hctx, true);
  }
}

/**
 * Models `__blk_mq_end_request()` (block/blk-mq.c): account, run `end_io` if set, free the request.
 * @param rq - the request (its bios already completed)
 * @param error - final status
 */
export function __blkMqEndRequest(rq: Request, error: number): void {
  const q = rq.q;
  if (rq.tag >= 0 && (rq.rqFlags & RQF_FLUSH_SEQ) === 0 && rq.flushOrig === undefined) {
    accountDone(q, rq, q.blk.scheduler.now());
  }
  const fn = rq.endIo;
  if (fn !== undefined) {
    if (fn(rq, error) === RQ_END_IO_FREE) blkMqFreeRequest(rq);
    return;
  }
  blkMqFreeRequest(rq);
}

/**
 * Models `blk_mq_end_request()` (block/blk-mq.c): complete all bytes of the request with `error` and free
 * it. Drivers call this from their `complete` op.
 * @param rq - the request
 * @param error - `BLK_STS_*`
 */
export function blkMqEndRequest(rq: Request, error: number): void {
  if (blkUpdateRequest(rq, error, rq.dataLen)) {
    throw new Errno(EINVAL, 'block: blk_mq_end_request: bytes left after completing all (BUG)');
  }
  __blkMqEndRequest(rq, error);
}

/**
 * Models `blk_mq_tag_to_rq()` (block/blk-mq-tag.c): the request holding a tag.
 * @param hctx - the hardware context
 * @param tag - the tag
 * @returns the request, or undefined if the tag is free
 */
export function blkMqTagToRq(hctx: BlkMqHwCtx, tag: number): Request | undefined {
  return hctx.tags.rqs[tag];
}

/**
 * Models `bio_poll()` (block/blk-core.c): ask the driver to reap completions of a polled queue.
 * @param q - the queue
 * @param hwq - the hardware queue to poll
 * @returns completions found (0 if the driver has no `poll`)
 */
export function blkMqPoll(q: RequestQueue, hwq: number): number {
  const h = q.queueHwCtx[hwq];
  if (h === undefined) return 0;
  const iob: IoCompBatch = { reqList: [] };
  return q.mqOps.poll?.(h, iob) ?? 0;
}

// ---- passthrough requests --------------------------------------------------------------------------

/**
 * Models `blk_mq_alloc_request()` (block/blk-mq.c): a request for passthrough (`REQ_OP_DRV_IN/OUT`) or
 * internal commands, waiting for a tag if needed.
 * @param q - the queue
 * @param opf - `REQ_OP_*` | `REQ_*`
 * @param nowait - `BLK_MQ_REQ_NOWAIT`: fail with `-EWOULDBLOCK` (`-EAGAIN`) instead of waiting
 * @returns the request, or `-EAGAIN`
 */
export function blkMqAllocRequest(q: RequestQueue, opf: number, nowait = false): Promise<Request | number> {
  const blk = q.blk;
  const hctx = hctxOf(q, blk.cpu);
  const tag = hctx.tags.getTag();
  const make = (t: number): Request => {
    const rq = hctx.tags.staticRqs[t] as Request;
    initRequest(q, hctx, rq, opf);
    return rq;
  };
  if (tag !== BLK_MQ_NO_TAG) return Promise.resolve(make(tag));
  if (nowait) return Promise.resolve(-11);
  const d = blk.scheduler.defer<Request | number>();
  hctx.tags.waitTag((t) => {
    d.resolve(make(t));
  });
  return d.promise;
}

/**
 * Models `blk_execute_rq_nowait()` (block/blk-mq.c): issue a passthrough request; `rq.endIo` runs at
 * completion.
 * @param rq - the request (bios appended with `blkRqAppendBio`)
 * @param atHead - insert at the head of the dispatch list
 */
export function blkExecuteRqNowait(rq: Request, atHead: boolean): void {
  const hctx = rq.mqHctx;
  if (atHead) {
    insertDispatch(hctx, rq, true);
    runHwQueue(hctx, false);
    return;
  }
  tryIssueDirectly(hctx, rq);
}

/**
 * Models `blk_execute_rq()` (block/blk-mq.c): issue a passthrough request and wait for it.
 * @param rq - the request
 * @param atHead - insert at the head
 * @returns the `BLK_STS_*` it completed with (the request is then freed)
 */
export function blkExecuteRq(rq: Request, atHead: boolean): Promise<number> {
  const d = rq.q.blk.scheduler.defer<number>();
  rq.endIo = (_r, error) => {
    d.resolve(error);
    return RQ_END_IO_FREE;
  };
  blkExecuteRqNowait(rq, atHead);
  return d.promise;
}

// ---- the flush state machine (block/blk-flush.c) ---------------------------------------------------

const REQ_FSEQ_PREFLUSH = 1 << 0;
const REQ_FSEQ_DATA = 1 << 1;
const REQ_FSEQ_POSTFLUSH = 1 << 2;

/**
 * `blk_insert_flush()`: a request with PREFLUSH/FUA. On a device without a write cache the flags are
 * dropped; an empty flush becomes a `REQ_OP_FLUSH` request; data with PREFLUSH (or FUA on a device
 * without FUA) runs a sequence: flush → data → flush, the flushes borrowing the data request's tag.
 * @returns true if the request was taken over
 */
function blkInsertFlush(rq: Request): boolean {
  const q = rq.q;
  const feat = q.limits.features;
  let policy = 0;
  if (rq.dataLen > 0) policy |= REQ_FSEQ_DATA;
  if ((feat & BLK_FEAT_WRITE_CACHE) !== 0) {
    if ((rq.cmdFlags & REQ_PREFLUSH) !== 0) policy |= REQ_FSEQ_PREFLUSH;
    if ((feat & BLK_FEAT_FUA) === 0 && (rq.cmdFlags & REQ_FUA) !== 0) policy |= REQ_FSEQ_POSTFLUSH;
  }
  rq.cmdFlags &= ~REQ_PREFLUSH;
  if ((feat & BLK_FEAT_FUA) === 0) rq.cmdFlags &= ~REQ_FUA;
  if (policy === 0) {
    blkMqEndRequest(rq, BLK_STS_OK);
    return true;
  }
  if (policy === REQ_FSEQ_DATA) return false;
  if (policy === REQ_FSEQ_PREFLUSH) {
    rq.cmdFlags = (rq.cmdFlags & ~REQ_OP_MASK) | REQ_OP_FLUSH;
    return false;
  }
  rq.rqFlags |= RQF_FLUSH_SEQ;
  rq.flushPolicy = policy;
  flushStep(rq);
  return true;
}

function flushStep(rq: Request): void {
  const hctx = rq.mqHctx;
  if ((rq.flushPolicy & REQ_FSEQ_PREFLUSH) !== 0) {
    rq.flushPolicy &= ~REQ_FSEQ_PREFLUSH;
    issueFlushFor(hctx, rq);
    return;
  }
  if ((rq.flushPolicy & REQ_FSEQ_DATA) !== 0) {
    rq.flushPolicy &= ~REQ_FSEQ_DATA;
    rq.endIo = flushDataEndIo;
    tryIssueDirectly(hctx, rq);
    return;
  }
  if ((rq.flushPolicy & REQ_FSEQ_POSTFLUSH) !== 0) {
    rq.flushPolicy &= ~REQ_FSEQ_POSTFLUSH;
    issueFlushFor(hctx, rq);
    return;
  }
  flushFinish(rq, BLK_STS_OK);
}

function flushFinish(rq: Request, error: number): void {
  rq.rqFlags &= ~RQF_FLUSH_SEQ;
  rq.endIo = undefined;
  rq.flushPolicy = 0;
  rq.bio = rq.biotail;
  rq.dataLen = 0;
  blkMqEndRequest(rq, error);
}

function flushDataEndIo(rq: Request, error: number): number {
  rq.state = MQ_RQ_IDLE;
  if (error !== BLK_STS_OK) flushFinish(rq, error);
  else flushStep(rq);
  return RQ_END_IO_NONE;
}

function issueFlushFor(hctx: BlkMqHwCtx, orig: Request): void {
  const fr = hctx.flushRq;
  if (fr.flushOrig !== undefined) {
    hctx.flushPending.push(() => {
      issueFlushFor(hctx, orig);
    });
    return;
  }
  fr.q = hctx.queue;
  fr.mqHctx = hctx;
  fr.tag = orig.tag;
  fr.cmdFlags = REQ_OP_FLUSH | REQ_PREFLUSH | (orig.cmdFlags & (REQ_DRV | REQ_FAILFAST_MASK));
  fr.rqFlags = RQF_FLUSH_SEQ;
  fr.state = MQ_RQ_IDLE;
  fr.bio = undefined;
  fr.biotail = undefined;
  fr.sector = 0;
  fr.dataLen = 0;
  fr.nrPhysSegments = 0;
  fr.startTimeNs = hctx.queue.blk.scheduler.now();
  fr.timeout = orig.timeout;
  fr.flushOrig = orig;
  fr.endIo = flushRqEndIo;
  hctx.tags.rqs[orig.tag] = fr;
  tryIssueDirectly(hctx, fr);
}

function flushRqEndIo(fr: Request, error: number): number {
  const hctx = fr.mqHctx;
  const orig = fr.flushOrig as Request;
  fr.flushOrig = undefined;
  fr.state = MQ_RQ_IDLE;
  fr.endIo = undefined;
  hctx.tags.rqs[orig.tag] = orig;
  const d = hctx.queue.disk;
  if (d !== undefined) d.stats.ios[STAT_FLUSH] = (d.stats.ios[STAT_FLUSH] as number) + 1;
  if (error !== BLK_STS_OK) flushFinish(orig, error);
  else flushStep(orig);
  const next = hctx.flushPending.shift();
  if (next !== undefined) next();
  return RQ_END_IO_NONE;
}
