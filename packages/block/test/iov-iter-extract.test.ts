import { expect } from 'chai';
import {
  ITER_DEST,
  ITER_SOURCE,
  iovIterBvec,
  iovIterDiscard,
  iovIterExtractPages,
  iovIterExtractWillPin,
  iovIterFolioq,
  iovIterInit,
  iovIterKvec,
  iovIterUbuf,
  type SizeRef,
} from '@stackemu/block';
import { EFAULT } from '@stackemu/core';
import { rig, type TestRig } from './support/machine.js';
import { mapAnon } from './support/io.js';
import { TestOwner } from './support/owner.js';
import { userPages } from './iov-iter-get-pages.test.js';

describe('iovIterExtractPages() (pins only user-backed memory)', () => {
  let r: TestRig;
  beforeEach(async () => {
    r = await rig();
  });
  afterEach(async () => {
    expect(r.sanitizer.findings()).to.deep.equal([]);
    await r.stop();
  });

  it('UBUF: 4 KiB at buffer offset 512 pins 2 pages (counted), no FOLL_GET', () => {
    const { addr, pfns } = userPages(r, 2);
    const owner = new TestOwner('t');
    const i = iovIterUbuf(ITER_DEST, r.mm, addr + 512, 4096);
    expect(iovIterExtractWillPin(i)).to.equal(true);
    const pages: number[] = [];
    const off: SizeRef = { value: -1 };
    expect(iovIterExtractPages(r.blk, i, pages, 4096, 16, 0, off, owner)).to.equal(4096);
    expect(off.value).to.equal(512);
    expect(pages).to.deep.equal(pfns);
    expect(r.vm('nr_foll_pin_acquired')).to.equal(2);
    expect(r.sanitizer.heldBy(owner)).to.deep.equal({ get: 0, pin: 2 });
    expect(pfns.every((p) => r.gup.pageMaybeDmaPinned(p))).to.equal(true);
    r.gup.unpinUserPages(pages, 2, owner);
    expect(r.vm('nr_foll_pin_released')).to.equal(2);
  });

  it("IOVEC: one segment per call; each call pins that segment's pages", () => {
    const { addr } = userPages(r, 2);
    const owner = new TestOwner('t');
    const i = iovIterInit(ITER_SOURCE, r.mm, [
      { iovBase: addr, iovLen: 2048 },
      { iovBase: addr + 2048, iovLen: 2048 },
      { iovBase: addr + 4096, iovLen: 4096 },
    ]);
    const pages: number[] = [];
    const off: SizeRef = { value: 0 };
    expect(iovIterExtractPages(r.blk, i, pages, 1 << 20, 16, 0, off, owner)).to.equal(2048);
    expect(iovIterExtractPages(r.blk, i, pages, 1 << 20, 16, 0, off, owner)).to.equal(2048);
    expect(off.value).to.equal(2048);
    expect(r.vm('nr_foll_pin_acquired')).to.equal(2);
    expect(r.sanitizer.heldBy(owner).pin).to.equal(2);
    r.gup.unpinUserPage(pages[0] as number, owner);
    r.gup.unpinUserPage(pages[0] as number, owner);
  });

  it('KVEC: virt_to_page of each page, no refs and no pins', () => {
    const owner = new TestOwner('t');
    const p = r.physMem.allocPages(1);
    const rc = r.physMem.pageRefcount(p);
    const i = iovIterKvec(
      ITER_DEST,
      [
        { iovBase: 0, iovLen: 0 },
        { iovBase: p * 4096 + 300, iovLen: 5000 },
      ],
      5000,
    );
    expect(iovIterExtractWillPin(i)).to.equal(false);
    const pages: number[] = [];
    const off: SizeRef = { value: 0 };
    expect(iovIterExtractPages(r.blk, i, pages, 1 << 20, 16, 0, off, owner)).to.equal(5000);
    expect(pages.slice(0, 2)).to.deep.equal([p, p + 1]);
    expect(off.value).to.equal(300);
    expect(r.physMem.pageRefcount(p)).to.equal(rc);
    expect(r.vm('nr_foll_pin_acquired')).to.equal(0);
    expect(r.sanitizer.heldBy(owner)).to.deep.equal({ get: 0, pin: 0 });
  });

  it('BVEC: spans bvecs while virtually contiguous, no refs and no pins', () => {
    const a = r.physMem.allocPages(0);
    const b = r.physMem.allocPages(0);
    const c = r.physMem.allocPages(0);
    const rc = [a, b, c].map((x) => r.physMem.pageRefcount(x));
    const i = iovIterBvec(
      ITER_DEST,
      [
        { bvPage: a, bvLen: 4096 - 512, bvOffset: 512 },
        { bvPage: b, bvLen: 1024, bvOffset: 0 },
        { bvPage: c, bvLen: 4096, bvOffset: 0 },
      ],
      3,
      4096 - 512 + 1024 + 4096,
    );
    const pages: number[] = [];
    const off: SizeRef = { value: 0 };
    // a ends at a page boundary, b does not: stop after b.
    expect(iovIterExtractPages(r.blk, i, pages, 1 << 20, 16, 0, off, undefined)).to.equal(4096 - 512 + 1024);
    expect(pages.slice(0, 2)).to.deep.equal([a, b]);
    expect(off.value).to.equal(512);
    expect(iovIterExtractPages(r.blk, i, pages, 1 << 20, 16, 0, off, undefined)).to.equal(4096);
    expect(pages[0]).to.equal(c);
    expect([a, b, c].map((x) => r.physMem.pageRefcount(x))).to.deep.equal(rc);
    expect(r.vm('nr_foll_pin_acquired')).to.equal(0);
  });

  it('BVEC: stops at a bvec with an offset after the first page', () => {
    const a = r.physMem.allocPages(0);
    const b = r.physMem.allocPages(0);
    const i = iovIterBvec(
      ITER_DEST,
      [
        { bvPage: a, bvLen: 4096, bvOffset: 0 },
        { bvPage: b, bvLen: 100, bvOffset: 8 },
      ],
      2,
      4196,
    );
    const pages: number[] = [];
    const off: SizeRef = { value: 0 };
    expect(iovIterExtractPages(r.blk, i, pages, 1 << 20, 16, 0, off, undefined)).to.equal(4096);
    expect(iovIterExtractPages(r.blk, i, pages, 1 << 20, 16, 0, off, undefined)).to.equal(100);
    expect(off.value).to.equal(8);
  });

  it('FOLIOQ: pages listed, no refs and no pins', () => {
    const a = r.physMem.allocPages(2);
    const rc = r.physMem.pageRefcount(a);
    const i = iovIterFolioq(
      ITER_DEST,
      { next: undefined, prev: undefined, folios: [a], orders: [2] },
      0,
      4096 * 3 + 10,
      4096 - 10,
    );
    const pages: number[] = [];
    const off: SizeRef = { value: 0 };
    expect(iovIterExtractPages(r.blk, i, pages, 1 << 20, 16, 0, off, undefined)).to.equal(4086);
    expect(pages[0]).to.equal(a + 3);
    expect(off.value).to.equal(10);
    expect(r.physMem.pageRefcount(a)).to.equal(rc);
  });

  it('DISCARD: -EFAULT', () => {
    expect(iovIterExtractPages(r.blk, iovIterDiscard(ITER_DEST, 10), [], 10, 1, 0, { value: 0 })).to.equal(-EFAULT);
  });

  it('the zero page comes back unpinned and uncounted (never-touched memory, write direction)', () => {
    const addr = mapAnon(r.mm, 4 * 4096);
    const owner = new TestOwner('t');
    const i = iovIterUbuf(ITER_SOURCE, r.mm, addr, 4 * 4096);
    const pages: number[] = [];
    expect(iovIterExtractPages(r.blk, i, pages, 1 << 20, 16, 0, { value: 0 }, owner)).to.equal(4 * 4096);
    expect(pages.every((p) => r.physMem.isZeroPage(p))).to.equal(true);
    expect(r.vm('nr_foll_pin_acquired')).to.equal(0);
    r.gup.unpinUserPages(pages, 4, owner);
    expect(r.vm('nr_foll_pin_released')).to.equal(0);
  });
});
