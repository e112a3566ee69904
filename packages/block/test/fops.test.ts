import { expect } from 'chai';
import {
  BIO_PAGE_PINNED,
  BIO_PAGE_REFFED,
  ITER_DEST,
  ITER_SOURCE,
  blkdevDirectIO,
  blkdevIssueFlush,
  blkdevReadIter,
  blkdevWriteIter,
  blockBioQueue,
  blockRqIssue,
  iovIterBvec,
  iovIterKvec,
  iovIterUbuf,
} from '@stackemu/block';
import { EINVAL, ENOSPC, EOPNOTSUPP, Errno } from '@stackemu/core';
import { rig, type TestRig } from './support/machine.js';
import { buf, dio, dioIter, kiocb, peek, settle } from './support/io.js';

function pins(r: TestRig): [number, number] {
  return [r.vm('nr_foll_pin_acquired'), r.vm('nr_foll_pin_released')];
}

describe('blkdevDirectIO() with CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO=y (upstream 6.18)', () => {
  let r: TestRig;
  beforeEach(async () => {
    r = await rig();
  });
  afterEach(async () => {
    expect(r.sanitizer.findings()).to.deep.equal([]);
    expect(r.blk.biosLive).to.equal(0);
    await r.stop();
  });

  it('4 KiB write then read round trip: data intact, 1 pin each, balanced', async () => {
    const data = new Uint8Array(4096).map((_, k) => (k * 7) & 0xff);
    const w = buf(r, 4096, data);
    expect(await dio(r, true, [{ iovBase: w, iovLen: 4096 }], 8192)).to.equal(4096);
    expect(r.md.store.subarray(8192, 8192 + 4096)).to.deep.equal(data);
    const rb = buf(r, 4096, 0);
    expect(await dio(r, false, [{ iovBase: rb, iovLen: 4096 }], 8192)).to.equal(4096);
    expect(peek(r, rb, 4096)).to.deep.equal(data);
    expect(pins(r)).to.deep.equal([2, 2]);
  });

  it('4 KiB read at buffer offset 512 touches 2 pages: 2 pins, released', async () => {
    const rb = buf(r, 8192, 0);
    expect(await dio(r, false, [{ iovBase: rb + 512, iovLen: 4096 }], 0)).to.equal(4096);
    expect(pins(r)).to.deep.equal([2, 2]);
  });

  it('pins are held for the whole DMA and the read pages are dirty when released', async () => {
    const rb = buf(r, 4096, 0);
    const pfn = (r.mm.pagemap(rb) as { pfn: number }).pfn;
    const p = blkdevDirectIO(kiocb(0), iovIterUbuf(ITER_DEST, r.mm, rb, 4096), r.bdev);
    expect(r.gup.pageMaybeDmaPinned(pfn)).to.equal(true);
    expect(r.md.inflight).to.equal(1);
    expect(await settle(r, p)).to.equal(4096);
    expect(r.gup.pageMaybeDmaPinned(pfn)).to.equal(false);
    expect(r.physMem.pageDirty(pfn)).to.equal(true);
  });

  it('misaligned memory (offset 100): -EINVAL after pinning and unpinning the 2 pages', async () => {
    const rb = buf(r, 8192, 0);
    expect(await dio(r, false, [{ iovBase: rb + 100, iovLen: 4096 }], 0)).to.equal(-EINVAL);
    expect(pins(r)).to.deep.equal([2, 2]);
    expect(r.md.seen).to.have.length(0);
  });

  it('misaligned position or length: -EINVAL before any pin', async () => {
    const rb = buf(r, 8192, 0);
    expect(await dio(r, false, [{ iovBase: rb, iovLen: 4096 }], 100)).to.equal(-EINVAL);
    expect(await dio(r, false, [{ iovBase: rb, iovLen: 1000 }], 0)).to.equal(-EINVAL);
    expect(pins(r)).to.deep.equal([0, 0]);
  });

  it('two 2 KiB iovecs in one page: 2 acquired, 2 released, one bvec after the same_page merge', async () => {
    const rb = buf(r, 4096, 0);
    const bios: number[] = [];
    const sub = r.machine.trace.topic(blockRqIssue).subscribe((e) => bios.push(e.bytes));
    expect(
      await dio(
        r,
        false,
        [
          { iovBase: rb, iovLen: 2048 },
          { iovBase: rb + 2048, iovLen: 2048 },
        ],
        0,
      ),
    ).to.equal(4096);
    sub.unsubscribe();
    expect(pins(r)).to.deep.equal([2, 2]);
    expect(bios).to.deep.equal([4096]);
  });

  it('1 MiB read: 256 pins, one bio from fops, split to the queue limits, pins held by the parent', async () => {
    const rb = buf(r, 1 << 20, 0);
    const q: number[] = [];
    const sub = r.machine.trace.topic(blockBioQueue).subscribe((e) => q.push(e.nrSector));
    expect(await dio(r, false, [{ iovBase: rb, iovLen: 1 << 20 }], 0)).to.equal(1 << 20);
    sub.unsubscribe();
    expect(pins(r)).to.deep.equal([256, 256]);
    // max_hw_sectors defaults to 255 (BLK_SAFE_MAX_SECTORS): the bio is split, remainders resubmitted.
    expect(q[0]).to.equal(2048);
    expect(q.length).to.be.greaterThan(1);
    expect(r.md.seen.every((x) => x.bytes <= 255 * 512)).to.equal(true);
  });

  it('1 MiB read on a queue that takes it whole: one request', async () => {
    await r.stop();
    r = await rig({ disk: { limits: { maxHwSectors: 2048, maxSegments: 256 } } });
    const rb = buf(r, 1 << 20, 0);
    expect(await dio(r, false, [{ iovBase: rb, iovLen: 1 << 20 }], 0)).to.equal(1 << 20);
    expect(pins(r)).to.deep.equal([256, 256]);
    expect(r.md.seen.map((x) => x.bytes)).to.deep.equal([1 << 20]);
  });

  it('2 MiB read goes through __blkdev_direct_IO: several bios under a plug, 512 pins', async () => {
    const data = new Uint8Array(2 << 20).map((_, k) => k % 251);
    r.md.store.set(data, 0);
    const rb = buf(r, 2 << 20, 0);
    expect(await dio(r, false, [{ iovBase: rb, iovLen: 2 << 20 }], 0)).to.equal(2 << 20);
    expect(peek(r, rb, 2 << 20)).to.deep.equal(data);
    expect(pins(r)).to.deep.equal([512, 512]);
  });

  it('async read: -EIOCBQUEUED, then completion with bytes and kiPos advanced', async () => {
    r.md.store.fill(9, 0, 4096);
    const rb = buf(r, 4096, 0);
    const k = kiocb(0);
    let res: number | undefined;
    k.kiComplete = (_k, v) => {
      res = v;
    };
    expect(await blkdevDirectIO(k, iovIterUbuf(ITER_DEST, r.mm, rb, 4096), r.bdev)).to.equal(-529);
    await r.machine.scheduler.run();
    expect(res).to.equal(4096);
    expect(k.kiPos).to.equal(4096);
    expect(peek(r, rb, 4096).every((x) => x === 9)).to.equal(true);
    expect(pins(r)).to.deep.equal([1, 1]);
  });

  it('device error mid-request: -EIO, pins still balanced', async () => {
    r.md.faults.push({ sector: 4, once: true });
    const rb = buf(r, 16384, 0);
    expect(await dio(r, false, [{ iovBase: rb, iovLen: 16384 }], 0)).to.equal(-5);
    expect(pins(r)).to.deep.equal([4, 4]);
  });

  it('async read concurrent with fork: fork copies the pinned page, the parent sees the data', async () => {
    r.md.store.fill(0x33, 0, 2048);
    const rb = buf(r, 4096, 1);
    const k = kiocb(0);
    let res = 0;
    k.kiComplete = (_k, v) => {
      res = v;
    };
    expect(await blkdevDirectIO(k, iovIterUbuf(ITER_DEST, r.mm, rb, 2048), r.bdev)).to.equal(-529);
    const child = r.mm.fork();
    r.mm.copyToUser(rb + 3000, new Uint8Array([7]), 0, 1);
    await r.machine.scheduler.run();
    expect(res).to.equal(2048);
    expect(peek(r, rb, 2048).every((x) => x === 0x33)).to.equal(true);
    child.exit();
    expect(pins(r)).to.deep.equal([1, 1]);
  });

  it('kernel-backed BVEC and KVEC I/O takes no pins and no references', async () => {
    const p = r.physMem.allocPages(1);
    const rc = r.physMem.pageRefcount(p);
    r.physMem.write(p * 4096, new Uint8Array(8192).fill(3), 0, 8192);
    expect(await dioIter(r, iovIterBvec(ITER_SOURCE, [{ bvPage: p, bvLen: 8192, bvOffset: 0 }], 1, 8192), 0)).to.equal(
      8192,
    );
    expect(
      await dioIter(r, iovIterBvec(ITER_DEST, [{ bvPage: p, bvLen: 8192, bvOffset: 0 }], 1, 8192), 0, true),
    ).to.equal(8192);
    expect(await dioIter(r, iovIterKvec(ITER_DEST, [{ iovBase: p * 4096, iovLen: 4096 }], 4096), 0)).to.equal(4096);
    expect(r.physMem.pageRefcount(p)).to.equal(rc);
    expect(pins(r)).to.deep.equal([0, 0]);
    expect(r.md.store.subarray(0, 8192).every((x) => x === 3)).to.equal(true);
  });

  it('blkdevReadIter clips at the device end; blkdevWriteIter refuses past it', async () => {
    const size = r.md.store.length;
    const rb = buf(r, 8192, 0);
    const k = kiocb(size - 4096);
    const it = iovIterUbuf(ITER_DEST, r.mm, rb, 8192);
    expect(await settle(r, blkdevReadIter(k, it, r.bdev))).to.equal(4096);
    expect(k.kiPos).to.equal(size);
    expect(it.count).to.equal(4096);
    expect(await settle(r, blkdevReadIter(kiocb(size), iovIterUbuf(ITER_DEST, r.mm, rb, 512), r.bdev))).to.equal(0);
    expect(await settle(r, blkdevWriteIter(kiocb(size), iovIterUbuf(ITER_SOURCE, r.mm, rb, 512), r.bdev))).to.equal(
      -ENOSPC,
    );
  });

  it('buffered I/O on the raw device fails clearly', async () => {
    const rb = buf(r, 4096, 0);
    try {
      await blkdevReadIter(kiocb(0, 0), iovIterUbuf(ITER_DEST, r.mm, rb, 4096), r.bdev);
      expect.fail('no error');
    } catch (e) {
      expect(Errno.is(e, EOPNOTSUPP)).to.equal(true);
    }
  });

  it('blkdevIssueFlush() on a device without a write cache completes at once', async () => {
    expect(await settle(r, blkdevIssueFlush(r.bdev))).to.equal(0);
    expect(r.md.seen).to.have.length(0);
  });
});

