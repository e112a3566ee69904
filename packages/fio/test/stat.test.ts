import { expect } from 'chai';
import fc from 'fast-check';
import { calcClatPercentiles, FIO_IO_U_PLAT_NR, IoStat, platIdxToVal, platValToIdx, ThreadStat } from '@stackemu/fio';

describe('platValToIdx() / platIdxToVal()', () => {
  it('keeps small values exact and bins larger ones with < 1/64 error', () => {
    for (let v = 0; v < 128; v++) expect(platIdxToVal(platValToIdx(v))).to.equal(v);
    fc.assert(
      fc.property(fc.integer({ min: 128, max: 2 ** 34 - 1 }), (v) => {
        const back = platIdxToVal(platValToIdx(v));
        expect(Math.abs(back - v) / v).to.be.below(1 / 64);
      }),
    );
    // the last group ends near 2^34 ns (17 s): longer latencies all land in the last bin, as in fio
    expect(platValToIdx(2 ** 60)).to.equal(FIO_IO_U_PLAT_NR - 1);
  });
  it('is monotone', () => {
    fc.assert(
      fc.property(fc.nat(2 ** 40), fc.nat(2 ** 40), (a, b) => (a <= b ? platValToIdx(a) <= platValToIdx(b) : true)),
    );
  });
});

describe('calcClatPercentiles()', () => {
  it('walks the histogram like fio', () => {
    const plat = new Float64Array(FIO_IO_U_PLAT_NR);
    for (let i = 1; i <= 100; i++) plat[platValToIdx(i * 1000)] = (plat[platValToIdx(i * 1000)] ?? 0) + 1;
    const r = calcClatPercentiles(plat, 100, [50, 99, 1]);
    expect(r?.plist).to.deep.equal([1, 50, 99]);
    expect(r?.ovals[0]).to.be.closeTo(1000, 16);
    expect(r?.ovals[1]).to.be.closeTo(50_000, 800);
    expect(r?.ovals[2]).to.be.closeTo(99_000, 1600);
  });
});

describe('IoStat', () => {
  it('matches the sample mean and standard deviation, and merges', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1e6 }), { minLength: 2, maxLength: 50 }),
        fc.array(fc.integer({ min: 0, max: 1e6 }), { minLength: 1, maxLength: 50 }),
        (xs, ys) => {
          const a = new IoStat();
          for (const x of xs) a.add(x);
          const b = new IoStat();
          for (const y of ys) b.add(y);
          const all = [...xs, ...ys];
          a.sum(b, false);
          const mean = all.reduce((s, v) => s + v, 0) / all.length;
          const S = all.reduce((s, v) => s + (v - mean) ** 2, 0);
          expect(a.mean).to.be.closeTo(mean, 1e-6 * Math.max(1, mean));
          expect(a.S).to.be.closeTo(S, 1e-6 * Math.max(1, S));
          expect(a.samples).to.equal(all.length);
        },
      ),
    );
  });
  it('ThreadStat buckets latencies into ns/µs/ms and depths like io_u.c', () => {
    const ts = new ThreadStat();
    ts.markLatency(500);
    ts.markLatency(15_000);
    ts.markLatency(3_000_000);
    ts.markLatency(3_000_000_000);
    expect(ts.ioULatN[8]).to.equal(1);
    expect(ts.ioULatU[3]).to.equal(1);
    expect(ts.ioULatM[1]).to.equal(1);
    expect(ts.ioULatM[11]).to.equal(1);
    ts.markDepth(32, 1);
    ts.markSubmit(1);
    ts.markSubmit(0);
    expect(ts.ioUMap[5]).to.equal(1);
    expect([...ts.ioUSubmit].slice(0, 2)).to.deep.equal([1, 1]);
  });
});
