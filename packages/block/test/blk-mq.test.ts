import { expect } from 'chai';
import {
  BLK_FEAT_FUA,
  BLK_FEAT_WRITE_CACHE,
  BLK_STS_AGAIN,
  BLK_STS_IOERR,
  BLK_STS_NOTSUPP,
  BLK_STS_OK,
  REQ_FUA,
  REQ_NOWAIT,
  REQ_OP_DISCARD,
  REQ_OP_FLUSH,
  REQ_OP_READ,
  REQ_OP_WRITE,
  REQ_POLLED,
  REQ_PREFLUSH,
  bioAddPage,
  bioAlloc,
  bioPut,
  blkFinishPlug,
  blkMqAllocTagSet,
  blkPlugInit,
  blkRqMapSg,
  blkStartPlug,
  blockBioBackmerge,
  blockSplit,
  submitBio,
  submitBioWait,
  type BlkMqOps,
  type Bio,
  type Scatterlist,
} from '@stackemu/block';
import { EINVAL } from '@stackemu/core';
import { rig, type TestRig } from './support/machine.js';
import { settle } from './support/io.js';

/** A bio over `n` fresh kernel pages at `sector`. */
function kbio(r: TestRig, op: number, sector: number, pages: number, done?: (b: Bio) => void): Bio {
  const bio = bioAlloc(r.bdev, pages, op);
  bio.biIter.biSector = sector;
  for (let k = 0; k < pages; k++) {
    bioAddPage(bio, r.physMem.allocPages(0), 4096, 0);
    r.physMem.allocPages(0); // a hole: pages of one bio are not physically contiguous
  }
  bio.biEndIo = (b) => {
    done?.(b);
    bioPut(b);
  };
  return bio;
}

describe('blkMqAllocTagSet()', () => {
  it('validates the set and maps CPUs evenly onto hardware queues', async () => {
    const r = await rig({ block: { nr_cpus: 4 }, disk: { nrHwQueues: 2 } });
    const ops = r.md as BlkMqOps;
    expect(blkMqAllocTagSet(r.blk, { ops, nrHwQueues: 0, queueDepth: 4, flags: 0 })).to.equal(-EINVAL);
    expect(blkMqAllocTagSet(r.blk, { ops, nrHwQueues: 1, queueDepth: 0, flags: 0 })).to.equal(-EINVAL);
    const big = { ops, nrHwQueues: 64, queueDepth: 100_000, flags: 0 };
    expect(blkMqAllocTagSet(r.blk, big)).to.equal(0);
    expect([big.nrHwQueues, big.queueDepth]).to.deep.equal([4, 10240]);
    expect(r.md.set.mqMap).to.deep.equal([0, 0, 1, 1]);
    // Submissions from CPU 3 go to hardware queue 1.
    r.blk.cpu = 3;
    await settle(r, submitBioWait(kbio(r, REQ_OP_READ, 0, 1)));
    expect(
      r.md.set.tags?.[1]?.staticRqs.some((rq) => (rq.mqHctx as { queueNum: number } | undefined)?.queueNum === 1),
    ).to.equal(true);
    await r.stop();
  });
});

