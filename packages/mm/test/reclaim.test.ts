import { expect } from 'chai';
import fc from 'fast-check';
import {
  FGP_ACCESSED,
  FGP_CREAT,
  PAGE_SIZE,
  balanceDirtyPagesRatelimited,
  filemapGetFolio,
  filemapReadFolio,
  folioMarkDirty,
  folioMarkUptodate,
  folioUnlock,
} from '@stackemu/mm';
import { fakeFile } from './fake-fs.js';
import { mmWorld, owner, type MmWorld } from './helpers.js';

const o = owner('test');

/** Runs `body` while the machine's scheduler drives virtual time. */
async function drive<T>(w: MmWorld, body: () => Promise<T>): Promise<T> {
  const [r] = await Promise.all([body(), w.machine.scheduler.run()]);
  return r;
}

describe('page-cache reclaim (kswapd, the file LRU)', function () {
  this.timeout(30_000);
  it('reading a file four times the size of memory keeps free memory above the low watermark', async () => {
    const w = await mmWorld({ mem: '16m' });
    const pages = 4 * 4096;
    const f = fakeFile(w.mm, w.mem, w.machine.scheduler, { size: pages * PAGE_SIZE, latencyNs: 100 });
    let minFree = Number.MAX_SAFE_INTEGER;
    await drive(w, async () => {
      for (let i = 0; i < pages; i++) {
        const pfn = await filemapReadFolio(f.mapping, i, o);
        expect(pfn, `index ${i}`).to.be.at.least(0);
        w.mem.putPage(pfn, o);
        minFree = Math.min(minFree, w.vm('nr_free_pages'));
      }
    });
    // 16 MiB: min_free_kbytes = sqrt(16384 * 16) = 512 KiB → min 128 pages, low 160, high 192.
    expect(minFree).to.be.at.least(128);
    expect(w.vm('nr_file_pages')).to.be.below(4096);
    expect(w.vm('pgsteal_kswapd')).to.equal(pages - w.vm('nr_file_pages'));
    expect(w.vm('pgscan_kswapd')).to.be.at.least(w.vm('pgsteal_kswapd'));
    // The newest pages are the ones still cached (streaming access: oldest reclaimed first).
    expect(filemapGetFolio(f.mapping, pages - 1)).to.be.at.least(0);
    expect(filemapGetFolio(f.mapping, 0)).to.be.below(0);
    expect(w.findings()).to.deep.equal([]);
  });

  it('never reclaims a folio that is dirty, referenced by someone, or was accessed since the last scan', async () => {
    const w = await mmWorld({
      mem: '16m',
      dirty_writeback_centisecs: 0,
      dirty_background_ratio: 100,
      dirty_ratio: 100,
    });
    const f = fakeFile(w.mm, w.mem, w.machine.scheduler, { size: 8192 * PAGE_SIZE, latencyNs: 100 });
    await drive(w, async () => {
      // index 0: a reference is held; 1: dirty; 2: accessed again after being read.
      const held = await filemapReadFolio(f.mapping, 0, o);
      const dirty = await filemapReadFolio(f.mapping, 1, o);
      folioMarkDirty(f.mapping, dirty);
      w.mem.putPage(dirty, o);
      w.mem.putPage(await filemapReadFolio(f.mapping, 2, o), o);
      const again = filemapGetFolio(f.mapping, 2, FGP_ACCESSED, o);
      w.mem.putPage(again, o);
      // Stream 24 MiB more through the cache: well over what is free.
      for (let i = 3; i < 3 + 6144; i++) w.mem.putPage(await filemapReadFolio(f.mapping, i, o), o);
      expect(w.vm('pgsteal_kswapd')).to.be.above(0);
      expect(filemapGetFolio(f.mapping, 0)).to.equal(held);
      expect(filemapGetFolio(f.mapping, 1)).to.equal(dirty);
      expect(filemapGetFolio(f.mapping, 2)).to.equal(again);
      // Index 3 (read once, early) is gone.
      expect(filemapGetFolio(f.mapping, 3)).to.be.below(0);
      for (const i of [0, 1, 2]) w.mem.putPage(filemapGetFolio(f.mapping, i), undefined);
      w.mem.putPage(held, o);
    });
  });

  it('whatever the mix of reads, dirtying, held references and releases, only unused clean folios go', async () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('read' as const), i: fc.integer({ min: 0, max: 3000 }) }),
      fc.record({ k: fc.constant('hold' as const), i: fc.integer({ min: 0, max: 3000 }) }),
      fc.record({ k: fc.constant('dirty' as const), i: fc.integer({ min: 0, max: 3000 }) }),
      fc.record({ k: fc.constant('release' as const), n: fc.nat() }),
      fc.record({ k: fc.constant('stream' as const), n: fc.integer({ min: 1, max: 1500 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        const w = await mmWorld({
          mem: '8m',
          dirty_writeback_centisecs: 0,
          dirty_background_ratio: 100,
          dirty_ratio: 100,
        });
        const f = fakeFile(w.mm, w.mem, w.machine.scheduler, { size: 8192 * PAGE_SIZE, latencyNs: 10 });
        const held: { i: number; pfn: number }[] = [];
        const dirty = new Map<number, number>();
        let next = 3001;
        await drive(w, async () => {
          for (const x of ops) {
            if (x.k === 'read' || x.k === 'hold' || x.k === 'dirty') {
              const pfn = await filemapReadFolio(f.mapping, x.i, o);
              expect(pfn).to.be.at.least(0);
              if (x.k === 'dirty') {
                folioMarkDirty(f.mapping, pfn);
                dirty.set(x.i, pfn);
              }
              if (x.k === 'hold') held.push({ i: x.i, pfn });
              else w.mem.putPage(pfn, o);
            } else if (x.k === 'release') {
              const [h] = held.splice(x.n % Math.max(held.length, 1), 1);
              if (h !== undefined) w.mem.putPage(h.pfn, o);
            } else {
              for (let k = 0; k < x.n; k++) w.mem.putPage(await filemapReadFolio(f.mapping, next++ % 8192, o), o);
            }
            for (const h of held) expect(filemapGetFolio(f.mapping, h.i), `held ${h.i}`).to.equal(h.pfn);
            for (const [i, pfn] of dirty) expect(filemapGetFolio(f.mapping, i), `dirty ${i}`).to.equal(pfn);
            // (each lookup above took a reference: drop them)
            for (const h of held) w.mem.putPage(h.pfn, undefined);
            for (const pfn of dirty.values()) w.mem.putPage(pfn, undefined);
            expect(w.vm('nr_free_pages')).to.be.at.least(0);
          }
          for (const h of held) w.mem.putPage(h.pfn, o);
        });
        await w.machine.stop();
      }),
      { numRuns: 15 },
    );
  });
});

