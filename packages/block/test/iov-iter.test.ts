import { expect } from 'chai';
import fc from 'fast-check';
import {
  ITER_BVEC,
  ITER_DEST,
  ITER_IOVEC,
  ITER_KVEC,
  ITER_SOURCE,
  ITER_UBUF,
  KernelBugError,
  copyFromIter,
  copyToIter,
  importIovec,
  importUbuf,
  iovIterAdvance,
  iovIterAlignment,
  iovIterBvec,
  iovIterCount,
  iovIterDiscard,
  iovIterExtractWillPin,
  iovIterFolioq,
  iovIterGapAlignment,
  iovIterInit,
  iovIterIsUserBacked,
  iovIterKvec,
  iovIterNpages,
  iovIterReexpand,
  iovIterRestore,
  iovIterRevert,
  iovIterSaveState,
  iovIterTruncate,
  iovIterUbuf,
  iovIterZero,
  IovIter,
  type Iovec,
} from '@stackemu/block';
import { EFAULT, EINVAL } from '@stackemu/core';
import type { MmStruct } from '@stackemu/mm';
import { rig, type TestRig } from './support/machine.js';
import { mapAnon } from './support/io.js';

const fakeMm = {} as MmStruct;

describe('iov_iter constructors and user_backed_iter()', () => {
  it('marks only UBUF and IOVEC as user-backed (and extract_will_pin)', () => {
    const u = iovIterUbuf(ITER_DEST, fakeMm, 0x10000, 100);
    const v = iovIterInit(ITER_SOURCE, fakeMm, [{ iovBase: 0x1000, iovLen: 10 }]);
    const k = iovIterKvec(ITER_DEST, [{ iovBase: 0x2000, iovLen: 10 }], 10);
    const b = iovIterBvec(ITER_DEST, [{ bvPage: 3, bvLen: 10, bvOffset: 0 }], 1, 10);
    const d = iovIterDiscard(ITER_DEST, 10);
    const q = iovIterFolioq(ITER_DEST, { next: undefined, prev: undefined, folios: [5], orders: [0] }, 0, 0, 10);
    expect([u, v, k, b, d, q].map(iovIterIsUserBacked)).to.deep.equal([true, true, false, false, false, false]);
    expect([u, v, k, b, d, q].map(iovIterExtractWillPin)).to.deep.equal([true, true, false, false, false, false]);
    expect(u.iterType).to.equal(ITER_UBUF);
    expect(v.iterType).to.equal(ITER_IOVEC);
    expect(v.count).to.equal(10);
    expect(v.dataSource).to.equal(true);
  });

  it('iov_iter_discard() with a source direction is a kernel BUG', () => {
    expect(() => iovIterDiscard(ITER_SOURCE, 1)).to.throw(KernelBugError);
  });
});

