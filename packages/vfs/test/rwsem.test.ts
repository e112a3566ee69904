import { expect } from 'chai';
import fc from 'fast-check';
import { RwSemaphore } from '@stackemu/vfs';

/** Lets every settled promise's continuations run (the wakeups are plain promise resolutions). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('RwSemaphore (struct rw_semaphore)', () => {
  it('readers share it; a writer excludes readers and writers; acquisitions without sleeping allocate no promise', () => {
    const s = new RwSemaphore();
    expect(s.downRead()).to.equal(undefined);
    expect(s.downRead()).to.equal(undefined);
    expect(s.downWriteTrylock()).to.equal(false);
    s.upRead();
    s.upRead();
    expect(s.isLocked()).to.equal(false);
    expect(s.downWrite()).to.equal(undefined);
    expect(s.downReadTrylock()).to.equal(false);
    expect(s.downWriteTrylock()).to.equal(false);
    s.upWrite();
    expect(s.downReadTrylock()).to.equal(true);
    s.upRead();
  });

  it('hands the lock over in arrival order; readers queued together wake together; a writer is not starved', async () => {
    const s = new RwSemaphore();
    const log: string[] = [];
    expect(s.downRead()).to.equal(undefined);
    const w1 = s.downWrite()?.then(() => log.push('w1'));
    // A reader arriving behind a sleeping writer queues (no stealing), even though only readers hold it.
    expect(s.downReadTrylock()).to.equal(false);
    const r2 = s.downRead()?.then(() => log.push('r2'));
    const r3 = s.downRead()?.then(() => log.push('r3'));
    const w4 = s.downWrite()?.then(() => log.push('w4'));
    expect(s.sleepers).to.equal(4);
    s.upRead();
    await w1;
    expect(log).to.deep.equal(['w1']);
    s.upWrite();
    await Promise.all([r2, r3]);
    expect(log).to.deep.equal(['w1', 'r2', 'r3']);
    await settle();
    expect(log).to.deep.equal(['w1', 'r2', 'r3']);
    s.upRead();
    await settle();
    expect(log).to.deep.equal(['w1', 'r2', 'r3']);
    s.upRead();
    await w4;
    expect(log).to.deep.equal(['w1', 'r2', 'r3', 'w4']);
    s.upWrite();
    expect(s.isLocked()).to.equal(false);
    expect(s.sleepers).to.equal(0);
  });

  it('refuses unbalanced releases', () => {
    const s = new RwSemaphore();
    expect(() => {
      s.upRead();
    }).to.throw(/up_read/);
    expect(() => {
      s.upWrite();
    }).to.throw(/up_write/);
  });

  it('random tasks: never a writer with anyone else, every task gets it, in FIFO order per wait', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ write: fc.boolean(), hold: fc.integer({ min: 0, max: 3 }) }), {
          minLength: 1,
          maxLength: 30,
        }),
        async (tasks) => {
          const s = new RwSemaphore();
          let readers = 0;
          let writers = 0;
          const order: number[] = [];
          const task = async (i: number, write: boolean, hold: number): Promise<void> => {
            const w = write ? s.downWrite() : s.downRead();
            if (w !== undefined) await w;
            order.push(i);
            if (write) writers++;
            else readers++;
            expect(writers <= 1 && (writers === 0 || readers === 0)).to.equal(true);
            for (let k = 0; k < hold; k++) await Promise.resolve();
            if (write) {
              writers--;
              s.upWrite();
            } else {
              readers--;
              s.upRead();
            }
          };
          await Promise.all(tasks.map((t, i) => task(i, t.write, t.hold)));
          expect([...order].sort((a, b) => a - b)).to.deep.equal(tasks.map((_t, i) => i));
          // Writers are granted in arrival order relative to every task that arrived before them.
          for (let i = 0; i < tasks.length; i++) {
            if (tasks[i]?.write !== true) continue;
            const at = order.indexOf(i);
            for (let j = 0; j < i; j++) expect(order.indexOf(j)).to.be.lessThan(at);
          }
          expect(s.isLocked()).to.equal(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});
