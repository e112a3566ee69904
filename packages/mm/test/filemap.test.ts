import { expect } from 'chai';
import { EAGAIN, EBUSY, EIO, ENOENT } from '@stackemu/core';
import {
  FGP_CREAT,
  FGP_LOCK,
  FOLL_WRITE,
  MAP_SHARED,
  PAGE_SIZE,
  PROT_READ,
  PROT_WRITE,
  filemapCheckErrors,
  filemapGetFolio,
  filemapRangeNeedsWriteback,
  filemapReadFolio,
  filemapTaggedIndexes,
  folioMarkDirty,
  folioUnlock,
  PAGECACHE_TAG_DIRTY,
  invalidateInodePages2Range,
  mappingSetError,
  mmFilemapAddToPageCache,
  truncateInodePagesFinal,
  truncateInodePagesRange,
} from '@stackemu/mm';
import { fakeFile } from './fake-fs.js';
import { memset, mmWorld, peek, physPage } from './helpers.js';

const P = PAGE_SIZE;

describe('filemapGetFolio() / filemapReadFolio()', () => {
  it('looks up, creates (locked with FGP_LOCK) and refuses a second lock without sleeping', async () => {
    const w = await mmWorld();
    const f = fakeFile(w.mm, w.mem, w.machine.scheduler);
    expect(filemapGetFolio(f.mapping, 3)).to.equal(-ENOENT);
    const adds: number[] = [];
    const sub = w.machine.trace.topic(mmFilemapAddToPageCache).subscribe((e) => adds.push(e.index));
    const pfn = filemapGetFolio(f.mapping, 3, FGP_CREAT | FGP_LOCK);
    sub.unsubscribe();
    expect(adds).to.deep.equal([3]);
    expect(w.mem.pageLocked(pfn)).to.equal(true);
    expect(w.mem.pageRefcount(pfn)).to.equal(2);
    expect(f.mapping.nrpages).to.equal(1);
    expect(filemapGetFolio(f.mapping, 3, FGP_LOCK)).to.equal(-EAGAIN);
    folioUnlock(f.mapping, pfn);
    w.mem.putPage(pfn);
    expect(w.vm('nr_file_pages')).to.equal(1);
  });

  it('reads through a_ops->read_folio in virtual time and caches the result', async () => {
    const w = await mmWorld();
    const f = fakeFile(w.mm, w.mem, w.machine.scheduler, { latencyNs: 5000 });
    const [pfn] = await Promise.all([filemapReadFolio(f.mapping, 1), w.machine.scheduler.run()]);
    expect(w.machine.scheduler.now()).to.equal(5000);
    expect(w.mem.pageUptodate(pfn)).to.equal(true);
    expect(w.mem.pageLocked(pfn)).to.equal(false);
    expect(physPage(w.mem, pfn).every((b) => b === 0x11)).to.equal(true);
    const again = await filemapReadFolio(f.mapping, 1);
    expect(again).to.equal(pfn);
    w.mem.putPage(pfn);
    w.mem.putPage(pfn);
  });

  it('a failed read returns its error and leaves the folio not uptodate', async () => {
    const w = await mmWorld();
    const f = fakeFile(w.mm, w.mem, w.machine.scheduler);
    (f.mapping.aops as unknown as { readFolio: () => Promise<number> }).readFolio = () => Promise.resolve(-EIO);
    expect(await filemapReadFolio(f.mapping, 0)).to.equal(-EIO);
    const pfn = filemapGetFolio(f.mapping, 0);
    expect(w.mem.pageUptodate(pfn)).to.equal(false);
    w.mem.putPage(pfn);
  });
});

