import { expect } from 'chai';
import fc from 'fast-check';
import { SparseMemBackend } from '@stackemu/devices';

const SIZE = 4 * 2 ** 20 + 3 * 4096;

type Op =
  | { kind: 'write'; off: number; len: number; seed: number }
  | { kind: 'zero'; off: number; len: number }
  | { kind: 'read'; off: number; len: number };

const range = fc
  .tuple(fc.integer({ min: 0, max: SIZE - 1 }), fc.integer({ min: 1, max: 600_000 }))
  .map(([off, len]) => ({ off, len: Math.min(len, SIZE - off) }));
const op: fc.Arbitrary<Op> = fc.oneof(
  range.chain((r) => fc.integer({ min: 1, max: 255 }).map((seed) => ({ kind: 'write' as const, ...r, seed }))),
  range.map((r) => ({ kind: 'zero' as const, ...r })),
  range.map((r) => ({ kind: 'read' as const, ...r })),
);

describe('SparseMemBackend', () => {
  it('reads back what a flat byte array would hold, whatever the mix of writes, zeroing and reads', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        const m = new SparseMemBackend(SIZE);
        const ref = new Uint8Array(SIZE);
        for (const o of ops) {
          if (o.kind === 'write') {
            const src = new Uint8Array(o.len);
            for (let i = 0; i < o.len; i++) src[i] = (o.seed + i * 7) & 0xff;
            m.write(o.off, src, 0, o.len);
            ref.set(src, o.off);
          } else if (o.kind === 'zero') {
            m.writeZeroes(o.off, o.len);
            ref.fill(0, o.off, o.off + o.len);
          } else {
            const dst = new Uint8Array(o.len).fill(0x5a);
            m.read(o.off, dst, 0, o.len);
            expect(Buffer.from(dst).equals(Buffer.from(ref.subarray(o.off, o.off + o.len)))).to.equal(true);
          }
        }
        const all = new Uint8Array(SIZE);
        m.read(0, all, 0, SIZE);
        expect(Buffer.from(all).equals(Buffer.from(ref))).to.equal(true);
      }),
      { numRuns: 60 },
    );
  });

  it('allocates on write only, frees whole zeroed chunks and reuses their storage', () => {
    const m = new SparseMemBackend(SIZE);
    expect(m.allocatedBytes).to.equal(0);
    m.read(0, new Uint8Array(8192), 0, 8192);
    expect(m.allocatedBytes).to.equal(0);
    m.write(100, new Uint8Array(5000).fill(1), 0, 5000);
    expect(m.allocatedBytes).to.equal(8192);
    m.writeZeroes(0, 4096);
    expect(m.allocatedBytes).to.equal(4096);
    m.writeZeroes(4096, 100);
    expect(m.allocatedBytes).to.equal(4096);
    m.write(SIZE - 4096, new Uint8Array(4096).fill(9), 0, 4096);
    expect(m.allocatedBytes).to.equal(8192);
    const b = new Uint8Array(4096);
    m.read(SIZE - 4096, b, 0, 4096);
    expect(b.every((x) => x === 9)).to.equal(true);
  });

  it('hands a sequentially written range out as slab-sized spans, not one span per 4 KiB', () => {
    const m = new SparseMemBackend(SIZE);
    const mib = 2 ** 20;
    m.write(0, new Uint8Array(2 * mib).fill(3), 0, 2 * mib);
    const spans: number[] = [];
    m.readSpans(0, 2 * mib, (_b, _bo, _mo, n) => {
      spans.push(n);
      return true;
    });
    expect(spans).to.deep.equal([mib, mib]);
    // A stopped transfer reports it.
    expect(m.readSpans(0, 2 * mib, () => false)).to.equal(false);
  });
});
