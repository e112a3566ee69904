/**
 * blk-mq structures (include/linux/blk-mq.h): `struct request`, `struct blk_mq_ops`, `struct blk_mq_tag_set`,
 * `struct blk_mq_hw_ctx`, `struct blk_mq_queue_data`.
 * @packageDocumentation
 */
import type { BlockLayer } from './block-layer.js';
import type { Bio } from './blk-types.js';
import type { RequestQueue } from './blkdev.js';
import type { BlkMqTags } from './blk-mq-tag.js';
import { REQ_OP_MASK, SECTOR_SHIFT } from './blk-types.js';

/** Models `BLK_MQ_F_TAG_QUEUE_SHARED` (enum, include/linux/blk-mq.h). */
export const BLK_MQ_F_TAG_QUEUE_SHARED = 1 << 1;
/** Models `BLK_MQ_F_STACKING` (include/linux/blk-mq.h). */
export const BLK_MQ_F_STACKING = 1 << 2;
/** Models `BLK_MQ_F_TAG_HCTX_SHARED` (include/linux/blk-mq.h). */
export const BLK_MQ_F_TAG_HCTX_SHARED = 1 << 3;
/** Models `BLK_MQ_F_BLOCKING` (include/linux/blk-mq.h): `queue_rq` may sleep. */
export const BLK_MQ_F_BLOCKING = 1 << 4;
/** Models `BLK_MQ_F_NO_SCHED_BY_DEFAULT` (include/linux/blk-mq.h). */
export const BLK_MQ_F_NO_SCHED_BY_DEFAULT = 1 << 6;
/** Models `BLK_MQ_MAX_DEPTH` (include/linux/blk-mq.h): the largest tag set depth. */
export const BLK_MQ_MAX_DEPTH = 10240;
/** Models `BLK_MQ_RESOURCE_DELAY` (block/blk-mq.h): rerun delay after `BLK_STS_RESOURCE`, 3 ms. */
export const BLK_MQ_RESOURCE_DELAY_NS = 3_000_000;
/** Default request timeout (`BLK_DEFAULT_SG_TIMEOUT`-like 30 s), in ns. */
export const BLK_DEFAULT_TIMEOUT_NS = 30_000_000_000;

/** Models `MQ_RQ_IDLE` (enum mq_rq_state): not started. */
export const MQ_RQ_IDLE = 0;
/** Models `MQ_RQ_IN_FLIGHT` (enum mq_rq_state): started by the driver. */
export const MQ_RQ_IN_FLIGHT = 1;
/** Models `MQ_RQ_COMPLETE` (enum mq_rq_state): completion begun. */
export const MQ_RQ_COMPLETE = 2;

/** Models `RQF_STARTED` (include/linux/blk-mq.h): the driver has started the request. */
export const RQF_STARTED = 1 << 0;
/** Models `RQF_FLUSH_SEQ` (include/linux/blk-mq.h). */
export const RQF_FLUSH_SEQ = 1 << 2;
/** Models `RQF_MIXED_MERGE` (include/linux/blk-mq.h). */
export const RQF_MIXED_MERGE = 1 << 3;
/** Models `RQF_QUIET` (include/linux/blk-mq.h): do not log errors. */
export const RQF_QUIET = 1 << 11;
/** Models `RQF_SPECIAL_PAYLOAD` (include/linux/blk-mq.h). */
export const RQF_SPECIAL_PAYLOAD = 1 << 13;

/** Models `BLK_EH_DONE` (enum blk_eh_timer_return): the driver completed or will complete the request. */
export const BLK_EH_DONE = 0;
/** Models `BLK_EH_RESET_TIMER` (enum blk_eh_timer_return): restart the timer. */
export const BLK_EH_RESET_TIMER = 1;

/** Models `RQ_END_IO_NONE` (enum rq_end_io_ret): the end_io handler keeps the request. */
export const RQ_END_IO_NONE = 0;
/** Models `RQ_END_IO_FREE` (enum rq_end_io_ret): free the request after end_io. */
export const RQ_END_IO_FREE = 1;

/** Models `rq_end_io_fn` (include/linux/blk-mq.h). */
export type RqEndIoFn = (rq: Request, error: number) => number;

/**
 * Models `struct request` (include/linux/blk-mq.h): one I/O handed to a driver, preallocated per tag.
 * @remarks Drivers read it (`tag`, `cmdFlags`, `sector`, `dataLen`, `bio`, `nrPhysSegments`) and keep
 * their per-command state in `pdu` (set up by `initRequest`).
 */