describe('mmap of files: faults, dirtying, page_mkwrite', () => {
  it('a read fault maps a shared page R/O; the first write calls page_mkwrite and dirties it', async () => {
    const w = await mmWorld();
    const f = fakeFile(w.mm, w.mem, w.machine.scheduler);
    const mm = w.mm.createMm('p');
    const a = mm.mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED, f.mmapFile, 0);
    expect(mm.copyFromUser(new Uint8Array(1), 0, a, 1), 'a page-cache miss cannot complete synchronously').to.equal(1);
    await Promise.all([mm.faultInReadable(a, P), w.machine.scheduler.run()]);
    expect(peek(mm, a, P).every((b) => b === 0x11)).to.equal(true);
    expect(mm.pagemap(a)?.writable).to.equal(false);
    expect(w.vm('pgmajfault')).to.equal(1);
    memset(mm, a, 0x22, 16);
    expect(f.mkwrites).to.equal(1);
    expect(mm.pagemap(a)?.writable).to.equal(true);
    expect(w.mem.pageDirty(mm.pagemap(a)?.pfn as number)).to.equal(true);
    expect(w.vm('nr_dirty')).to.equal(1);
    mm.exit();
  });

  it('a fault beyond EOF fails (SIGBUS → EFAULT)', async () => {
    const w = await mmWorld();
    const f = fakeFile(w.mm, w.mem, w.machine.scheduler, { size: P });
    const mm = w.mm.createMm('p');
    const a = mm.mmap(0, 2 * P, PROT_READ, MAP_SHARED, f.mmapFile, 0);
    expect(mm.handleMmFault(a + P, false)).to.equal(-14);
    expect(await mm.faultInReadable(a + P, 1)).to.equal(1);
  });
});

describe('writeback and the flusher', () => {
  it('dirty pages are written back after dirty_expire_centisecs, in virtual time', async () => {
    const w = await mmWorld();
    const f = fakeFile(w.mm, w.mem, w.machine.scheduler);
    const mm = w.mm.createMm('p');
    const a = mm.mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED, f.mmapFile, 0);
    await Promise.all([mm.faultInWriteable(a, 2 * P), w.machine.scheduler.run()]);
    // The write faults dirtied both pages; the flusher wrote them back 30 s later.
    expect(f.written.sort()).to.deep.equal([0, 1]);
    expect(f.mkwrites).to.equal(2);
    f.written.length = 0;
    const t0 = w.machine.scheduler.now();
    memset(mm, a, 0x33, 2 * P);
    expect(w.vm('nr_dirty')).to.equal(2);
    expect(w.flusher.dirtyInodes()).to.equal(1);
    await w.machine.scheduler.run();
    expect(f.written.sort()).to.deep.equal([0, 1]);
    expect(w.machine.scheduler.now() - t0).to.be.at.least(30e9);
    expect(w.vm('nr_dirty')).to.equal(0);
    expect(w.vm('nr_writeback')).to.equal(0);
    expect(w.vm('nr_written')).to.equal(4);
    expect(f.disk.get(1)?.every((b) => b === 0x33)).to.equal(true);
    expect(mm.pagemap(a)?.writable, 'writeback write-protected the PTE').to.equal(false);
    memset(mm, a, 0x44, 1);
    expect(f.mkwrites).to.equal(5);
    mm.exit();
  });

  it('above the background threshold, writeback starts at once', async () => {
    const w = await mmWorld({ dirty_background_ratio: 0 });
    const f = fakeFile(w.mm, w.mem, w.machine.scheduler);
    const mm = w.mm.createMm('p');
    const a = mm.mmap(0, P, PROT_READ | PROT_WRITE, MAP_SHARED, f.mmapFile, 0);
    await Promise.all([mm.faultInWriteable(a, P), w.machine.scheduler.run()]);
    f.written.length = 0;
    const t0 = w.machine.scheduler.now();
    memset(mm, a, 0x55, P);
    await w.machine.scheduler.run();
    expect(f.written).to.deep.equal([0]);
    expect(w.machine.scheduler.now() - t0).to.be.below(1e6);
  });

  it('syncAll() writes everything and waits; shmem is never written back', async () => {
    const w = await mmWorld();
    const f = fakeFile(w.mm, w.mem, w.machine.scheduler);
    const shm = w.mm.shmemFileSetup('shm', P);
    const mm = w.mm.createMm('p');
    const a = mm.mmap(0, P, PROT_READ | PROT_WRITE, MAP_SHARED, f.mmapFile, 0);
    const b = mm.mmap(0, P, PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0);
    await Promise.all([mm.faultInWriteable(a, P), w.machine.scheduler.run()]);
    f.written.length = 0;
    memset(mm, a, 1, P);
    memset(mm, b, 1, P);
    expect(w.vm('nr_dirty'), 'shmem pages are not counted in nr_dirty').to.equal(1);
    const [r] = await Promise.all([w.flusher.syncAll(), w.machine.scheduler.run()]);
    expect(r).to.equal(0);
    expect(f.written).to.deep.equal([0]);
    mm.exit();
  });

  it('a pinned page can be written back while pinned (writeback is not pin-aware, R5.5)', async () => {
    const w = await mmWorld();
    const f = fakeFile(w.mm, w.mem, w.machine.scheduler);
    const mm = w.mm.createMm('p');
    const a = mm.mmap(0, P, PROT_READ | PROT_WRITE, MAP_SHARED, f.mmapFile, 0);
    await Promise.all([mm.faultInWriteable(a, P), w.machine.scheduler.run()]);
    const pages: number[] = [];
    expect(w.gup.pinUserPagesFast(mm, a, 1, FOLL_WRITE, pages)).to.equal(1);
    await Promise.all([w.flusher.syncAll(), w.machine.scheduler.run()]);
    expect(w.mem.pageDirty(pages[0] as number)).to.equal(false);
    w.gup.unpinUserPagesDirtyLock(pages, 1, true);
    expect(w.mem.pageDirty(pages[0] as number)).to.equal(true);
    mm.exit();
  });
});

