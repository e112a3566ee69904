import { expect } from 'chai';
import fc from 'fast-check';
import { fillRandomBuf, FrandState, setupRandomSeeds } from '@stackemu/fio';

describe('FrandState', () => {
  it('is deterministic per seed and spans 32 bits', () => {
    const a = new FrandState(0xb1899bed);
    const b = new FrandState(0xb1899bed);
    const xs = Array.from({ length: 100 }, () => a.rand32());
    expect(Array.from({ length: 100 }, () => b.rand32())).to.deep.equal(xs);
    expect(xs.some((x) => x > 2 ** 31)).to.equal(true);
    expect(xs.every((x) => x >= 0 && x <= 0xffffffff)).to.equal(true);
  });
  it('between() stays in range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => {
        const s = new FrandState(seed);
        for (let i = 0; i < 20; i++) {
          const v = s.between(1, 100);
          expect(v).to.be.within(1, 100);
        }
      }),
    );
  });
});

describe('fillRandomBuf()', () => {
  it("writes fio's hash chain (seed, then seed·GOLDEN_RATIO_64 …) in little-endian words", () => {
    const buf = new Uint8Array(64);
    fillRandomBuf(buf, 0, 64, 3n);
    const dv = new DataView(buf.buffer);
    const g = 0x61c8864680b583ebn;
    // bucket 0 is seed*1, bucket 1 seed*2, bucket 2 seed*3, bucket 3 seed*5; then each is hashed.
    expect(dv.getBigUint64(0, true)).to.equal(3n);
    expect(dv.getBigUint64(8, true)).to.equal(6n);
    expect(dv.getBigUint64(32, true)).to.equal(BigInt.asUintN(64, 3n * g));
    expect(dv.getBigUint64(56, true)).to.equal(BigInt.asUintN(64, 15n * g));
  });
  it('setupRandomSeeds() spreads the seed per thread', () => {
    const a = setupRandomSeeds(0x89n, 1);
    const b = setupRandomSeeds(0x89n, 2);
    expect(a).to.have.length(21);
    expect(a[0]).to.not.equal(b[0]);
  });
});