export class Request {
  /** `q` (set when the request is allocated for a queue). */
  q!: RequestQueue;
  /** `mq_hctx` (set when the request is allocated for a queue). */
  mqHctx!: BlkMqHwCtx;
  /** `mq_ctx` as a CPU number. */
  mqCtx = 0;
  /** `cmd_flags`: `REQ_OP_*` | `REQ_*`. */
  cmdFlags = 0;
  /** `rq_flags`: `RQF_*`. */
  rqFlags = 0;
  /** `tag`: the driver tag, index in the hardware queue's tags (-1 when free). */
  tag = -1;
  /** `internal_tag` (scheduler tag; -1 with the `none` scheduler). */
  internalTag = -1;
  /** `__sector`: start sector. */
  sector = 0;
  /** `__data_len`: bytes left. */
  dataLen = 0;
  /** `bio`: first bio. */
  bio: Bio | undefined = undefined;
  /** `biotail`: last bio. */
  biotail: Bio | undefined = undefined;
  /** `nr_phys_segments`. */
  nrPhysSegments = 0;
  /** `state`: `MQ_RQ_*`. */
  state = MQ_RQ_IDLE;
  /** `start_time_ns`. */
  startTimeNs = 0;
  /** `io_start_time_ns`. */
  ioStartTimeNs = 0;
  /** `timeout` in ns. */
  timeout = 0;
  /** `deadline` in ns. */
  deadline = 0;
  /** `end_io` (passthrough). */
  endIo: RqEndIoFn | undefined = undefined;
  /** `end_io_data`. */
  endIoData: unknown = undefined;
  /** `rq_next`: plug and dispatch lists. */
  rqNext: Request | undefined = undefined;
  /** The driver's per-request data (`blk_mq_rq_to_pdu()`). */
  pdu: unknown = undefined;
  /** @internal Flush state machine (`REQ_FSEQ_*` still to do). */
  flushPolicy = 0;
  /** @internal Flush state machine: the request waiting on a borrowed-tag flush. */
  flushOrig: Request | undefined = undefined;

  /** @param tag - the tag (index in the static requests), -1 for a flush request */
  constructor(tag: number) {
    this.tag = tag;
  }
}

/**
 * Models `struct blk_mq_queue_data` (include/linux/blk-mq.h): what `queue_rq` receives.
 */
export interface BlkMqQueueData {
  /** The request. */
  rq: Request;
  /** True if no further request follows in this batch (ring the doorbell now). */
  last: boolean;
}

/** Models `struct io_comp_batch` (include/linux/blkdev.h) for `poll`. */
export interface IoCompBatch {
  /** Requests completed by the poll. */
  readonly reqList: Request[];
}

/**
 * Models `struct blk_mq_ops` (include/linux/blk-mq.h): the driver's ops table.
 * @remarks Only blk-mq calls these, and it supplies the kernel's answer for absent optional members.
 */
export interface BlkMqOps {
  /**
   * `queue_rq`: start one request. Called with `bd.last` false while more follow in a batch.
   * @returns `BLK_STS_OK` once queued, `BLK_STS_RESOURCE`/`BLK_STS_DEV_RESOURCE` to be retried later,
   * any other status to fail the request.
   */
  queueRq(hctx: BlkMqHwCtx, bd: BlkMqQueueData): number;
  /** `commit_rqs` (optional): a batch ended without a `last` request; ring the doorbell. */
  commitRqs?(hctx: BlkMqHwCtx): void;
  /** `complete`: called by `blk_mq_complete_request()`; usually ends the request. */
  complete(rq: Request): void;
  /** `timeout` (optional): a started request exceeded its timeout; returns `BLK_EH_*`. */
  timeout?(rq: Request): number;
  /** `poll` (optional): reap completions for `REQ_POLLED` I/O; returns how many. */
  poll?(hctx: BlkMqHwCtx, iob: IoCompBatch): number;
  /** `init_hctx` (optional): per hardware queue setup; returns 0 or -errno. */
  initHctx?(hctx: BlkMqHwCtx, driverData: unknown, hctxIdx: number): number;
  /** `exit_hctx` (optional). */
  exitHctx?(hctx: BlkMqHwCtx, hctxIdx: number): void;
  /** `init_request` (optional): per preallocated request setup (set `rq.pdu`); returns 0 or -errno. */
  initRequest?(set: BlkMqTagSet, rq: Request, hctxIdx: number, numaNode: number): number;
  /** `exit_request` (optional). */
  exitRequest?(set: BlkMqTagSet, rq: Request, hctxIdx: number): void;
  /** `map_queues` (optional): fill `set.mqMap` (CPU → hardware queue); default spreads CPUs evenly. */
  mapQueues?(set: BlkMqTagSet): void;
}

/**
 * Models `struct blk_mq_tag_set` (include/linux/blk-mq.h): what a driver shares between its queues.
 * @remarks The driver fills `ops`, `nrHwQueues`, `queueDepth`, `flags` (and the optional fields);
 * `blkMqAllocTagSet` fills `tags`, `mqMap` and `blk`.
 */