describe('iovIterAdvance() / iovIterRevert()', () => {
  it('walks IOVEC segments and back', () => {
    const iov: Iovec[] = [
      { iovBase: 0x1000, iovLen: 100 },
      { iovBase: 0x5000, iovLen: 0 },
      { iovBase: 0x9000, iovLen: 300 },
    ];
    const i = iovIterInit(ITER_DEST, fakeMm, iov);
    iovIterAdvance(i, 150);
    expect([i.segIdx, i.iovOffset, i.count, i.nrSegs]).to.deep.equal([2, 50, 250, 1]);
    iovIterRevert(i, 120);
    expect([i.segIdx, i.iovOffset, i.count, i.nrSegs]).to.deep.equal([0, 30, 370, 3]);
  });

  it('clamps an advance to the count', () => {
    const i = iovIterBvec(ITER_DEST, [{ bvPage: 1, bvLen: 4096, bvOffset: 0 }], 1, 4096);
    iovIterAdvance(i, 10000);
    expect(i.count).to.equal(0);
  });

  it('refuses to revert before the start of a UBUF (the kernel BUG)', () => {
    const i = iovIterUbuf(ITER_DEST, fakeMm, 0x1000, 100);
    iovIterAdvance(i, 10);
    expect(() => {
      iovIterRevert(i, 11);
    }).to.throw(KernelBugError);
  });

  it('advance then revert of any amount restores every iterator type (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 3 }),
        fc.nat(),
        fc.nat(),
        (lens, kind, a1, a2) => {
          const total = lens.reduce((x, y) => x + y, 0);
          let i: IovIter;
          if (kind === 0)
            i = iovIterInit(
              ITER_DEST,
              fakeMm,
              lens.map((l, k) => ({ iovBase: 0x100000 * (k + 1), iovLen: l })),
            );
          else if (kind === 1)
            i = iovIterKvec(
              ITER_DEST,
              lens.map((l, k) => ({ iovBase: 0x100000 * (k + 1), iovLen: l })),
              total,
            );
          else if (kind === 2)
            i = iovIterBvec(
              ITER_DEST,
              lens.map((l, k) => ({ bvPage: 100 * k, bvLen: l, bvOffset: 7 })),
              lens.length,
              total,
            );
          else i = iovIterUbuf(ITER_DEST, fakeMm, 0x700000, total);
          const x = total === 0 ? 0 : a1 % (total + 1);
          iovIterAdvance(i, x);
          expect(iovIterCount(i)).to.equal(total - x);
          const y = x === 0 ? 0 : a2 % (x + 1);
          iovIterRevert(i, y);
          expect(iovIterCount(i)).to.equal(total - x + y);
          iovIterRevert(i, x - y);
          expect(iovIterCount(i)).to.equal(total);
          // Back at the start: the first non-empty segment is current again.
          if (kind === 3) expect(i.iovOffset).to.equal(0);
          else {
            const lensBefore = lens.slice(0, i.segIdx).reduce((p, q) => p + q, 0);
            expect(lensBefore + i.iovOffset).to.equal(0);
          }
        },
      ),
    );
  });

  it('save/restore round-trips', () => {
    const i = iovIterInit(ITER_DEST, fakeMm, [
      { iovBase: 0x1000, iovLen: 100 },
      { iovBase: 0x9000, iovLen: 300 },
    ]);
    const s = iovIterSaveState(i);
    iovIterAdvance(i, 250);
    iovIterRestore(i, s);
    expect([i.segIdx, i.iovOffset, i.count]).to.deep.equal([0, 0, 400]);
  });

  it('truncate and reexpand', () => {
    const i = iovIterUbuf(ITER_DEST, fakeMm, 0, 100);
    iovIterTruncate(i, 40);
    expect(i.count).to.equal(40);
    iovIterTruncate(i, 60);
    expect(i.count).to.equal(40);
    iovIterReexpand(i, 100);
    expect(i.count).to.equal(100);
  });
});

describe('iovIterAlignment() / iovIterGapAlignment() / iovIterNpages()', () => {
  it('ORs starts and lengths', () => {
    expect(iovIterAlignment(iovIterUbuf(ITER_DEST, fakeMm, 0x10200, 4096)) & 511).to.equal(0);
    expect(iovIterAlignment(iovIterUbuf(ITER_DEST, fakeMm, 0x10064, 4096)) & 511).to.equal(0x64);
    const v = iovIterInit(ITER_DEST, fakeMm, [
      { iovBase: 0x1000, iovLen: 512 },
      { iovBase: 0x3000, iovLen: 1000 },
    ]);
    expect(iovIterAlignment(v) & 511).to.equal(1000 & 511);
  });

  it('gap alignment sees inner boundaries only', () => {
    const v = iovIterInit(ITER_DEST, fakeMm, [
      { iovBase: 0x1000, iovLen: 0x800 },
      { iovBase: 0x3000, iovLen: 0x1000 },
    ]);
    expect(iovIterGapAlignment(v) & 0xfff).to.equal(0x800);
    expect(iovIterGapAlignment(iovIterUbuf(ITER_DEST, fakeMm, 1, 5))).to.equal(0);
  });

  it('counts pages per segment, offsets included', () => {
    expect(iovIterNpages(iovIterUbuf(ITER_DEST, fakeMm, 0x10200, 4096), 100)).to.equal(2);
    expect(iovIterNpages(iovIterUbuf(ITER_DEST, fakeMm, 0x10000, 4096), 100)).to.equal(1);
    const v = iovIterInit(ITER_DEST, fakeMm, [
      { iovBase: 0x1000, iovLen: 2048 },
      { iovBase: 0x1800, iovLen: 2048 },
    ]);
    expect(iovIterNpages(v, 100)).to.equal(2);
    expect(iovIterNpages(iovIterUbuf(ITER_DEST, fakeMm, 0, 1 << 20), 16)).to.equal(16);
    expect(iovIterNpages(iovIterDiscard(ITER_DEST, 100), 16)).to.equal(0);
  });
});

