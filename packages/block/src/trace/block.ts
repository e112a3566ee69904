/**
 * Block tracepoints (include/trace/events/block.h): typed snapshot entries, event classes sharing types.
 * @packageDocumentation
 */
import { tracepoint, type TopicDescriptor } from '@stackemu/core';
import {
  REQ_ATOMIC,
  REQ_FUA,
  REQ_META,
  REQ_OP_DISCARD,
  REQ_OP_FLUSH,
  REQ_OP_MASK,
  REQ_OP_READ,
  REQ_OP_SECURE_ERASE,
  REQ_OP_WRITE,
  REQ_OP_WRITE_ZEROES,
  REQ_OP_ZONE_APPEND,
  REQ_PREFLUSH,
  REQ_RAHEAD,
  REQ_SYNC,
} from '../blk-types.js';

/**
 * Models `blk_fill_rwbs()` (kernel/trace/blktrace.c): the `rwbs` letters of an operation.
 * @param opf - `bi_opf` or `cmd_flags`
 * @returns e.g. `"WS"` for a sync write, `"R"` for a read, `"FWFS"` for a preflush FUA sync write
 */
export function blkFillRwbs(opf: number): string {
  let s = '';
  if ((opf & REQ_PREFLUSH) !== 0) s += 'F';
  switch (opf & REQ_OP_MASK) {
    case REQ_OP_WRITE:
    case REQ_OP_WRITE_ZEROES:
      s += 'W';
      break;
    case REQ_OP_DISCARD:
      s += 'D';
      break;
    case REQ_OP_SECURE_ERASE:
      s += 'DE';
      break;
    case REQ_OP_FLUSH:
      s += 'F';
      break;
    case REQ_OP_READ:
      s += 'R';
      break;
    case REQ_OP_ZONE_APPEND:
      s += 'ZA';
      break;
    default:
      s += 'N';
  }
  if ((opf & REQ_FUA) !== 0) s += 'F';
  if ((opf & REQ_RAHEAD) !== 0) s += 'A';
  if ((opf & REQ_SYNC) !== 0) s += 'S';
  if ((opf & REQ_META) !== 0) s += 'M';
  if ((opf & REQ_ATOMIC) !== 0) s += 'U';
  return s;
}

/** Models the `block_bio` event class (include/trace/events/block.h). */
export interface BlockBioEntry {
  /** Disk name (`nvme0n1`); the kernel prints major,minor. */
  readonly dev: string;
  /** Start sector. */
  readonly sector: number;
  /** Length in sectors. */
  readonly nrSector: number;
  /** Operation letters (see {@link blkFillRwbs}). */
  readonly rwbs: string;
}

/** Models the `block_bio_complete` event (include/trace/events/block.h). */
export interface BlockBioCompleteEntry extends BlockBioEntry {
  /** Negative errno of the bio's status, 0 on success. */
  readonly error: number;
}

/** Models the `block_rq` event class (include/trace/events/block.h). */
export interface BlockRqEntry {
  /** Disk name. */
  readonly dev: string;
  /** Start sector. */
  readonly sector: number;
  /** Length in sectors. */
  readonly nrSector: number;
  /** Length in bytes. */
  readonly bytes: number;
  /** Operation letters. */
  readonly rwbs: string;
  /** Driver tag (stackemu addition: lets traces pair issue and completion). */
  readonly tag: number;
  /** Hardware queue index (stackemu addition). */
  readonly hwq: number;
}

/** Models the `block_rq_completion` event class (include/trace/events/block.h). */
export interface BlockRqCompletionEntry {
  /** Disk name. */
  readonly dev: string;
  /** Start sector. */
  readonly sector: number;
  /** Sectors completed by this call. */
  readonly nrSector: number;
  /** Negative errno of the status, 0 on success. */
  readonly error: number;
  /** Operation letters. */
  readonly rwbs: string;
  /** Driver tag (stackemu addition). */
  readonly tag: number;
}

/** Models the `block_split` event (include/trace/events/block.h). */
export interface BlockSplitEntry {
  /** Disk name. */
  readonly dev: string;
  /** Start sector of the part split off (the front). */
  readonly sector: number;
  /** Start sector of the remainder. */
  readonly newSector: number;
  /** Operation letters. */
  readonly rwbs: string;
}