describe('request allocation and dispatch', () => {
  let r: TestRig;
  afterEach(async () => {
    expect(r.blk.biosLive).to.equal(0);
    await r.stop();
  });

  it('waits for a tag when all are busy, and fails REQ_NOWAIT with BLK_STS_AGAIN', async () => {
    r = await rig({ disk: { queueDepth: 2 } });
    const st: number[] = [];
    for (let k = 0; k < 5; k++) submitBio(kbio(r, REQ_OP_READ, k * 8, 1, (b) => st.push(b.biStatus)));
    expect(r.md.inflight).to.equal(2);
    const nw = kbio(r, REQ_OP_READ | REQ_NOWAIT, 100, 1, (b) => st.push(b.biStatus));
    submitBio(nw);
    expect(st).to.deep.equal([BLK_STS_AGAIN]);
    await r.machine.scheduler.run();
    expect(st).to.deep.equal([BLK_STS_AGAIN, 0, 0, 0, 0, 0]);
    expect(r.md.maxSeenInflight).to.equal(2);
  });

  it('requeues on BLK_STS_DEV_RESOURCE and reruns when a request completes, in order', async () => {
    r = await rig({ disk: { maxInflight: 1 } });
    const order: number[] = [];
    for (let k = 0; k < 4; k++) submitBio(kbio(r, REQ_OP_READ, k * 8, 1, (b) => order.push(b.biIter.biSector)));
    await r.machine.scheduler.run();
    expect(order).to.deep.equal([8, 16, 24, 32]);
    expect(r.md.maxSeenInflight).to.equal(1);
  });

  it('a plug merges adjacent bios into one request and issues the batch with one doorbell', async () => {
    r = await rig({ disk: { batched: true } });
    let merges = 0;
    const sub = r.machine.trace.topic(blockBioBackmerge).subscribe(() => merges++);
    const plug = blkPlugInit();
    blkStartPlug(r.blk, plug);
    for (let k = 0; k < 4; k++) submitBio(kbio(r, REQ_OP_WRITE, k * 8, 1));
    submitBio(kbio(r, REQ_OP_WRITE, 1000, 1));
    submitBio(kbio(r, REQ_OP_WRITE, 2000, 1));
    expect(r.md.seen).to.have.length(0);
    blkFinishPlug(r.blk, plug);
    sub.unsubscribe();
    expect(merges).to.equal(3);
    expect(r.md.seen.map((x) => [x.sector, x.bytes, x.last])).to.deep.equal([
      [0, 16384, false],
      [1000, 4096, false],
      [2000, 4096, true],
    ]);
    expect(r.md.doorbells).to.equal(1);
    expect(r.md.disk.stats.merges[1]).to.equal(3);
    await r.machine.scheduler.run();
    expect(r.md.disk.stats.ios[1]).to.equal(3);
  });

  it('splits to max_segments and max_sectors, chaining the parts (block_split)', async () => {
    r = await rig({ disk: { limits: { maxSegments: 2, maxHwSectors: 64 } } });
    let splits = 0;
    const sub = r.machine.trace.topic(blockSplit).subscribe(() => splits++);
    const bio = kbio(r, REQ_OP_READ, 0, 6);
    let done = 0;
    bio.biEndIo = (b) => {
      done++;
      bioPut(b);
    };
    submitBio(bio);
    await r.machine.scheduler.run();
    sub.unsubscribe();
    expect(done).to.equal(1);
    expect(splits).to.equal(2);
    expect(r.md.seen.map((x) => x.bytes)).to.deep.equal([8192, 8192, 8192]);
  });

  it('ends bios beyond the device with BLK_STS_IOERR and unsupported discard with BLK_STS_NOTSUPP', async () => {
    r = await rig();
    const st: number[] = [];
    submitBio(kbio(r, REQ_OP_READ, r.bdev.bdNrSectors - 4, 1, (b) => st.push(b.biStatus)));
    const d = bioAlloc(r.bdev, 0, REQ_OP_DISCARD);
    d.biIter.biSize = 4096;
    d.biEndIo = (b) => {
      st.push(b.biStatus);
      bioPut(b);
    };
    submitBio(d);
    expect(st).to.deep.equal([BLK_STS_IOERR, BLK_STS_NOTSUPP]);
  });

  it('fails a bio not aligned to the logical block size (bio_unaligned) and REQ_POLLED without poll support', async () => {
    r = await rig({ disk: { limits: { logicalBlockSize: 4096 } } });
    const st: number[] = [];
    const b = kbio(r, REQ_OP_READ, 1, 1, (x) => st.push(x.biStatus));
    submitBio(b);
    const p = kbio(r, REQ_OP_READ | REQ_POLLED, 0, 1, (x) => st.push(x.biStatus));
    submitBio(p);
    expect(st).to.deep.equal([BLK_STS_IOERR, BLK_STS_NOTSUPP]);
    expect(r.md.seen).to.have.length(0);
  });

  it('a device error mid-request completes the good part and fails the bio', async () => {
    r = await rig();
    r.md.faults.push({ sector: 2, once: true });
    const bio = kbio(r, REQ_OP_READ, 0, 1);
    const res = await settle(r, submitBioWait(bio));
    bioPut(bio);
    expect(res).to.equal(-5);
  });

  it('times out a request the device never completes (timeout op)', async () => {
    r = await rig({ disk: { hang: true, timeoutNs: 1_000_000 } });
    const bio = kbio(r, REQ_OP_READ, 0, 1);
    const p = submitBioWait(bio);
    const res = await settle(r, p);
    bioPut(bio);
    expect(res).to.equal(-5);
    expect(r.md.timedOut).to.have.length(1);
    expect(r.machine.scheduler.now()).to.equal(1_000_000);
  });
});

