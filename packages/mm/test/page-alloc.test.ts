import { expect } from 'chai';
import fc from 'fast-check';
import { MAX_PAGE_ORDER, Zone } from '@stackemu/mm';

describe('Zone (buddy allocator)', () => {
  it('carves aligned blocks lazily and splits the smallest fitting one', () => {
    const z = new Zone('Normal', 0, 4096);
    expect(z.alloc(0)).to.equal(0);
    expect(z.alloc(0)).to.equal(1);
    expect(z.alloc(1)).to.equal(2);
    expect(z.alloc(10)).to.equal(1024);
    expect(z.nrFree).to.equal(4096 - 4 - 1024);
  });

  it('merges buddies back to MAX_PAGE_ORDER blocks', () => {
    const z = new Zone('Normal', 0, 2048);
    const a = z.alloc(0);
    const b = z.alloc(0);
    z.free(a, 0);
    z.free(b, 0);
    expect(z.nrFree).to.equal(2048);
    expect(z.alloc(MAX_PAGE_ORDER)).to.equal(0);
    expect(z.alloc(MAX_PAGE_ORDER)).to.equal(1024);
    expect(z.alloc(0)).to.equal(-1);
  });

  it('property: random allocations never overlap, stay in the zone, and frees restore every page', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ order: fc.integer({ min: 0, max: 10 }), free: fc.boolean() }), { maxLength: 60 }),
        (ops) => {
          const z = new Zone('Movable', 4096, 8192);
          const held: [number, number][] = [];
          const used = new Set<number>();
          for (const op of ops) {
            if (op.free && held.length > 0) {
              const [p, o] = held.shift() as [number, number];
              for (let k = 0; k < 1 << o; k++) used.delete(p + k);
              z.free(p, o);
              continue;
            }
            const p = z.alloc(op.order);
            if (p < 0) continue;
            expect((p - 4096) % (1 << op.order)).to.equal(0);
            expect(p >= 4096 && p + (1 << op.order) <= 4096 + 8192).to.equal(true);
            for (let k = 0; k < 1 << op.order; k++) {
              expect(used.has(p + k)).to.equal(false);
              used.add(p + k);
            }
            held.push([p, op.order]);
          }
          for (const [p, o] of held) z.free(p, o);
          expect(z.nrFree).to.equal(8192);
          for (let i = 0; i < 8; i++) expect(z.alloc(10)).to.be.at.least(0);
          expect(z.alloc(0)).to.equal(-1);
        },
      ),
      { numRuns: 200 },
    );
  });
});