describe('truncation and invalidation', () => {
  it('truncate unmaps and drops folios; a pinned one lives on outside the page cache', async () => {
    const w = await mmWorld();
    const f = fakeFile(w.mm, w.mem, w.machine.scheduler);
    const mm = w.mm.createMm('p');
    const a = mm.mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_SHARED, f.mmapFile, 0);
    await Promise.all([mm.faultInWriteable(a, 2 * P), w.machine.scheduler.run()]);
    const pages: number[] = [];
    w.gup.pinUserPages(mm, a, 1, 0, pages);
    await truncateInodePagesRange(f.mapping, 0, 10);
    expect(f.mapping.nrpages).to.equal(0);
    expect(mm.pagemap(a)).to.equal(undefined);
    expect(w.mem.pageRefcount(pages[0] as number)).to.equal(1024);
    w.gup.unpinUserPages(pages, 1);
    expect(w.mem.pageRefcount(pages[0] as number)).to.equal(0);
    expect(w.vm('nr_file_pages')).to.equal(0);
    mm.exit();
    await truncateInodePagesFinal(f.mapping);
  });

  it('invalidate_inode_pages2_range drops clean folios and refuses dirty ones', async () => {
    const w = await mmWorld();
    const f = fakeFile(w.mm, w.mem, w.machine.scheduler);
    const [p0, p1] = await Promise.all([
      filemapReadFolio(f.mapping, 0),
      filemapReadFolio(f.mapping, 1),
      w.machine.scheduler.run(),
    ]);
    w.mem.putPage(p0);
    w.mem.putPage(p1);
    w.mem.setPageDirtyLock(p1);
    expect(invalidateInodePages2Range(f.mapping, 0, 5)).to.equal(-EBUSY);
    expect(f.mapping.nrpages).to.equal(1);
  });

  it('mapping errors are reported once', async () => {
    const w = await mmWorld();
    const f = fakeFile(w.mm, w.mem, w.machine.scheduler);
    mappingSetError(f.mapping, -EIO);
    expect(filemapCheckErrors(f.mapping)).to.equal(-EIO);
    expect(filemapCheckErrors(f.mapping)).to.equal(0);
  });

  it('a MAP_SHARED|MAP_ANONYMOUS region is released with its last mapping', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    const a = mm.mmap(0, 4 * P, PROT_READ | PROT_WRITE, MAP_SHARED | 0x20, undefined, 0);
    memset(mm, a, 1, 4 * P);
    const child = mm.fork();
    expect(peek(child, a, 4 * P).every((b) => b === 1)).to.equal(true);
    memset(child, a, 2, P);
    expect(peek(mm, a, 1)[0], 'shared with the child').to.equal(2);
    expect(w.vm('nr_shmem')).to.equal(4);
    mm.exit();
    child.exit();
    expect(w.vm('nr_shmem')).to.equal(0);
    expect(w.mem.nrFreePages()).to.equal(w.mem.totalPages - 1);
  });
});

