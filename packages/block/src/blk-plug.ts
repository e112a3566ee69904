/**
 * Plugging (`struct blk_plug`, block/blk-core.c): a task batches requests and issues them together.
 * @packageDocumentation
 */
import type { Request } from './blk-mq-types.js';

/**
 * Models `struct blk_plug` (include/linux/blkdev.h): requests a task built while plugged, issued at
 * `blk_finish_plug()` (or when the plug fills).
 */
export interface BlkPlug {
  /** `mq_list`: requests waiting for the unplug, in submission order. */
  readonly mqList: Request[];
  /** `multiple_queues`: requests for more than one queue are on the list. */
  multipleQueues: boolean;
  /** `has_elevator`. */
  hasElevator: boolean;
}

/** Models `BLK_MAX_REQUEST_COUNT` (block/blk-mq.h): a plug flushes itself beyond this many requests. */
export const BLK_MAX_REQUEST_COUNT = 32;
/** Models `BLK_PLUG_FLUSH_SIZE` (block/blk-mq.h): ... or when its last request reaches 128 KiB. */
export const BLK_PLUG_FLUSH_SIZE = 128 * 1024;