describe('dirty throttling (balance_dirty_pages)', function () {
  this.timeout(30_000);
  it('a writer dirtying twice the memory is held under vm.dirty_ratio and paced by writeback', async () => {
    const w = await mmWorld({ mem: '16m' });
    const pages = 8192;
    const f = fakeFile(w.mm, w.mem, w.machine.scheduler, { size: pages * PAGE_SIZE, latencyNs: 20_000 });
    let maxOutstanding = 0;
    let maxThresh = 0;
    let pauses = 0;
    await drive(w, async () => {
      for (let i = 0; i < pages; i++) {
        const pfn = filemapGetFolio(f.mapping, i, FGP_CREAT, o);
        expect(pfn).to.be.at.least(0);
        folioMarkUptodate(f.mapping, pfn);
        folioMarkDirty(f.mapping, pfn);
        folioUnlock(f.mapping, pfn);
        w.mem.putPage(pfn, o);
        const t = w.machine.scheduler.now();
        await balanceDirtyPagesRatelimited(f.mapping);
        if (w.machine.scheduler.now() > t) pauses++;
        const dirtyable = w.vm('nr_free_pages') + w.vm('nr_file_pages') - 192;
        maxThresh = Math.max(maxThresh, Math.floor(dirtyable * 0.2));
        maxOutstanding = Math.max(maxOutstanding, w.vm('nr_dirty') + w.vm('nr_writeback'));
      }
    });
    expect(maxOutstanding).to.be.at.most(maxThresh);
    expect(maxOutstanding).to.be.above(maxThresh / 2);
    // The writer waited for writeback (the fake disk completes every batch 20 µs after it starts), and every
    // page went to "disk".
    expect(pauses).to.be.above(0);
    await drive(w, () => w.flusher.syncAll());
    expect(f.written.length).to.equal(pages);
    expect(w.vm('pgsteal_kswapd')).to.be.above(0);
  });

  it('below the free-run ceiling the writer never waits', async () => {
    const w = await mmWorld({ mem: '64m', dirty_writeback_centisecs: 0 });
    const f = fakeFile(w.mm, w.mem, w.machine.scheduler, { size: 256 * PAGE_SIZE, latencyNs: 1_000_000 });
    const t0 = w.machine.scheduler.now();
    for (let i = 0; i < 256; i++) {
      const pfn = filemapGetFolio(f.mapping, i, FGP_CREAT, o);
      folioMarkUptodate(f.mapping, pfn);
      folioMarkDirty(f.mapping, pfn);
      folioUnlock(f.mapping, pfn);
      w.mem.putPage(pfn, o);
      await balanceDirtyPagesRatelimited(f.mapping);
    }
    expect(w.machine.scheduler.now()).to.equal(t0);
    expect(w.vm('nr_dirty')).to.equal(256);
  });
});
