import { expect } from 'chai';
import fc from 'fast-check';
import {
  IOMAP_HOLE,
  IOMAP_MAPPED,
  IOMAP_UNWRITTEN,
  IomapfsExtentMap,
  type ExtentMapping,
  type IomapfsExtent,
} from '@stackemu/fs-iomap';

/** Per-block reference model: undefined = hole, else [pblk, unwritten]. */
type Ref = Map<number, [number, boolean]>;

function check(map: IomapfsExtentMap, ref: Ref, span: number): void {
  const ex = map.extents;
  for (let i = 0; i < ex.length; i++) {
    const e = ex[i] as IomapfsExtent;
    expect(e.len).to.be.greaterThan(0);
    if (i > 0) {
      const p = ex[i - 1] as IomapfsExtent;
      expect(p.lblk + p.len).to.be.at.most(e.lblk, 'sorted, non-overlapping');
      const mergeable = p.lblk + p.len === e.lblk && p.pblk + p.len === e.pblk && p.unwritten === e.unwritten;
      expect(mergeable, 'adjacent compatible extents are merged').to.equal(false);
    }
  }
  const m: ExtentMapping = { state: 0, lblk: 0, pblk: 0, len: 0 };
  for (let b = 0; b < span; b++) {
    map.map(b, 1, m);
    const r = ref.get(b);
    if (r === undefined) expect(m.state).to.equal(IOMAP_HOLE);
    else {
      expect(m.state).to.equal(r[1] ? IOMAP_UNWRITTEN : IOMAP_MAPPED);
      expect(m.pblk).to.equal(r[0]);
    }
  }
}

describe('IomapfsExtentMap', () => {
  it('maps holes up to the next extent and clips runs', () => {
    const m = new IomapfsExtentMap();
    m.insert(10, 5, 100, false);
    const out: ExtentMapping = { state: 0, lblk: 0, pblk: 0, len: 0 };
    expect(m.map(0, 100, out)).to.include({ state: IOMAP_HOLE, len: 10 });
    expect(m.map(12, 100, out)).to.include({ state: IOMAP_MAPPED, pblk: 102, len: 3 });
    expect(m.map(15, 7, out)).to.include({ state: IOMAP_HOLE, len: 7 });
  });

  it('merges physically contiguous inserts and splits on conversion', () => {
    const m = new IomapfsExtentMap();
    m.insert(0, 4, 50, true);
    m.insert(4, 4, 54, true);
    expect(m.count).to.equal(1);
    expect(m.markWritten(2, 3)).to.equal(3);
    expect(m.extents.map((e) => [e.lblk, e.len, e.unwritten])).to.deep.equal([
      [0, 2, true],
      [2, 3, false],
      [5, 3, true],
    ]);
    m.markWritten(0, 8);
    expect(m.count).to.equal(1);
    expect(m.remove(3, 2)).to.deep.equal([{ pblk: 53, len: 2 }]);
    expect(m.count).to.equal(2);
  });

  it('rejects an insert over an existing extent', () => {
    const m = new IomapfsExtentMap();
    m.insert(5, 5, 1, false);
    expect(() => {
      m.insert(7, 1, 99, false);
    }).to.throw(RangeError);
    expect(() => {
      m.insert(0, 6, 99, false);
    }).to.throw(RangeError);
  });

  it('matches a per-block model under random operations (property)', () => {
    const span = 48;
    const op = fc.oneof(
      fc.record({
        k: fc.constant('insert' as const),
        lblk: fc.nat(span - 1),
        len: fc.integer({ min: 1, max: 8 }),
        unwritten: fc.boolean(),
      }),
      fc.record({ k: fc.constant('written' as const), lblk: fc.nat(span - 1), len: fc.integer({ min: 1, max: 12 }) }),
      fc.record({ k: fc.constant('unwritten' as const), lblk: fc.nat(span - 1), len: fc.integer({ min: 1, max: 12 }) }),
      fc.record({ k: fc.constant('remove' as const), lblk: fc.nat(span - 1), len: fc.integer({ min: 1, max: 12 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const map = new IomapfsExtentMap();
        const ref: Ref = new Map();
        let nextP = 1000;
        for (const o of ops) {
          if (o.k === 'insert') {
            // Insert only into a hole of the full length (as the allocator does).
            let free = true;
            for (let b = o.lblk; b < o.lblk + o.len; b++) if (ref.has(b)) free = false;
            if (!free) continue;
            // Sometimes physically contiguous with the previous run, to exercise merging.
            const p = nextP;
            nextP += o.len + (o.len % 2);
            map.insert(o.lblk, o.len, p, o.unwritten);
            for (let b = 0; b < o.len; b++) ref.set(o.lblk + b, [p + b, o.unwritten]);
          } else if (o.k === 'remove') {
            const freed = map.remove(o.lblk, o.len);
            let n = 0;
            for (let b = o.lblk; b < o.lblk + o.len; b++) if (ref.delete(b)) n++;
            expect(freed.reduce((s, r) => s + r.len, 0)).to.equal(n);
          } else {
            const toUnwritten = o.k === 'unwritten';
            const n = toUnwritten ? map.markUnwritten(o.lblk, o.len) : map.markWritten(o.lblk, o.len);
            let want = 0;
            for (let b = o.lblk; b < o.lblk + o.len; b++) {
              const r = ref.get(b);
              if (r !== undefined && r[1] !== toUnwritten) {
                want++;
                ref.set(b, [r[0], toUnwritten]);
              }
            }
            expect(n).to.equal(want);
          }
          check(map, ref, span + 8);
        }
      }),
      { numRuns: 300 },
    );
  });
});
