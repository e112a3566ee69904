import { expect } from 'chai';
import {
  BLK_FEAT_FUA,
  BLK_FEAT_WRITE_CACHE,
  blkValidateBlockSize,
  blkValidateLimits,
  queueLimitsZero,
} from '@stackemu/block';
import { EINVAL } from '@stackemu/core';

describe('blkValidateLimits() (blk_validate_limits)', () => {
  it('fills the kernel defaults', () => {
    const l = queueLimitsZero();
    expect(blkValidateLimits(l)).to.equal(0);
    expect([
      l.logicalBlockSize,
      l.physicalBlockSize,
      l.maxHwSectors,
      l.maxSectors,
      l.maxSegments,
      l.maxSegmentSize,
      l.dmaAlignment,
      l.maxFastSegmentSize,
    ]).to.deep.equal([512, 512, 255, 255, 128, 65536, 511, 4096]);
  });

  it('caps max_sectors at BLK_DEF_MAX_SECTORS_CAP (4 MiB) and rounds to the block size', () => {
    const l = { ...queueLimitsZero(), maxHwSectors: 65535, logicalBlockSize: 4096 };
    expect(blkValidateLimits(l)).to.equal(0);
    expect([l.maxHwSectors, l.maxSectors, l.physicalBlockSize]).to.deep.equal([65528, 8192, 4096]);
  });

  it('rejects invalid block sizes, tiny limits and huge DMA alignment with -EINVAL', () => {
    expect(blkValidateBlockSize(1000)).to.equal(-EINVAL);
    expect(blkValidateBlockSize(131072)).to.equal(-EINVAL);
    expect(blkValidateLimits({ ...queueLimitsZero(), logicalBlockSize: 768 })).to.equal(-EINVAL);
    expect(blkValidateLimits({ ...queueLimitsZero(), maxHwSectors: 4 })).to.equal(-EINVAL);
    expect(blkValidateLimits({ ...queueLimitsZero(), maxSegmentSize: 1024 })).to.equal(-EINVAL);
    expect(blkValidateLimits({ ...queueLimitsZero(), dmaAlignment: 8191 })).to.equal(-EINVAL);
  });

  it('drops FUA without a write cache; a virt boundary lifts the segment size default', () => {
    const l = { ...queueLimitsZero(), features: BLK_FEAT_FUA, virtBoundaryMask: 4095 };
    expect(blkValidateLimits(l)).to.equal(0);
    expect(l.features & BLK_FEAT_FUA).to.equal(0);
    expect(l.maxSegmentSize).to.equal(0xffffffff);
    const w = { ...queueLimitsZero(), features: BLK_FEAT_FUA | BLK_FEAT_WRITE_CACHE };
    blkValidateLimits(w);
    expect(w.features & BLK_FEAT_FUA).to.equal(BLK_FEAT_FUA);
  });
});
