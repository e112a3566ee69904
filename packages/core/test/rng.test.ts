import { expect } from 'chai';
import fc from 'fast-check';
import { createRng, normalizeSeed, Xoshiro128, type Rng } from '@stackemu/core';

function draw(r: Rng, n: number): number[] {
  return Array.from({ length: n }, () => r.nextU32());
}

function bump(counts: number[], i: number): void {
  counts[i] = (counts[i] ?? 0) + 1;
}

/** Pearson's chi-square statistic of observed counts against a uniform expectation. */
function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
}

describe('Xoshiro128 (xoshiro128** seeded by SplitMix32)', () => {
  it('matches a C reference implementation of the published algorithm', () => {
    // Produced by a C program implementing xoshiro128** 1.1 and the same SplitMix32 seeding with uint32_t.
    expect(draw(new Xoshiro128(0), 6)).to.deep.equal([
      3809008728, 1133695204, 53579671, 2891528803, 139681546, 2203266335,
    ]);
    expect(draw(new Xoshiro128(42), 6)).to.deep.equal([
      2837322924, 544945897, 479756282, 3500138142, 339756180, 113173290,
    ]);
    expect(draw(new Xoshiro128(0xffffffff), 6)).to.deep.equal([
      835879718, 1921286648, 2356205009, 1885780724, 980451116, 1053911718,
    ]);
  });

  it('is reproducible from its seed', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), (seed) => {
        expect(draw(createRng(seed), 8)).to.deep.equal(draw(createRng(seed), 8));
      }),
      { numRuns: 50 },
    );
  });

  describe('normalizeSeed()', () => {
    it('uses u32 integers and their decimal strings as is, and hashes anything else', () => {
      expect(normalizeSeed(7)).to.equal(7);
      expect(normalizeSeed('7')).to.equal(7);
      expect(normalizeSeed(7n)).to.equal(7);
      expect(normalizeSeed(0xffffffff)).to.equal(0xffffffff);
      const h = normalizeSeed('run-a');
      expect(h).to.equal(normalizeSeed('run-a'));
      expect(h).to.not.equal(normalizeSeed('run-b'));
      expect(normalizeSeed(-1)).to.be.within(0, 0xffffffff);
      expect(normalizeSeed(1.5)).to.not.equal(normalizeSeed(1));
      expect(normalizeSeed(2 ** 40)).to.be.within(0, 0xffffffff);
      expect(createRng('42').nextU32()).to.equal(createRng(42).nextU32());
    });
  });

  describe('fork()', () => {
    it('depends on the parent seed and the name only, not on the parent position', () => {
      const a = createRng(5);
      const before = draw(a.fork('nvme'), 5);
      draw(a, 100);
      expect(draw(a.fork('nvme'), 5)).to.deep.equal(before);
      expect(a.fork('nvme').seed).to.equal(createRng(5).fork('nvme').seed);
    });

    it('leaves every other stream unchanged when a component is added', () => {
      const streamsOf = (names: readonly string[]): Map<string, number[]> => {
        const root = createRng(1234);
        const m = new Map<string, number[]>();
        for (const n of names) m.set(n, draw(root.fork(n), 16));
        return m;
      };
      const small = streamsOf(['mm', 'block', 'fio']);
      const big = streamsOf(['devices', 'mm', 'nfs', 'block', 'extra', 'fio']);
      for (const [n, v] of small) expect(big.get(n)).to.deep.equal(v);
    });

    it('gives different names, seeds and nesting different streams', () => {
      const root = createRng(0);
      const seeds = new Set([
        root.seed,
        root.fork('a').seed,
        root.fork('b').seed,
        root.fork('a').fork('b').seed,
        root.fork('b').fork('a').seed,
        createRng(1).fork('a').seed,
        // Regression: with the seed xor-ed into FNV's basis, seed 0 + "a" and seed 3 + "b" collided.
        createRng(3).fork('b').seed,
      ]);
      expect(seeds.size).to.equal(7);
    });

    it('does not collide across many seeds and names (no structural collisions)', () => {
      const seen = new Set<number>();
      for (let seed = 0; seed < 64; seed++) {
        const root = createRng(seed);
        for (let i = 0; i < 64; i++) seen.add(root.fork(`c${i}`).seed);
      }
      // 4096 derived 32-bit seeds: a random collision has probability ~0.2 %; structure would give many.
      expect(seen.size).to.be.at.least(4095);
    });

    it('produces streams that are not correlated with the parent', () => {
      const root = createRng(99);
      const child = root.fork('x');
      const a = draw(root, 1000);
      const b = draw(child, 1000);
      const same = a.filter((v, i) => v === b[i]).length;
      expect(same).to.equal(0);
    });
  });

  describe('nextInt()', () => {
    it('stays in [0, n) for any bound', () => {
      const r = createRng(3);
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 0x100000000 }), (n) => {
          for (let i = 0; i < 20; i++) {
            const v = r.nextInt(n);
            expect(Number.isInteger(v) && v >= 0 && v < n).to.equal(true);
          }
        }),
        { numRuns: 500 },
      );
      expect(r.nextInt(1)).to.equal(0);
    });

    it('rejects bad bounds', () => {
      const r = createRng(0);
      for (const n of [0, -1, 1.5, Number.NaN, 0x100000001, Infinity]) {
        expect(() => r.nextInt(n), String(n)).to.throw(RangeError, /rng: bad bound/);
      }
    });

    it('is uniform over a small bound (chi-square, 9 degrees of freedom)', () => {
      const r = createRng(2024);
      const counts = new Array<number>(10).fill(0);
      for (let i = 0; i < 100_000; i++) bump(counts, r.nextInt(10));
      // p = 0.001 critical value for 9 df is 27.88.
      expect(chiSquare(counts)).to.be.below(27.88);
    });

    it('has no modulo bias for a bound near 2^32 (thirds of 3·2^30)', () => {
      // With a plain `x % n`, values below 2^32 - n = 2^30 would come twice as often: bins 1:1:1 → 2:1:1.
      const r = createRng(77);
      const n = 3 * 2 ** 30;
      const counts = [0, 0, 0];
      for (let i = 0; i < 60_000; i++) bump(counts, Math.floor(r.nextInt(n) / 2 ** 30));
      expect(chiSquare(counts)).to.be.below(13.82); // p = 0.001, 2 df
    });
  });

  describe('nextFloat()', () => {
    it('returns floats in [0, 1) with a uniform spread', () => {
      const r = createRng(5);
      const counts = new Array<number>(16).fill(0);
      for (let i = 0; i < 64_000; i++) {
        const f = r.nextFloat();
        expect(f >= 0 && f < 1).to.equal(true);
        bump(counts, Math.floor(f * 16));
      }
      expect(chiSquare(counts)).to.be.below(37.7); // p = 0.001, 15 df
    });
  });

  describe('nextRange()', () => {
    it('stays in [lo, hi] inclusive, including negative and wide ranges', () => {
      const r = createRng(8);
      fc.assert(
        fc.property(fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), fc.integer({ min: 0, max: 2 ** 52 }), (lo, span) => {
          const hi = lo + span;
          const v = r.nextRange(lo, hi);
          expect(Number.isSafeInteger(v) && v >= lo && v <= hi).to.equal(true);
        }),
        { numRuns: 2000 },
      );
      const seen = new Set<number>();
      for (let i = 0; i < 200; i++) seen.add(r.nextRange(-1, 1));
      expect([...seen].sort()).to.deep.equal([-1, 0, 1]);
    });

    it('rejects reversed, non-integer and wider-than-2^53 ranges (instead of looping forever)', () => {
      const r = createRng(0);
      expect(() => r.nextRange(2, 1)).to.throw(RangeError);
      expect(() => r.nextRange(0.5, 3)).to.throw(RangeError);
      expect(() => r.nextRange(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)).to.throw(RangeError, /2\^53/);
      expect(r.nextRange(0, 2 ** 53 - 1)).to.be.within(0, 2 ** 53 - 1);
    });
  });
});
