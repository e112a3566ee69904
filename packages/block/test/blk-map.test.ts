import { expect } from 'chai';
import {
  ITER_DEST,
  REQ_OP_DRV_IN,
  REQ_OP_DRV_OUT,
  blkExecuteRq,
  blkMqAllocRequest,
  blkRqMapKern,
  blkRqMapUser,
  blkRqMapUserIov,
  blkRqUnmapUser,
  iovIterBvec,
  type Request,
} from '@stackemu/block';
import { EFAULT, EINVAL } from '@stackemu/core';
import { rig, type TestRig } from './support/machine.js';
import { buf, peek, settle } from './support/io.js';

describe('blkRqMapUserIov() / blkRqUnmapUser() (passthrough)', () => {
  let r: TestRig;
  beforeEach(async () => {
    r = await rig();
    r.md.store.set(
      new Uint8Array(16384).map((_, k) => (k * 3) & 0xff),
      0,
    );
  });
  afterEach(async () => {
    expect(r.sanitizer.findings()).to.deep.equal([]);
    expect(r.blk.biosLive).to.equal(0);
    await r.stop();
  });

  async function rq(op: number): Promise<Request> {
    return (await settle(r, blkMqAllocRequest(r.bdev.bdQueue, op))) as Request;
  }

  it('an aligned user buffer is pinned, dirtied and unpinned at unmap (spec A15)', async () => {
    const a = buf(r, 8192, 0);
    const req = await rq(REQ_OP_DRV_IN);
    expect(blkRqMapUser(r.bdev.bdQueue, req, undefined, r.mm, a, 8192)).to.equal(0);
    const bio = req.bio;
    expect(r.vm('nr_foll_pin_acquired')).to.equal(2);
    expect(await settle(r, blkExecuteRq(req, false))).to.equal(0);
    expect(r.vm('nr_foll_pin_released')).to.equal(0);
    expect(blkRqUnmapUser(bio)).to.equal(0);
    expect(r.vm('nr_foll_pin_released')).to.equal(2);
    expect(peek(r, a, 8192)).to.deep.equal(r.md.store.subarray(0, 8192));
    const pfn = (r.mm.pagemap(a) as { pfn: number }).pfn;
    expect(r.physMem.pageDirty(pfn)).to.equal(true);
  });

  it('a misaligned user buffer bounces through kernel pages: no pins, data copied back', async () => {
    const a = buf(r, 8192, 0) + 100;
    const req = await rq(REQ_OP_DRV_IN);
    expect(blkRqMapUser(r.bdev.bdQueue, req, undefined, r.mm, a, 4096)).to.equal(0);
    const bio = req.bio;
    expect(await settle(r, blkExecuteRq(req, false))).to.equal(0);
    expect(blkRqUnmapUser(bio)).to.equal(0);
    expect(r.vm('nr_foll_pin_acquired')).to.equal(0);
    expect(peek(r, a, 4096)).to.deep.equal(r.md.store.subarray(0, 4096));
  });

  it('a write bounces from user memory when misaligned', async () => {
    const data = new Uint8Array(4096).fill(0x77);
    const a = buf(r, 8192, 0) + 8;
    r.mm.copyToUser(a, data, 0, 4096);
    const req = await rq(REQ_OP_DRV_OUT);
    expect(blkRqMapUser(r.bdev.bdQueue, req, undefined, r.mm, a, 4096)).to.equal(0);
    const bio = req.bio;
    expect(await settle(r, blkExecuteRq(req, false))).to.equal(0);
    expect(blkRqUnmapUser(bio)).to.equal(0);
    expect(r.md.store.subarray(0, 4096)).to.deep.equal(data);
  });

  it('a BVEC iterator lends its bvecs: no pins, no references', async () => {
    const p = r.physMem.allocPages(0);
    const rc = r.physMem.pageRefcount(p);
    const req = await rq(REQ_OP_DRV_IN);
    expect(
      blkRqMapUserIov(
        r.bdev.bdQueue,
        req,
        undefined,
        iovIterBvec(ITER_DEST, [{ bvPage: p, bvLen: 4096, bvOffset: 0 }], 1, 4096),
      ),
    ).to.equal(0);
    const bio = req.bio;
    expect(await settle(r, blkExecuteRq(req, false))).to.equal(0);
    expect(blkRqUnmapUser(bio)).to.equal(0);
    expect(r.physMem.pageRefcount(p)).to.equal(rc);
    expect(r.vm('nr_foll_pin_acquired')).to.equal(0);
  });

  it('errors: unmapped memory -EFAULT (nothing left pinned), kernel buffers must be aligned', async () => {
    const req = await rq(REQ_OP_DRV_IN);
    expect(blkRqMapUser(r.bdev.bdQueue, req, undefined, r.mm, 0x6000_0000, 4096)).to.equal(-EFAULT);
    expect(req.bio).to.equal(undefined);
    const p = r.physMem.allocPages(0);
    expect(blkRqMapKern(req, p * 4096 + 3, 512)).to.equal(-EINVAL);
    expect(blkRqMapKern(req, p * 4096, 512)).to.equal(0);
    const bio = req.bio;
    expect(await settle(r, blkExecuteRq(req, false))).to.equal(0);
    expect(blkRqUnmapUser(bio)).to.equal(0);
  });
});
