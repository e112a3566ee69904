import { expect } from 'chai';
import {
  BIO_CLONED,
  BIO_PAGE_PINNED,
  BLK_STS_IOERR,
  ITER_DEST,
  ITER_SOURCE,
  REQ_OP_READ,
  bioAddPage,
  bioAlloc,
  bioChain,
  bioCheckPagesDirty,
  bioEndio,
  bioForEachSegmentAll,
  bioFull,
  bioGet,
  bioIovIterGetPages,
  bioIovVecsToAlloc,
  bioPut,
  bioReleasePages,
  bioSetPagesDirty,
  bioSplit,
  iovIterBvec,
  iovIterInit,
  iovIterUbuf,
  type Bio,
} from '@stackemu/block';
import { EFAULT, EINVAL, Errno } from '@stackemu/core';
import { rig, type TestRig } from './support/machine.js';
import { buf } from './support/io.js';

describe('bio_add_page() merging', () => {
  let r: TestRig;
  before(async () => {
    r = await rig();
  });
  after(async () => r.stop());

  it('merges physically contiguous data into the last bvec, else appends; full bios refuse', () => {
    const bio = bioAlloc(r.bdev, 2, REQ_OP_READ);
    expect(bioAddPage(bio, 10, 512, 0)).to.equal(512);
    expect(bioAddPage(bio, 10, 512, 512)).to.equal(512);
    expect(bio.biVcnt).to.equal(1);
    expect(bioAddPage(bio, 10, 3072, 1024)).to.equal(3072);
    expect(bioAddPage(bio, 11, 4096, 0)).to.equal(4096);
    expect([bio.biVcnt, bio.biIoVec[0]?.bvLen]).to.deep.equal([1, 8192]);
    expect(bioAddPage(bio, 20, 100, 0)).to.equal(100);
    expect(bioAddPage(bio, 40, 100, 0)).to.equal(0);
    expect(bioFull(bio, 0)).to.equal(true);
    expect(bio.biIter.biSize).to.equal(8292);
    const pages: number[] = [];
    bioForEachSegmentAll(bio, (p, o, l) => pages.push(p, o, l));
    expect(pages).to.deep.equal([10, 0, 4096, 11, 0, 4096, 20, 0, 100]);
    bioPut(bio);
  });

  it('a cloned bio takes no pages', () => {
    const p = r.physMem.allocPages(0);
    const bio = bioAlloc(r.bdev, 0, REQ_OP_READ);
    expect(bioIovIterGetPages(bio, iovIterBvec(ITER_DEST, [{ bvPage: p, bvLen: 512, bvOffset: 0 }], 1, 512))).to.equal(
      0,
    );
    expect(bio.biFlags & (1 << BIO_CLONED)).to.not.equal(0);
    expect(bioAddPage(bio, 1, 1, 0)).to.equal(0);
    bioPut(bio);
  });

  it('bio_put of a freed bio is refused', () => {
    const bio = bioAlloc(r.bdev, 1, REQ_OP_READ);
    bioGet(bio);
    bioPut(bio);
    bioPut(bio);
    expect(() => {
      bioPut(bio);
    }).to.throw(Errno);
  });
});

describe('bioIovIterGetPages()', () => {
  let r: TestRig;
  beforeEach(async () => {
    r = await rig();
  });
  afterEach(async () => {
    expect(r.sanitizer.findings()).to.deep.equal([]);
    await r.stop();
  });

  it('one pin per single-page segment, same_page duplicates dropped at once (I4)', () => {
    const a = buf(r, 3 * 4096, 1);
    const it = iovIterInit(ITER_DEST, r.mm, [
      { iovBase: a, iovLen: 1024 },
      { iovBase: a + 1024, iovLen: 1024 },
      { iovBase: a + 2048, iovLen: 2048 + 4096 },
    ]);
    const bio = bioAlloc(r.bdev, bioIovVecsToAlloc(it, 256), REQ_OP_READ);
    expect(bioIovIterGetPages(bio, it)).to.equal(0);
    expect(bio.biFlags & (1 << BIO_PAGE_PINNED)).to.not.equal(0);
    expect(bio.biIter.biSize).to.equal(8192);
    expect(r.vm('nr_foll_pin_acquired')).to.equal(4);
    expect(r.vm('nr_foll_pin_released')).to.equal(2);
    let segs = 0;
    bioForEachSegmentAll(bio, () => segs++);
    expect(r.sanitizer.heldBy(bio)).to.deep.equal({ get: 0, pin: segs });
    bioReleasePages(bio, true);
    bioPut(bio);
    expect(r.vm('nr_foll_pin_released')).to.equal(4);
  });

  it('trims to the length alignment, giving back the tail and its pins', () => {
    const a = buf(r, 2 * 4096, 1);
    const it = iovIterUbuf(ITER_SOURCE, r.mm, a, 4096 + 100);
    const bio = bioAlloc(r.bdev, 2, 1);
    expect(bioIovIterGetPages(bio, it, 511)).to.equal(0);
    expect([bio.biIter.biSize, it.count]).to.deep.equal([4096, 100]);
    expect(r.vm('nr_foll_pin_acquired') - r.vm('nr_foll_pin_released')).to.equal(1);
    bioReleasePages(bio, false);
    bioPut(bio);
    const it2 = iovIterUbuf(ITER_SOURCE, r.mm, a, 100);
    const bio2 = bioAlloc(r.bdev, 1, 1);
    expect(bioIovIterGetPages(bio2, it2, 511)).to.equal(-EFAULT);
    expect(it2.count).to.equal(100);
    bioPut(bio2);
    expect(r.vm('nr_foll_pin_acquired')).to.equal(r.vm('nr_foll_pin_released'));
  });

  it("a call site declared unconverted ('gup') takes references even in the pin era", () => {
    const a = buf(r, 4096, 1);
    const bio = bioAlloc(r.bdev, 1, REQ_OP_READ);
    expect(bioIovIterGetPages(bio, iovIterUbuf(ITER_DEST, r.mm, a, 4096), 0, 'gup')).to.equal(0);
    expect(r.sanitizer.heldBy(bio)).to.deep.equal({ get: 1, pin: 0 });
    expect(r.vm('nr_foll_pin_acquired')).to.equal(0);
    bioReleasePages(bio, true);
    bioPut(bio);
  });

  it('unmapped memory: the GUP error, nothing held', () => {
    const bio = bioAlloc(r.bdev, 1, REQ_OP_READ);
    expect(bioIovIterGetPages(bio, iovIterUbuf(ITER_DEST, r.mm, 0x6000_0000, 4096))).to.equal(-EFAULT);
    bioPut(bio);
  });
});