describe('blkdevDirectIO() with CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO=n (the GUP era)', () => {
  let r: TestRig;
  beforeEach(async () => {
    r = await rig({ config: { CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO: false } });
  });
  afterEach(async () => {
    expect(r.sanitizer.findings()).to.deep.equal([]);
    await r.stop();
  });

  it('round trip takes and drops FOLL_GET references; nr_foll_pin_* stay 0', async () => {
    expect(r.blk.era.name).to.equal('gup');
    const data = new Uint8Array(8192).fill(0x5a);
    const w = buf(r, 8192, data);
    const pfns = [0, 1].map((k) => (r.mm.pagemap(w + k * 4096) as { pfn: number }).pfn);
    const rc0 = pfns.map((p) => r.physMem.pageRefcount(p));
    const k = kiocb(0);
    const p = blkdevDirectIO(k, iovIterUbuf(ITER_SOURCE, r.mm, w, 8192), r.bdev);
    // In flight: one FOLL_GET reference per page (not GUP_PIN_COUNTING_BIAS), held by the bio.
    expect(pfns.map((x, i) => r.physMem.pageRefcount(x) - (rc0[i] as number))).to.deep.equal([1, 1]);
    expect(pfns.some((x) => r.gup.pageMaybeDmaPinned(x))).to.equal(false);
    expect(await settle(r, p)).to.equal(8192);
    expect(pfns.map((x) => r.physMem.pageRefcount(x))).to.deep.equal(rc0);
    const rb = buf(r, 8192, 0);
    expect(await dio(r, false, [{ iovBase: rb, iovLen: 8192 }], 0)).to.equal(8192);
    expect(peek(r, rb, 8192)).to.deep.equal(data);
    expect(pins(r)).to.deep.equal([0, 0]);
  });

  it('the bio owns references (BIO_PAGE_REFFED), not pins', async () => {
    const rb = buf(r, 4096, 0);
    const flags: number[] = [];
    const sub = r.machine.trace.topic(blockRqIssue).subscribe(() => {
      const rq = r.md.set.tags?.[0]?.rqs.find((x) => x !== undefined);
      const b = rq?.bio;
      if (b !== undefined) flags.push(b.biFlags);
    });
    expect(await dio(r, false, [{ iovBase: rb, iovLen: 4096 }], 0)).to.equal(4096);
    sub.unsubscribe();
    expect(flags).to.have.length(1);
    expect((flags[0] as number) & (1 << BIO_PAGE_REFFED)).to.not.equal(0);
    expect((flags[0] as number) & (1 << BIO_PAGE_PINNED)).to.equal(0);
  });

  it('async read concurrent with fork: the sanitizer reports the reference stranded by COW (the bug FOLL_PIN fixes)', async () => {
    const rb = buf(r, 4096, 1);
    const k = kiocb(0);
    let res = 0;
    k.kiComplete = (_k, v) => {
      res = v;
    };
    expect(await blkdevDirectIO(k, iovIterUbuf(ITER_DEST, r.mm, rb, 2048), r.bdev)).to.equal(-529);
    const child = r.mm.fork();
    r.mm.copyToUser(rb + 3000, new Uint8Array([7]), 0, 1);
    await r.machine.scheduler.run();
    expect(res).to.equal(2048);
    child.exit();
    expect(pins(r)).to.deep.equal([0, 0]);
    expect(r.sanitizer.findings().map((f) => f.kind)).to.deep.equal(['stranded_pin']);
    r.sanitizer.clearFindings();
  });
});

describe('blkDevDirectIO() on transparent huge pages', () => {
  it('pins each 4 KiB page of a THP once (acquired = released = pages), bvecs merge across the folio', async () => {
    const r = await rig({
      mm: { thp: 'always' },
      disk: { limits: { maxHwSectors: 2048, maxSegments: 256, maxSegmentSize: 1 << 20 } },
    });
    const a = r.mm.mmap(0x4000_0000, 4 << 20, 3, 0x22 | 0x100000);
    expect(a).to.equal(0x4000_0000);
    r.mm.copyToUser(a, new Uint8Array(1 << 20).fill(5), 0, 1 << 20);
    const head = r.physMem.folioHead((r.mm.pagemap(a) as { pfn: number }).pfn);
    const thp = r.physMem.folioOrder(head) > 0;
    expect(await dio(r, false, [{ iovBase: a, iovLen: 1 << 20 }], 0)).to.equal(1 << 20);
    expect(pins(r)).to.deep.equal([256, 256]);
    if (thp) expect(r.physMem.folioPincount(head)).to.equal(0);
    expect(r.sanitizer.findings()).to.deep.equal([]);
    await r.stop();
  });
});