describe('the flush sequence (block/blk-flush.c)', () => {
  let r: TestRig;
  afterEach(async () => r.stop());

  it('PREFLUSH with data on a write-back cache: FLUSH, then the data', async () => {
    r = await rig({ disk: { limits: { features: BLK_FEAT_WRITE_CACHE } } });
    const bio = kbio(r, REQ_OP_WRITE | REQ_PREFLUSH, 0, 1);
    expect(await settle(r, submitBioWait(bio))).to.equal(0);
    bioPut(bio);
    expect(r.md.seen.map((x) => x.op)).to.deep.equal([REQ_OP_FLUSH, REQ_OP_WRITE]);
  });

  it('FUA without device FUA: the data, then a FLUSH; with device FUA: the data alone', async () => {
    r = await rig({ disk: { limits: { features: BLK_FEAT_WRITE_CACHE } } });
    const bio = kbio(r, REQ_OP_WRITE | REQ_FUA, 0, 1);
    expect(await settle(r, submitBioWait(bio))).to.equal(0);
    bioPut(bio);
    expect(r.md.seen.map((x) => x.op)).to.deep.equal([REQ_OP_WRITE, REQ_OP_FLUSH]);
    await r.stop();
    r = await rig({ disk: { limits: { features: BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA } } });
    const b2 = kbio(r, REQ_OP_WRITE | REQ_FUA, 0, 1);
    expect(await settle(r, submitBioWait(b2))).to.equal(0);
    bioPut(b2);
    expect(r.md.seen.map((x) => x.op)).to.deep.equal([REQ_OP_WRITE]);
  });

  it('an empty PREFLUSH becomes one FLUSH request; without a cache it completes at once', async () => {
    r = await rig({ disk: { limits: { features: BLK_FEAT_WRITE_CACHE } } });
    const b = bioAlloc(r.bdev, 0, REQ_OP_WRITE | REQ_PREFLUSH);
    expect(await settle(r, submitBioWait(b))).to.equal(0);
    bioPut(b);
    expect(r.md.seen.map((x) => x.op)).to.deep.equal([REQ_OP_FLUSH]);
  });
});

describe('blkRqMapSg()', () => {
  it('merges physically contiguous pages within max_segment_size', async () => {
    const r = await rig({ disk: { limits: { maxSegmentSize: 8192 } } });
    const base = r.physMem.allocPages(2);
    const bio = bioAlloc(r.bdev, 4, REQ_OP_READ);
    for (let k = 0; k < 4; k++) bioAddPage(bio, base + k, 4096, 0);
    const sgs: number[][] = [];
    const origQueueRq = r.md.queueRq.bind(r.md);
    r.md.queueRq = (h, bd) => {
      const sgl: Scatterlist[] = [];
      const n = blkRqMapSg(bd.rq, sgl);
      sgs.push(...sgl.slice(0, n).map((s) => [s.page - base, s.offset, s.length]));
      return origQueueRq(h, bd);
    };
    expect(await settle(r, submitBioWait(bio))).to.equal(0);
    bioPut(bio);
    expect(sgs).to.deep.equal([
      [0, 0, 8192],
      [2, 0, 8192],
    ]);
    expect(BLK_STS_OK).to.equal(0);
    await r.stop();
  });
});