describe('bio_check_pages_dirty()', () => {
  let r: TestRig;
  beforeEach(async () => {
    r = await rig();
  });
  afterEach(async () => r.stop());

  it('releases at once when every page is still dirty', () => {
    const a = buf(r, 4096, 1);
    const bio = bioAlloc(r.bdev, 1, REQ_OP_READ);
    bioIovIterGetPages(bio, iovIterUbuf(ITER_DEST, r.mm, a, 4096));
    bioSetPagesDirty(bio);
    bioCheckPagesDirty(bio);
    expect(r.vm('nr_foll_pin_released')).to.equal(1);
    expect(r.blk.biosLive).to.equal(0);
  });

  it('defers when a page was cleaned meanwhile, and re-dirties before releasing exactly once (I5)', async () => {
    const p = r.physMem.allocPages(0);
    const bio = bioAlloc(r.bdev, 1, REQ_OP_READ);
    bioAddPage(bio, p, 4096, 0);
    // A kernel page is never dirtied: check_pages_dirty on a clean page defers.
    bio.biFlags |= 1 << BIO_PAGE_PINNED;
    r.gup.folioAddPin(p, bio);
    bioCheckPagesDirty(bio);
    expect(r.blk.bioDirtyList).to.have.length(1);
    expect(r.blk.biosLive).to.equal(1);
    await r.machine.scheduler.run();
    expect(r.blk.bioDirtyList).to.have.length(0);
    expect(r.blk.biosLive).to.equal(0);
    expect(r.physMem.pageDirty(p)).to.equal(true);
    expect(r.gup.pageMaybeDmaPinned(p)).to.equal(false);
  });
});

describe('bio_chain() / bio_split() / bio_endio()', () => {
  let r: TestRig;
  beforeEach(async () => {
    r = await rig();
  });
  afterEach(async () => r.stop());

  it('the parent ends once, after every child, with the first error', () => {
    const parent = bioAlloc(r.bdev, 0, REQ_OP_READ);
    const ended: Bio[] = [];
    parent.biEndIo = (b) => ended.push(b);
    const c1 = bioAlloc(r.bdev, 0, REQ_OP_READ);
    const c2 = bioAlloc(r.bdev, 0, REQ_OP_READ);
    bioChain(c1, parent);
    bioChain(c2, parent);
    bioEndio(parent);
    expect(ended).to.have.length(0);
    c1.biStatus = BLK_STS_IOERR;
    bioEndio(c1);
    expect(ended).to.have.length(0);
    bioEndio(c2);
    expect(ended).to.deep.equal([parent]);
    expect(parent.biStatus).to.equal(BLK_STS_IOERR);
    const c3 = bioAlloc(r.bdev, 0, REQ_OP_READ);
    c3.biEndIo = () => undefined;
    expect(() => {
      bioChain(c3, parent);
    }).to.throw(Errno);
    bioPut(c3);
    bioPut(parent);
  });

  it('splits a bio into a cloned front and an advanced remainder', () => {
    const bio = bioAlloc(r.bdev, 3, REQ_OP_READ);
    bioAddPage(bio, 10, 4096, 0);
    bioAddPage(bio, 20, 4096, 0);
    bioAddPage(bio, 30, 4096, 0);
    bio.biIter.biSector = 100;
    const front = bioSplit(bio, 12) as Bio;
    expect([front.biIter.biSector, front.biIter.biSize, front.biFlags & (1 << BIO_CLONED)]).to.deep.equal([
      100,
      6144,
      1 << BIO_CLONED,
    ]);
    expect([bio.biIter.biSector, bio.biIter.biSize, bio.biIter.biIdx, bio.biIter.biBvecDone]).to.deep.equal([
      112, 6144, 1, 2048,
    ]);
    expect(bioSplit(bio, 0)).to.equal(-EINVAL);
    expect(bioSplit(bio, 12)).to.equal(-EINVAL);
    bioPut(front);
    bioPut(bio);
  });
});