/** Models the `block_plug` event (include/trace/events/block.h). */
export interface BlockPlugEntry {
  /** Disk name of the request that started the plug list. */
  readonly dev: string;
}

/** Models the `block_unplug` event (include/trace/events/block.h). */
export interface BlockUnplugEntry {
  /** Requests flushed from the plug. */
  readonly nrRq: number;
  /** True for `blk_finish_plug()`, false for a flush on schedule. */
  readonly explicit: boolean;
}

/**
 * The RFC's patch-3 assertion fired: a non-user-backed iterator reached a key direct-I/O path
 * (`WARN_ON_ONCE(!iter_is_iovec(iter))`). A stackemu tracepoint (the kernel prints a WARN splat).
 */
export interface DioWWarnEntry {
  /** The kernel function that asserted (`__bio_iov_iter_get_pages`, `dio_refill_pages`). */
  readonly site: string;
  /** The iterator's `ITER_*` type. */
  readonly iterType: number;
}

/** Models tracepoint `block:block_bio_queue`: a bio entered `submit_bio()`. */
export const blockBioQueue = tracepoint<BlockBioEntry>('block', 'block_bio_queue');
/** Models tracepoint `block:block_bio_complete`: a bio traced for completion ended. */
export const blockBioComplete = tracepoint<BlockBioCompleteEntry>('block', 'block_bio_complete');
/** Models tracepoint `block:block_bio_backmerge`: a bio was merged at the end of a request. */
export const blockBioBackmerge = tracepoint<BlockBioEntry>('block', 'block_bio_backmerge');
/** Models tracepoint `block:block_bio_frontmerge`: a bio was merged at the start of a request. */
export const blockBioFrontmerge = tracepoint<BlockBioEntry>('block', 'block_bio_frontmerge');
/** Models tracepoint `block:block_getrq`: a request was allocated for a bio. */
export const blockGetrq = tracepoint<BlockBioEntry>('block', 'block_getrq');
/** Models tracepoint `block:block_split`: a bio was split to the queue limits. */
export const blockSplit = tracepoint<BlockSplitEntry>('block', 'block_split');
/** Models tracepoint `block:block_plug`: a request was queued on an empty plug. */
export const blockPlug = tracepoint<BlockPlugEntry>('block', 'block_plug');
/** Models tracepoint `block:block_unplug`: a plug was flushed. */
export const blockUnplug = tracepoint<BlockUnplugEntry>('block', 'block_unplug');
/** Models tracepoint `block:block_rq_insert`: a request was put on a dispatch list. */
export const blockRqInsert = tracepoint<BlockRqEntry>('block', 'block_rq_insert');
/** Models tracepoint `block:block_rq_issue`: the driver started a request (`blk_mq_start_request()`). */
export const blockRqIssue = tracepoint<BlockRqEntry>('block', 'block_rq_issue');
/** Models tracepoint `block:block_rq_requeue`: the driver could not take a request; it goes back. */
export const blockRqRequeue = tracepoint<BlockRqEntry>('block', 'block_rq_requeue');
/** Models tracepoint `block:block_rq_complete`: (part of) a request completed. */
export const blockRqComplete = tracepoint<BlockRqCompletionEntry>('block', 'block_rq_complete');
/** Models tracepoint `block:block_rq_error`: a request completed with an error. */
export const blockRqError = tracepoint<BlockRqCompletionEntry>('block', 'block_rq_error');
/** Stackemu tracepoint `block:dio_w_iter_not_user_backed`: the RFC patch-3 assertion fired. */
export const dioWIterNotUserBacked = tracepoint<DioWWarnEntry>('block', 'dio_w_iter_not_user_backed');

/** Every block tracepoint, for the plugin's `tracepoints` list. */
export const blockTracepoints: readonly TopicDescriptor<unknown>[] = Object.freeze([
  blockBioQueue,
  blockBioComplete,
  blockBioBackmerge,
  blockBioFrontmerge,
  blockGetrq,
  blockSplit,
  blockPlug,
  blockUnplug,
  blockRqInsert,
  blockRqIssue,
  blockRqRequeue,
  blockRqComplete,
  blockRqError,
  dioWIterNotUserBacked,
] as TopicDescriptor<unknown>[]);
