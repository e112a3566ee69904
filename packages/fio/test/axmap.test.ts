import { expect } from 'chai';
import fc from 'fast-check';
import { Axmap } from '@stackemu/fio';

describe('Axmap', () => {
  it('setNr() stops at the first set bit; nextFree() wraps', () => {
    const m = new Axmap(100);
    expect(m.setNr(10, 5)).to.equal(5);
    expect(m.setNr(8, 5)).to.equal(2);
    expect(m.isset(9)).to.equal(true);
    expect(m.nextFree(14)).to.equal(15);
    for (let i = 0; i < 100; i++) m.setNr(i, 1);
    expect(m.nextFree(50)).to.equal(-1);
  });
  it('nextFree() finds the first free bit after b, else the first from 0 (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3000 }),
        fc.array(fc.nat(), { maxLength: 200 }),
        fc.nat(),
        (n, sets, start) => {
          const m = new Axmap(n);
          const ref = new Array<boolean>(n).fill(false);
          for (const s of sets) {
            const b = s % n;
            m.setNr(b, 1);
            ref[b] = true;
          }
          const b = start % n;
          let want = -1;
          for (let i = b + 1; i < n; i++)
            if (!ref[i]) {
              want = i;
              break;
            }
          if (want === -1)
            for (let i = 0; i < n; i++)
              if (!ref[i]) {
                want = i;
                break;
              }
          expect(m.nextFree(b)).to.equal(want);
        },
      ),
    );
  });
});
