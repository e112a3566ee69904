/**
 * Queue limits: defaults and validation (block/blk-settings.c).
 * @packageDocumentation
 */
import { EINVAL } from '@stackemu/core';
import { SECTOR_SHIFT, SECTOR_SIZE } from './blk-types.js';
import {
  BLK_DEF_MAX_SECTORS_CAP,
  BLK_FEAT_FUA,
  BLK_FEAT_WRITE_CACHE,
  BLK_MAX_BLOCK_SIZE,
  BLK_MAX_SEGMENT_SIZE,
  BLK_MAX_SEGMENTS,
  BLK_MIN_SEGMENT_SIZE,
  BLK_SAFE_MAX_SECTORS,
  BLK_SEG_BOUNDARY_MASK,
  type QueueLimits,
} from './blkdev.js';
import { PAGE_SIZE } from './internal/mm.js';

const PAGE_SECTORS = PAGE_SIZE >> SECTOR_SHIFT;

/**
 * An all-zero `struct queue_limits`: what a driver starts from before setting the fields it knows.
 * @returns a fresh object
 */
export function queueLimitsZero(): QueueLimits {
  return {
    features: 0,
    logicalBlockSize: 0,
    physicalBlockSize: 0,
    ioMin: 0,
    ioOpt: 0,
    maxHwSectors: 0,
    maxDevSectors: 0,
    maxUserSectors: 0,
    maxSectors: 0,
    maxSegments: 0,
    maxSegmentSize: 0,
    maxFastSegmentSize: 0,
    segBoundaryMask: 0,
    virtBoundaryMask: 0,
    dmaAlignment: 0,
    maxHwDiscardSectors: 0,
    maxDiscardSectors: 0,
    maxWriteZeroesSectors: 0,
    chunkSectors: 0,
  };
}

function isPow2(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/**
 * Models `blk_validate_block_size()` (include/linux/blkdev.h).
 * @param bsize - a block size
 * @returns 0, or `-EINVAL` unless a power of two in [512, 64 KiB]
 */
export function blkValidateBlockSize(bsize: number): number {
  if (bsize < 512 || bsize > BLK_MAX_BLOCK_SIZE || !isPow2(bsize)) return -EINVAL;
  return 0;
}

/**
 * Models `blk_validate_limits()` (block/blk-settings.c): check the limits and fill defaults for unset
 * (zero) fields, in place.
 * @param lim - the limits
 * @returns 0, or `-EINVAL` for an invalid logical block size, `max_hw_sectors` below a page, a segment
 * boundary or segment size below `BLK_MIN_SEGMENT_SIZE`, or a DMA alignment above a page
 * @remarks Defaults: 512-byte blocks, `max_hw_sectors` 255, `max_sectors` = min(hw, 8192), 128 segments of
 * 64 KiB, no boundary, `dma_alignment` 511.
 */
export function blkValidateLimits(lim: QueueLimits): number {
  if (lim.logicalBlockSize === 0) lim.logicalBlockSize = SECTOR_SIZE;
  else if (blkValidateBlockSize(lim.logicalBlockSize) !== 0) return -EINVAL;
  if (lim.physicalBlockSize < lim.logicalBlockSize) lim.physicalBlockSize = lim.logicalBlockSize;
  if (lim.ioMin < lim.physicalBlockSize) lim.ioMin = lim.physicalBlockSize;
  lim.ioOpt -= lim.ioOpt % lim.physicalBlockSize;

  if (lim.maxHwSectors === 0) lim.maxHwSectors = BLK_SAFE_MAX_SECTORS;
  if (lim.maxHwSectors < PAGE_SECTORS) return -EINVAL;
  const lbsSectors = lim.logicalBlockSize >> SECTOR_SHIFT;
  if (lbsSectors > lim.maxHwSectors) return -EINVAL;
  lim.maxHwSectors -= lim.maxHwSectors % lbsSectors;

  const maxHw = lim.maxDevSectors !== 0 ? Math.min(lim.maxHwSectors, lim.maxDevSectors) : lim.maxHwSectors;
  if (lim.maxUserSectors !== 0) {
    if (lim.maxUserSectors < BLK_MIN_SEGMENT_SIZE / SECTOR_SIZE) return -EINVAL;
    lim.maxSectors = Math.min(maxHw, lim.maxUserSectors);
  } else if (lim.ioOpt > BLK_DEF_MAX_SECTORS_CAP << SECTOR_SHIFT) {
    lim.maxSectors = Math.min(maxHw, lim.ioOpt >> SECTOR_SHIFT);
  } else if (lim.ioMin > BLK_DEF_MAX_SECTORS_CAP << SECTOR_SHIFT) {
    lim.maxSectors = Math.min(maxHw, lim.ioMin >> SECTOR_SHIFT);
  } else {
    lim.maxSectors = Math.min(maxHw, BLK_DEF_MAX_SECTORS_CAP);
  }
  lim.maxSectors -= lim.maxSectors % lbsSectors;

  if (lim.maxSegments === 0) lim.maxSegments = BLK_MAX_SEGMENTS;
  lim.maxDiscardSectors = lim.maxHwDiscardSectors;

  if (lim.segBoundaryMask === 0) lim.segBoundaryMask = BLK_SEG_BOUNDARY_MASK;
  if (lim.segBoundaryMask < BLK_MIN_SEGMENT_SIZE - 1) return -EINVAL;

  if (lim.virtBoundaryMask !== 0) {
    if (lim.maxSegmentSize === 0) lim.maxSegmentSize = 0xffffffff;
  } else {
    if (lim.maxSegmentSize === 0) lim.maxSegmentSize = BLK_MAX_SEGMENT_SIZE;
    if (lim.maxSegmentSize < BLK_MIN_SEGMENT_SIZE) return -EINVAL;
  }
  const segSize = lim.segBoundaryMask > lim.maxSegmentSize - 1 ? lim.maxSegmentSize : lim.segBoundaryMask + 1;
  lim.maxFastSegmentSize = Math.min(segSize, PAGE_SIZE);

  if (lim.dmaAlignment === 0) lim.dmaAlignment = SECTOR_SIZE - 1;
  if (lim.dmaAlignment > PAGE_SIZE) return -EINVAL;

  if ((lim.features & BLK_FEAT_WRITE_CACHE) === 0) lim.features &= ~BLK_FEAT_FUA;
  return 0;
}