export interface BlkMqTagSet {
  /** `ops`. */
  ops: BlkMqOps;
  /** `nr_hw_queues`. */
  nrHwQueues: number;
  /** `queue_depth`: tags per hardware queue. */
  queueDepth: number;
  /** `reserved_tags` (optional). */
  reservedTags?: number;
  /** `numa_node` (optional). */
  numaNode?: number;
  /** `cmd_size` (optional): bytes of driver data per request (informational; JS drivers set `rq.pdu`). */
  cmdSize?: number;
  /** `flags`: `BLK_MQ_F_*`. */
  flags: number;
  /** `driver_data` (optional). */
  driverData?: unknown;
  /** `timeout` in ns (optional; default 30 s). */
  timeout?: number;
  /** Filled by `blkMqAllocTagSet`: the tags of each hardware queue. */
  tags?: BlkMqTags[];
  /** Filled by `blkMqAllocTagSet` (`map[HCTX_TYPE_DEFAULT].mq_map`): CPU → hardware queue. */
  mqMap?: number[];
  /** Filled by `blkMqAllocTagSet`: the machine's block layer. */
  blk?: BlockLayer;
}

/**
 * Models `struct blk_mq_hw_ctx` (include/linux/blk-mq.h): one hardware queue of one request queue.
 * @remarks Created by blk-mq when a queue is allocated; drivers read it and keep their state in
 * `driverData` (set by `initHctx`).
 */
export class BlkMqHwCtx {
  /** `driver_data` (set by `initHctx`). */
  driverData: unknown = undefined;
  /** `dispatch`: requests waiting to be (re)issued. */
  readonly dispatch: Request[] = [];
  /** `BLK_MQ_S_STOPPED`. */
  stopped = false;
  /** `dispatch_busy`. */
  dispatchBusy = false;
  /** CPUs mapped to this queue. */
  readonly cpumask: number[] = [];
  /** @internal `BLK_MQ_S_SCHED_RESTART`: rerun when a request completes. */
  restart = false;
  /** @internal A run is scheduled (kblockd work pending). */
  runScheduled = false;
  /** @internal The `blk_mq_queue_data` handed to `queue_rq`, reused. */
  readonly bd: BlkMqQueueData;
  /** @internal `fq->flush_rq`: borrows the tag of the request it flushes for. */
  readonly flushRq: Request;
  /** @internal Requests waiting for `flushRq`. */
  readonly flushPending: (() => void)[] = [];

  /**
   * @param queueNum - `queue_num`
   * @param queue - the request queue
   * @param tags - the tags of this hardware queue
   */
  constructor(
    readonly queueNum: number,
    readonly queue: RequestQueue,
    readonly tags: BlkMqTags,
  ) {
    this.flushRq = new Request(-1);
    this.bd = { rq: this.flushRq, last: true };
  }
}

/**
 * Models `blk_rq_pos()` (include/linux/blkdev.h).
 * @param rq - the request
 * @returns its current start sector
 */
export function blkRqPos(rq: Request): number {
  return rq.sector;
}

/**
 * Models `blk_rq_bytes()` (include/linux/blkdev.h).
 * @param rq - the request
 * @returns bytes left
 */
export function blkRqBytes(rq: Request): number {
  return rq.dataLen;
}

/**
 * Models `blk_rq_sectors()` (include/linux/blkdev.h).
 * @param rq - the request
 * @returns sectors left
 */
export function blkRqSectors(rq: Request): number {
  return rq.dataLen >>> SECTOR_SHIFT;
}

/**
 * Models `req_op()` (include/linux/blk_types.h).
 * @param rq - the request
 * @returns its `REQ_OP_*`
 */
export function reqOp(rq: Request): number {
  return rq.cmdFlags & REQ_OP_MASK;
}

/**
 * Models `rq_data_dir()` (include/linux/blkdev.h).
 * @param rq - the request
 * @returns 1 (WRITE) if data goes to the device, else 0 (READ)
 */
export function rqDataDir(rq: Request): 0 | 1 {
  return (rq.cmdFlags & 1) !== 0 ? 1 : 0;
}

/**
 * Models `blk_mq_rq_to_pdu()` (include/linux/blk-mq.h).
 * @param rq - the request
 * @returns the driver's per-request data (set by its `initRequest`)
 */
export function blkMqRqToPdu(rq: Request): unknown {
  return rq.pdu;
}

/**
 * Models `blk_mq_unique_tag()` (block/blk-mq-tag.c): hardware queue and tag in one number.
 * @param rq - the request
 * @returns `(hwq << 16) | tag`
 */
export function blkMqUniqueTag(rq: Request): number {
  return (rq.mqHctx.queueNum << 16) | (rq.tag & 0xffff);
}