describe('importUbuf() / importIovec()', () => {
  it('rejects ranges outside user space with -EFAULT and too many segments with -EINVAL', () => {
    expect(importUbuf(ITER_DEST, fakeMm, 2 ** 47, 10)).to.equal(-EFAULT);
    expect(
      importIovec(
        ITER_DEST,
        fakeMm,
        Array.from({ length: 1025 }, () => ({ iovBase: 0, iovLen: 0 })),
        1025,
      ),
    ).to.equal(-EINVAL);
    expect(importIovec(ITER_DEST, fakeMm, [{ iovBase: 0, iovLen: -1 }], 1)).to.equal(-EINVAL);
  });

  it('turns a single-segment vector into UBUF (preadv with one iovec is pread)', () => {
    const i = importIovec(ITER_DEST, fakeMm, [{ iovBase: 0x1000, iovLen: 10 }], 1) as IovIter;
    expect(i.iterType).to.equal(ITER_UBUF);
    const j = importIovec(
      ITER_DEST,
      fakeMm,
      [
        { iovBase: 0x1000, iovLen: 10 },
        { iovBase: 0x2000, iovLen: 5 },
      ],
      2,
    ) as IovIter;
    expect(j.iterType).to.equal(ITER_IOVEC);
    expect(j.count).to.equal(15);
  });

  it('caps the total at MAX_RW_COUNT', () => {
    const j = importIovec(
      ITER_DEST,
      fakeMm,
      [
        { iovBase: 0x1000, iovLen: 0x7ffff000 },
        { iovBase: 0x2000, iovLen: 4096 },
      ],
      2,
    ) as IovIter;
    expect(j.count).to.equal(0x7ffff000);
  });
});

describe('copyToIter() / copyFromIter() / iovIterZero()', () => {
  let r: TestRig;
  before(async () => {
    r = await rig();
  });
  after(async () => r.stop());

  it('copies to and from user memory through UBUF and IOVEC, advancing', () => {
    const a = mapAnon(r.mm, 12288);
    const src = new Uint8Array(6000).map((_, k) => k & 0xff);
    const i = iovIterInit(ITER_DEST, r.mm, [
      { iovBase: a, iovLen: 1000 },
      { iovBase: a + 4000, iovLen: 5000 },
    ]);
    expect(copyToIter(r.blk, src, 0, 6000, i)).to.equal(6000);
    expect(i.count).to.equal(0);
    const back = new Uint8Array(6000);
    const j = iovIterInit(ITER_SOURCE, r.mm, [
      { iovBase: a, iovLen: 1000 },
      { iovBase: a + 4000, iovLen: 5000 },
    ]);
    expect(copyFromIter(r.blk, back, 0, 6000, j)).to.equal(6000);
    expect(back).to.deep.equal(src);
    // wrong direction copies nothing
    expect(copyToIter(r.blk, src, 0, 10, iovIterUbuf(ITER_SOURCE, r.mm, a, 10))).to.equal(0);
  });

  it('stops short at an unmapped user page', () => {
    const a = mapAnon(r.mm, 4096);
    const i = iovIterUbuf(ITER_DEST, r.mm, a + 4000, 200);
    expect(copyToIter(r.blk, new Uint8Array(200), 0, 200, i)).to.equal(96);
    expect(i.count).to.equal(104);
  });

  it('copies into kernel pages through BVEC and KVEC, and DISCARD swallows', () => {
    const p = r.physMem.allocPages(1);
    const b = iovIterBvec(ITER_DEST, [{ bvPage: p, bvLen: 6000, bvOffset: 100 }], 1, 6000);
    const src = new Uint8Array(6000).fill(7);
    expect(copyToIter(r.blk, src, 0, 6000, b)).to.equal(6000);
    const out = new Uint8Array(6000);
    r.physMem.read(p * 4096 + 100, out, 0, 6000);
    expect(out).to.deep.equal(src);
    const k = iovIterKvec(ITER_SOURCE, [{ iovBase: p * 4096 + 100, iovLen: 6000 }], 6000);
    const back = new Uint8Array(6000);
    expect(copyFromIter(r.blk, back, 0, 6000, k)).to.equal(6000);
    expect(back).to.deep.equal(src);
    expect(copyToIter(r.blk, src, 0, 6000, iovIterDiscard(ITER_DEST, 50))).to.equal(50);
    expect(k.iterType).to.equal(ITER_KVEC);
    expect(b.iterType).to.equal(ITER_BVEC);
    const z = iovIterBvec(ITER_DEST, [{ bvPage: p, bvLen: 100, bvOffset: 100 }], 1, 100);
    expect(iovIterZero(r.blk, 100, z)).to.equal(100);
    r.physMem.read(p * 4096 + 100, out, 0, 100);
    expect(out.subarray(0, 100).every((x) => x === 0)).to.equal(true);
  });
});