describe('filemapRangeNeedsWriteback()', () => {
  it('agrees with the tagged-index listing for any byte range (dirty and writeback tags)', async () => {
    const { default: fc } = await import('fast-check');
    const w = await mmWorld();
    const f = fakeFile(w.mm, w.mem, w.machine.scheduler);
    // Pages 0..63 cached; a scattered subset dirty.
    const dirty = new Set<number>();
    for (let i = 0; i < 64; i++) {
      const pfn = filemapGetFolio(f.mapping, i, FGP_CREAT | FGP_LOCK);
      if (i % 7 === 3 || i === 40 || i === 41) {
        folioMarkDirty(f.mapping, pfn);
        dirty.add(i);
      }
      folioUnlock(f.mapping, pfn);
    }
    fc.assert(
      fc.property(fc.nat(70 * P), fc.nat(8 * P), (start, len) => {
        const end = start + len;
        const first = Math.floor(start / P);
        const last = Math.floor(end / P);
        let expected = false;
        for (let i = first; i <= last; i++) if (dirty.has(i)) expected = true;
        expect(filemapRangeNeedsWriteback(f.mapping, start, end)).to.equal(expected);
        expect(filemapTaggedIndexes(f.mapping, PAGECACHE_TAG_DIRTY, first, last)).to.deep.equal(
          [...dirty].filter((i) => i >= first && i <= last).sort((a, b) => a - b),
        );
      }),
      { seed: 7, numRuns: 300 },
    );
    expect(filemapRangeNeedsWriteback(f.mapping, 0, 64 * P)).to.equal(true);
    expect(filemapRangeNeedsWriteback(f.mapping, 4 * P, 9 * P + 100)).to.equal(false);
  });
});

describe('page-cache tags across a large file', () => {
  it('dirty-tag listings and range checks stay exact for indexes spread over many bitmap chunks', async () => {
    const { default: fc } = await import('fast-check');
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 0, max: 200_000 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 210_000 }), fc.integer({ min: 0, max: 70_000 })), {
          maxLength: 20,
        }),
        async (indexes, ranges) => {
          const w = await mmWorld();
          const f = fakeFile(w.mm, w.mem, w.machine.scheduler, { size: 0 });
          f.size = 210_000 * P;
          const dirty = new Set<number>();
          for (const [k, i] of indexes.entries()) {
            const pfn = filemapGetFolio(f.mapping, i, FGP_CREAT | FGP_LOCK);
            // Every third page stays clean (cached, untagged).
            if (k % 3 !== 2) {
              folioMarkDirty(f.mapping, pfn);
              dirty.add(i);
            }
            folioUnlock(f.mapping, pfn);
            w.mem.putPage(pfn, undefined);
          }
          const sorted = [...dirty].sort((a, b) => a - b);
          expect(filemapTaggedIndexes(f.mapping, PAGECACHE_TAG_DIRTY)).to.deep.equal(sorted);
          for (const [first, len] of ranges) {
            const last = first + len;
            const want = sorted.filter((i) => i >= first && i <= last);
            expect(filemapTaggedIndexes(f.mapping, PAGECACHE_TAG_DIRTY, first, last)).to.deep.equal(want);
            expect(filemapRangeNeedsWriteback(f.mapping, first * P, last * P + P - 1)).to.equal(want.length > 0);
          }
          // Writing everything back empties the tag, whatever the layout.
          await Promise.all([w.flusher.syncAll(), w.machine.scheduler.run()]);
          expect(filemapTaggedIndexes(f.mapping, PAGECACHE_TAG_DIRTY)).to.deep.equal([]);
          expect(f.written.slice().sort((a, b) => a - b)).to.deep.equal(sorted);
          await w.machine.stop();
        },
      ),
      { seed: 11, numRuns: 25 },
    );
  });
});
