import { expect } from 'chai';
import {
  ITER_DEST,
  ITER_SOURCE,
  iovIterBvec,
  iovIterDiscard,
  iovIterFolioq,
  iovIterGetPages2,
  iovIterGetPagesAlloc2,
  iovIterInit,
  iovIterKvec,
  iovIterUbuf,
  type SizeRef,
} from '@stackemu/block';
import { EFAULT } from '@stackemu/core';
import { rig, type TestRig } from './support/machine.js';
import { mapAnon } from './support/io.js';
import { TestOwner } from './support/owner.js';

/** Maps and touches `pages` anonymous pages; returns the address and their pfns. */
export function userPages(r: TestRig, pages: number): { addr: number; pfns: number[] } {
  const addr = mapAnon(r.mm, pages * 4096);
  r.mm.copyToUser(addr, new Uint8Array(pages * 4096).fill(1), 0, pages * 4096);
  const pfns: number[] = [];
  for (let k = 0; k < pages; k++) pfns.push((r.mm.pagemap(addr + k * 4096) as { pfn: number }).pfn);
  return { addr, pfns };
}

describe('iovIterGetPages2() (FOLL_GET family)', () => {
  let r: TestRig;
  beforeEach(async () => {
    r = await rig();
  });
  afterEach(async () => {
    expect(r.sanitizer.findings()).to.deep.equal([]);
    await r.stop();
  });

  it('UBUF: 4 KiB at buffer offset 512 takes one FOLL_GET ref on each of 2 pages, no pins', () => {
    const { addr, pfns } = userPages(r, 2);
    const owner = new TestOwner('t');
    const rc0 = pfns.map((p) => r.physMem.pageRefcount(p));
    const acq0 = r.vm('nr_foll_pin_acquired');
    const i = iovIterUbuf(ITER_DEST, r.mm, addr + 512, 4096);
    const pages: number[] = [];
    const start: SizeRef = { value: -1 };
    expect(iovIterGetPages2(r.blk, i, pages, 4096, 16, start, owner)).to.equal(4096);
    expect(start.value).to.equal(512);
    expect(pages).to.deep.equal(pfns);
    expect(i.count).to.equal(0);
    expect(pfns.map((p) => r.physMem.pageRefcount(p) - (rc0[pfns.indexOf(p)] as number))).to.deep.equal([1, 1]);
    expect(r.vm('nr_foll_pin_acquired')).to.equal(acq0);
    expect(r.sanitizer.heldBy(owner)).to.deep.equal({ get: 2, pin: 0 });
    for (const p of pages) r.physMem.putPage(p, owner);
    expect(r.sanitizer.heldBy(owner)).to.deep.equal({ get: 0, pin: 0 });
  });

  it('IOVEC: only the first non-empty segment is used; a destination asks FOLL_WRITE', () => {
    const { addr, pfns } = userPages(r, 3);
    const owner = new TestOwner('t');
    const i = iovIterInit(ITER_DEST, r.mm, [
      { iovBase: addr, iovLen: 0 },
      { iovBase: addr + 100, iovLen: 200 },
      { iovBase: addr + 8192, iovLen: 4096 },
    ]);
    const pages: number[] = [];
    const start: SizeRef = { value: 0 };
    expect(iovIterGetPages2(r.blk, i, pages, 1 << 20, 16, start, owner)).to.equal(200);
    expect(pages.slice(0, 1)).to.deep.equal([pfns[0]]);
    expect(start.value).to.equal(100);
    expect(i.count).to.equal(4096);
    expect(iovIterGetPages2(r.blk, i, pages, 1 << 20, 16, start, owner)).to.equal(4096);
    expect(pages[0]).to.equal(pfns[2]);
    expect(r.sanitizer.heldBy(owner).get).to.equal(2);
    r.physMem.putPage(pfns[0] as number, owner);
    r.physMem.putPage(pfns[2] as number, owner);
  });

  it('respects maxpages and maxsize', () => {
    const { addr, pfns } = userPages(r, 4);
    const owner = new TestOwner('t');
    const i = iovIterUbuf(ITER_SOURCE, r.mm, addr + 1000, 4 * 4096 - 1000);
    const pages: number[] = [];
    const start: SizeRef = { value: 0 };
    expect(iovIterGetPages2(r.blk, i, pages, 1 << 20, 2, start, owner)).to.equal(2 * 4096 - 1000);
    expect(pages.slice(0, 2)).to.deep.equal(pfns.slice(0, 2));
    const more: number[] = [];
    expect(iovIterGetPages2(r.blk, i, more, 10, 2, start, owner)).to.equal(10);
    expect(more).to.deep.equal([pfns[2]]);
    expect(start.value).to.equal(0);
    expect(iovIterGetPages2(r.blk, i, [], 10, 0, start, owner)).to.equal(0);
    expect(r.sanitizer.heldBy(owner).get).to.equal(3);
    for (const p of [...pages.slice(0, 2), ...more]) r.physMem.putPage(p, owner);
    expect(r.sanitizer.heldBy(owner).get).to.equal(0);
  });

  it('BVEC: the current bvec only, folio_get() per page (refs, not pins), first offset folded in', () => {
    const owner = new TestOwner('t');
    const p = r.physMem.allocPages(2);
    const q = r.physMem.allocPages(0);
    const rc = r.physMem.pageRefcount(p);
    const i = iovIterBvec(
      ITER_DEST,
      [
        { bvPage: p, bvLen: 8192, bvOffset: 4096 + 512 },
        { bvPage: q, bvLen: 4096, bvOffset: 0 },
      ],
      2,
      12288,
    );
    const pages: number[] = [];
    const start: SizeRef = { value: 0 };
    expect(iovIterGetPages2(r.blk, i, pages, 1 << 20, 16, start, owner)).to.equal(8192);
    expect(pages.slice(0, 3)).to.deep.equal([p + 1, p + 2, p + 3]);
    expect(start.value).to.equal(512);
    expect(r.physMem.pageRefcount(p)).to.equal(rc + 3);
    expect(i.segIdx).to.equal(1);
    expect(r.vm('nr_foll_pin_acquired')).to.equal(0);
    expect(r.sanitizer.heldBy(owner)).to.deep.equal({ get: 3, pin: 0 });
    for (const x of pages.slice(0, 3)) r.physMem.putPage(x, owner);
  });

  it('FOLIOQ: get_page() on each page, across folios', () => {
    const owner = new TestOwner('t');
    const a = r.physMem.allocPages(1);
    const b = r.physMem.allocPages(0);
    const i = iovIterFolioq(
      ITER_DEST,
      { next: undefined, prev: undefined, folios: [a, b], orders: [1, 0] },
      0,
      4096 + 100,
      8192 - 100,
    );
    const pages: number[] = [];
    const start: SizeRef = { value: 0 };
    expect(iovIterGetPages2(r.blk, i, pages, 1 << 20, 16, start, owner)).to.equal(8192 - 100);
    expect(pages.slice(0, 2)).to.deep.equal([a + 1, b]);
    expect(start.value).to.equal(100);
    expect(r.sanitizer.heldBy(owner).get).to.equal(2);
    for (const x of pages.slice(0, 2)) r.physMem.putPage(x, owner);
  });

  it('KVEC and DISCARD: -EFAULT (no case handles them)', () => {
    const p = r.physMem.allocPages(0);
    const start: SizeRef = { value: 0 };
    expect(
      iovIterGetPages2(r.blk, iovIterKvec(ITER_DEST, [{ iovBase: p * 4096, iovLen: 100 }], 100), [], 100, 4, start),
    ).to.equal(-EFAULT);
    expect(iovIterGetPages2(r.blk, iovIterDiscard(ITER_DEST, 100), [], 100, 4, start)).to.equal(-EFAULT);
  });

  it('unmapped user memory: GUP error, nothing held', () => {
    const owner = new TestOwner('t');
    const i = iovIterUbuf(ITER_DEST, r.mm, 0x7000_0000, 4096);
    expect(iovIterGetPages2(r.blk, i, [], 4096, 4, { value: 0 }, owner)).to.equal(-EFAULT);
    expect(i.count).to.equal(4096);
    expect(r.sanitizer.heldBy(owner)).to.deep.equal({ get: 0, pin: 0 });
  });
});

describe('iovIterGetPagesAlloc2()', () => {
  it('returns a sized array of referenced pages', async () => {
    const r = await rig();
    const { addr, pfns } = userPages(r, 3);
    const owner = new TestOwner('t');
    const res = iovIterGetPagesAlloc2(r.blk, iovIterUbuf(ITER_DEST, r.mm, addr + 4095, 4097), 1 << 20, owner);
    expect(res).to.deep.equal({ ret: 4097, pages: [pfns[0], pfns[1]], start: 4095 });
    for (const p of res.pages) r.physMem.putPage(p, owner);
    expect(r.sanitizer.findings()).to.deep.equal([]);
    await r.stop();
  });
});
