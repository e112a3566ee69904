/**
 * `@stackemu/block`: the block layer as the Direct-I/O conversion sees it — `iov_iter` (lib/iov_iter.c),
 * bios (block/bio.c), the RFC's `dio_w_*` conversion layer, blk-mq, blk-map passthrough and raw
 * block-device direct I/O (block/fops.c), with the kernel eras (GUP, RFC, upstream) selectable.
 * The direct-I/O conformance kit is at `@stackemu/block/testing`.
 * @packageDocumentation
 */
export * from './uio.js';
export * from './iov-mem.js';
export * from './iov-iter.js';
export * from './iov-iter-import.js';
export {
  iovIterGetPages2,
  iovIterGetPagesAlloc2,
  type GetPagesAllocResult,
  type UserPagesFn,
} from './iov-iter-get-pages.js';
export * from './iov-iter-extract.js';
export * from './blk-types.js';
export * from './blk-status.js';
export * from './block-era.js';
export * from './dio-w.js';
export * from './bio.js';
export * from './blkdev.js';
export * from './blk-settings.js';
export * from './blk-mq-types.js';
export { BlkMqTags, BLK_MQ_NO_TAG } from './blk-mq-tag.js';
export {
  blkMqMapQueues,
  blkMqAllocTagSet,
  blkMqFreeTagSet,
  blkMqAllocQueue,
  blkMqInitQueue,
  blkMqDestroyQueue,
  blkMqAllocDisk,
  queueLimitsSet,
  blkStartPlug,
  blkPlugInit,
  blkFinishPlug,
  blkFlushPlug,
  blkAttemptPlugMerge,
  blkMqSubmitBio,
  blkMqRunHwQueue,
  blkMqRunHwQueues,
  blkMqStopHwQueue,
  blkMqStartStoppedHwQueue,
  blkMqQuiesceQueue,
  blkMqUnquiesceQueue,
  blkMqRequeueRequest,
  blkMqKickRequeueList,
  blkMqStartRequest,
  blkMqCompleteRequest,
  blkUpdateRequest,
  blkMqFreeRequest,
  __blkMqEndRequest,
  blkMqEndRequest,
  blkMqTagToRq,
  blkMqPoll,
  blkMqAllocRequest,
  blkExecuteRqNowait,
  blkExecuteRq,
} from './blk-mq.js';
export * from './blk-plug.js';
export {
  getMaxSegmentSize,
  bvecGapToPrev,
  bioSplitRwAt,
  bioMayNeedSplit,
  bioSplitToLimits,
  ELEVATOR_BACK_MERGE,
  ELEVATOR_FRONT_MERGE,
  ELEVATOR_NO_MERGE,
  blkRqMergeOk,
  blkTryMerge,
  blkAttemptBioMerge,
  blkRqMapSg,
  rqForEachSegment,
  rqForEachBvec,
  type Scatterlist,
} from './blk-merge.js';
export * from './blk-core.js';
export * from './genhd.js';
export { BlockLayer, blockTrace, type BlockTrace } from './block-layer.js';
export * from './block-plugin.js';
export * from './trace/block.js';
export { KernelBugError } from './internal/bug.js';
export * from './fops.js';
export * from './blk-map.js';
export { createBlockLayer, type BlockLayerDeps } from './internal/block-layer-impl.js';
