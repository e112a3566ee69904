import { expect } from 'chai';
import { EBADF, EINVAL, ESPIPE } from '@stackemu/core';
import {
  Gup,
  MAP_SHARED,
  PROT_READ,
  filemapGetFolio,
  folioTestDirty,
  folioTrylock,
  folioUnlock,
  invalidateMappingPages,
  mappingTryInvalidate,
  type AddressSpace,
} from '@stackemu/mm';
import {
  File,
  FMODE_NOREUSE,
  FMODE_RANDOM,
  FMODE_READ,
  O_CREAT,
  O_RDWR,
  POSIX_FADV_DONTNEED,
  POSIX_FADV_NOREUSE,
  POSIX_FADV_NORMAL,
  POSIX_FADV_RANDOM,
  POSIX_FADV_SEQUENTIAL,
  POSIX_FADV_WILLNEED,
  S_IFIFO,
  VM_READAHEAD_PAGES,
  ioUringParams,
  newInode,
} from '@stackemu/vfs';
import { pattern, rig, type Rig } from './support/machine.js';
import type { MemFile, MemfsOptions } from './support/memfs.js';

const P = 4096;

function file(r: Rig, fd: number): File {
  return r.p.sys.file(fd) as File;
}

function memFile(r: Rig, fd: number): MemFile {
  return file(r, fd).fInode.iPrivate as MemFile;
}

/** The page indexes cached in `mapping` among the first `n` (each lookup's reference is dropped again). */
function cached(mapping: AddressSpace, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const pfn = filemapGetFolio(mapping, i);
    if (pfn >= 0) {
      out.push(i);
      current?.physMem.putPage(pfn);
    }
  }
  return out;
}

/** The rig of the running test (for {@link cached}). */
let current: Rig | undefined;

/** A rig with a file `/f` of `pages` pages written through the page cache and fsynced (all clean, cached). */
async function cleanFile(
  pages: number,
  memfs?: MemfsOptions,
  size = pages * P,
): Promise<{ r: Rig; fd: number; mapping: AddressSpace }> {
  const r = await rig(memfs === undefined ? {} : { memfs });
  current = r;
  const src = r.buf(size, pattern(7, size));
  const fd = await r.run(() => r.p.sys.open('/f', O_CREAT | O_RDWR));
  expect(await r.run(() => r.p.sys.pwrite(fd, src, size, 0))).to.equal(size);
  expect(await r.run(() => r.p.sys.fsync(fd))).to.equal(0);
  const mapping = file(r, fd).fMapping;
  expect(mapping.nrpages).to.equal(pages);
  return { r, fd, mapping };
}

describe('posix_fadvise() (mm/fadvise.c)', () => {
  describe('errors', () => {
    it("answers EBADF, EINVAL (negative len, unknown advice) and ESPIPE (a FIFO) in the kernel's order", async () => {
      const { r, fd } = await cleanFile(1);
      const sys = r.p.sys;
      await r.run(async () => {
        expect(await sys.fadvise(99, 0, 0, POSIX_FADV_DONTNEED)).to.equal(-EBADF);
        expect(await sys.fadvise(-1, 0, 0, POSIX_FADV_NORMAL)).to.equal(-EBADF);
        expect(await sys.fadvise(fd, 0, -1, POSIX_FADV_NORMAL)).to.equal(-EINVAL);
        expect(await sys.fadvise(fd, 0, 0, 6)).to.equal(-EINVAL);
        expect(await sys.fadvise(fd, 0, 0, -1)).to.equal(-EINVAL);
        expect(await sys.fadvise(fd, 0, 0, POSIX_FADV_NOREUSE)).to.equal(0);
        // A FIFO: ESPIPE comes before the len and advice checks.
        const reg = file(r, fd);
        const fifo = new File(reg.fPath, newInode(reg.fInode.iSb, 1000, S_IFIFO | 0o600), FMODE_READ, 0);
        const pfd = r.p.files.install(fifo);
        expect(await sys.fadvise(pfd, 0, 0, POSIX_FADV_DONTNEED)).to.equal(-ESPIPE);
        expect(await sys.fadvise(pfd, 0, -1, 99)).to.equal(-ESPIPE);
      });
    });

    it('ignores valid advice on a file of the no-op bdi (an io_uring) but still rejects unknown advice', async () => {
      const r = await rig();
      current = r;
      const ring = r.p.sys.ioUringSetup(4, ioUringParams());
      await r.run(async () => {
        for (const a of [
          POSIX_FADV_NORMAL,
          POSIX_FADV_RANDOM,
          POSIX_FADV_SEQUENTIAL,
          POSIX_FADV_WILLNEED,
          POSIX_FADV_NOREUSE,
          POSIX_FADV_DONTNEED,
        ]) {
          expect(await r.p.sys.fadvise(ring, 0, 0, a)).to.equal(0);
        }
        expect(file(r, ring).fMode & (FMODE_RANDOM | FMODE_NOREUSE)).to.equal(0);
        expect(await r.p.sys.fadvise(ring, 0, 0, 7)).to.equal(-EINVAL);
        expect(await r.p.sys.fadvise(ring, 0, -5, POSIX_FADV_NORMAL)).to.equal(-EINVAL);
      });
    });
  });

  it('NORMAL/RANDOM/SEQUENTIAL/NOREUSE set the readahead window and FMODE_RANDOM/FMODE_NOREUSE', async () => {
    const { r, fd } = await cleanFile(1);
    const f = file(r, fd);
    expect(f.fRa.raPages).to.equal(VM_READAHEAD_PAGES); // file_ra_state_init() from the bdi
    await r.run(async () => {
      expect(await r.p.sys.fadvise(fd, 0, 0, POSIX_FADV_RANDOM)).to.equal(0);
      expect(f.fMode & FMODE_RANDOM).to.equal(FMODE_RANDOM);
      expect(await r.p.sys.fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)).to.equal(0);
      expect(f.fMode & FMODE_RANDOM).to.equal(0);
      expect(f.fRa.raPages).to.equal(2 * VM_READAHEAD_PAGES);
      expect(await r.p.sys.fadvise(fd, 0, 0, POSIX_FADV_NOREUSE)).to.equal(0);
      expect(await r.p.sys.fadvise(fd, 0, 0, POSIX_FADV_RANDOM)).to.equal(0);
      expect(f.fMode & (FMODE_RANDOM | FMODE_NOREUSE)).to.equal(FMODE_RANDOM | FMODE_NOREUSE);
      expect(await r.p.sys.fadvise(fd, 0, 0, POSIX_FADV_NORMAL)).to.equal(0);
      expect(f.fMode & (FMODE_RANDOM | FMODE_NOREUSE)).to.equal(0);
      expect(f.fRa.raPages).to.equal(VM_READAHEAD_PAGES);
    });
  });

  describe('POSIX_FADV_DONTNEED', () => {
    it('drops every clean cached page of the file (len 0), and reads come back through readFolio', async () => {
      const { r, fd, mapping } = await cleanFile(8);
      const files0 = r.vm('nr_file_pages');
      const mf = memFile(r, fd);
      expect(await r.run(() => r.p.sys.fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))).to.equal(0);
      expect(mapping.nrpages).to.equal(0);
      expect(files0 - r.vm('nr_file_pages')).to.equal(8);
      const dst = r.buf(P);
      expect(await r.run(() => r.p.sys.pread(fd, dst, P, 3 * P))).to.equal(P);
      expect(mf.reads).to.equal(1);
      expect(Buffer.from(r.peek(dst, P)).equals(Buffer.from(pattern(7, 8 * P).subarray(3 * P, 4 * P)))).to.equal(true);
      expect(r.sanitizer.findings()).to.deep.equal([]);
    });

    it('keeps partial pages at both ends, except a last page that ends at EOF', async () => {
      const { r, fd, mapping } = await cleanFile(8);
      // Bytes [100, 100 + 3P): pages 1 and 2 are whole; 0 and 3 partial.
      expect(await r.run(() => r.p.sys.fadvise(fd, 100, 3 * P, POSIX_FADV_DONTNEED))).to.equal(0);
      expect(cached(mapping, 8)).to.deep.equal([0, 3, 4, 5, 6, 7]);
      // Page-aligned end: [4P, 6P) drops 4 and 5.
      expect(await r.run(() => r.p.sys.fadvise(fd, 4 * P, 2 * P, POSIX_FADV_DONTNEED))).to.equal(0);
      expect(cached(mapping, 8)).to.deep.equal([0, 3, 6, 7]);
      // Ending inside page 0: nothing (end_index 0 would underflow).
      expect(await r.run(() => r.p.sys.fadvise(fd, 0, 10, POSIX_FADV_DONTNEED))).to.equal(0);
      expect(cached(mapping, 8)).to.deep.equal([0, 3, 6, 7]);
      // A negative offset reaches nothing.
      expect(await r.run(() => r.p.sys.fadvise(fd, -P, 0, POSIX_FADV_DONTNEED))).to.equal(0);
      expect(cached(mapping, 8)).to.deep.equal([0, 3, 6, 7]);
    });

    it('drops a partial last page when the range ends at EOF', async () => {
      const size = 3 * P + 100;
      const { r, fd, mapping } = await cleanFile(4, {}, size);
      expect(await r.run(() => r.p.sys.fadvise(fd, P, size - P, POSIX_FADV_DONTNEED))).to.equal(0);
      expect(cached(mapping, 4)).to.deep.equal([0]);
    });

    it('writes dirty pages back (WB_SYNC_NONE) but keeps them while under writeback; a second call drops them', async () => {
      const { r, fd, mapping } = await cleanFile(4, { asyncWriteback: true, writebackNs: 50_000 });
      const mf = memFile(r, fd);
      const src = r.buf(P, 0x5a);
      expect(await r.run(() => r.p.sys.pwrite(fd, src, P, 2 * P))).to.equal(P);
      const wb0 = mf.writebacks;
      const written0 = r.vm('nr_written');
      const t0 = r.machine.scheduler.now();
      expect(await r.run(() => r.p.sys.fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))).to.equal(0);
      expect(r.machine.scheduler.now() - t0).to.be.below(50_000); // did not wait for the writeback
      expect(mf.writebacks - wb0).to.equal(1);
      expect(cached(mapping, 4)).to.deep.equal([2]); // under writeback: skipped
      await r.idle();
      expect(r.vm('nr_written') - written0).to.equal(1);
      expect(mf.data[2 * P]).to.equal(0x5a);
      expect(await r.run(() => r.p.sys.fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))).to.equal(0);
      expect(mapping.nrpages).to.equal(0);
    });

    it('keeps mapped and pinned pages, and drops them once unmapped and unpinned', async () => {
      const { r, fd, mapping } = await cleanFile(4);
      const a = r.p.sys.mmap(0, 2 * P, PROT_READ, MAP_SHARED, fd, 0);
      expect(a).to.be.greaterThan(0);
      await r.run(() => r.mm.faultInReadable(a, 2 * P));
      const gup = r.machine.get<Gup>(Gup);
      const pages: number[] = [];
      expect(gup.pinUserPagesFast(r.mm, a + P, 1, 0, pages)).to.equal(1);
      expect(r.p.sys.munmap(a, P)).to.equal(0); // page 0 no longer mapped; page 1 still mapped and pinned
      expect(await r.run(() => r.p.sys.fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))).to.equal(0);
      expect(cached(mapping, 4)).to.deep.equal([1]);
      expect(r.p.sys.munmap(a + P, P)).to.equal(0);
      expect(await r.run(() => r.p.sys.fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))).to.equal(0);
      expect(cached(mapping, 4)).to.deep.equal([1]); // still pinned
      gup.unpinUserPages(pages, 1);
      expect(await r.run(() => r.p.sys.fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))).to.equal(0);
      expect(mapping.nrpages).to.equal(0);
      expect(r.sanitizer.findings()).to.deep.equal([]);
    });

    it("acts on a block device node through the device's own page cache", async () => {
      const r = await rig();
      current = r;
      const src = r.buf(4 * P, 0x33);
      const fd = await r.run(() => r.p.sys.open('/dev/ram0', O_RDWR));
      expect(await r.run(() => r.p.sys.pwrite(fd, src, 4 * P, 0))).to.equal(4 * P);
      expect(await r.run(() => r.p.sys.fsync(fd))).to.equal(0);
      const f = file(r, fd);
      expect(f.fRa.raPages).to.be.at.least(VM_READAHEAD_PAGES);
      expect(f.fMapping.nrpages).to.equal(4);
      expect(await r.run(() => r.p.sys.fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))).to.equal(0);
      expect(f.fMapping.nrpages).to.equal(0);
    });
  });

  describe('POSIX_FADV_WILLNEED', () => {
    it('starts reading the range into the page cache without waiting, skipping cached pages', async () => {
      const { r, fd, mapping } = await cleanFile(8, { readNs: 10_000 });
      const mf = memFile(r, fd);
      expect(await r.run(() => r.p.sys.fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))).to.equal(0);
      const dst = r.buf(P);
      expect(await r.run(() => r.p.sys.pread(fd, dst, P, P))).to.equal(P); // page 1 cached again
      const reads0 = mf.reads;
      const t0 = r.machine.scheduler.now();
      // Bytes [100, 3P + 1): pages 0..3, partial pages included.
      expect(await r.run(() => r.p.sys.fadvise(fd, 100, 3 * P - 99, POSIX_FADV_WILLNEED))).to.equal(0);
      expect(r.machine.scheduler.now() - t0).to.be.below(10_000);
      expect(mf.reads - reads0).to.equal(0); // started, not finished
      await r.idle();
      expect(mf.reads - reads0).to.equal(3);
      expect(cached(mapping, 8)).to.deep.equal([0, 1, 2, 3]);
      expect(await r.run(() => r.p.sys.pread(fd, dst, P, 2 * P))).to.equal(P);
      expect(mf.reads - reads0).to.equal(3); // served from the cache
      expect(Buffer.from(r.peek(dst, P)).equals(Buffer.from(pattern(7, 8 * P).subarray(2 * P, 3 * P)))).to.equal(true);
      expect(r.sanitizer.findings()).to.deep.equal([]);
    });

    it('reads at most max(io_pages, ra_pages) pages and nothing past EOF', async () => {
      const { r, fd, mapping } = await cleanFile(100);
      expect(await r.run(() => r.p.sys.fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))).to.equal(0);
      expect(await r.run(() => r.p.sys.fadvise(fd, 0, 0, POSIX_FADV_WILLNEED))).to.equal(0);
      await r.idle();
      expect(mapping.nrpages).to.equal(VM_READAHEAD_PAGES);
      expect(cached(mapping, 100).at(-1)).to.equal(VM_READAHEAD_PAGES - 1);
      expect(await r.run(() => r.p.sys.fadvise(fd, 98 * P, 0, POSIX_FADV_WILLNEED))).to.equal(0);
      expect(await r.run(() => r.p.sys.fadvise(fd, 200 * P, P, POSIX_FADV_WILLNEED))).to.equal(0);
      await r.idle();
      expect(mapping.nrpages).to.equal(VM_READAHEAD_PAGES + 2);
    });
  });
});

describe('invalidateMappingPages() (mm/truncate.c)', () => {
  it('drops clean unused folios and skips dirty, writeback, locked, mapped, pinned and referenced ones', async () => {
    const { r, fd, mapping } = await cleanFile(10, { asyncWriteback: true, writebackNs: 50_000 });
    const pfnOf = (i: number): number => {
      const p = filemapGetFolio(mapping, i);
      r.physMem.putPage(p);
      return p;
    };
    // 1: dirty.
    const one = r.buf(P, 1);
    expect(await r.run(() => r.p.sys.pwrite(fd, one, P, P))).to.equal(P);
    expect(folioTestDirty(mapping, pfnOf(1))).to.equal(true);
    // 2: under writeback (written, writeback not ended yet).
    expect(await r.run(() => r.p.sys.pwrite(fd, one, P, 2 * P))).to.equal(P);
    await r.run(() => r.p.sys.fadvise(fd, 2 * P, P, POSIX_FADV_DONTNEED)); // starts its writeback only
    expect(r.physMem.pageWriteback(pfnOf(2))).to.equal(true);
    // 3: locked.
    expect(folioTrylock(mapping, pfnOf(3))).to.equal(true);
    // 4: mapped.
    const a = r.p.sys.mmap(0, P, PROT_READ, MAP_SHARED, fd, 4 * P);
    await r.run(() => r.mm.faultInReadable(a, P));
    // 5: pinned (mapping gone).
    const b = r.p.sys.mmap(0, P, PROT_READ, MAP_SHARED, fd, 5 * P);
    await r.run(() => r.mm.faultInReadable(b, P));
    const gup = r.machine.get<Gup>(Gup);
    const pages: number[] = [];
    expect(gup.pinUserPagesFast(r.mm, b, 1, 0, pages)).to.equal(1);
    expect(folioTestDirty(mapping, pfnOf(5))).to.equal(false);
    expect(r.p.sys.munmap(b, P)).to.equal(0);
    // 6: an extra reference (someone holds the folio).
    const held = filemapGetFolio(mapping, 6);
    const nrFailed = { value: 0 };
    // Pages 0..9 minus the busy ones; page 9 is outside the range.
    expect(mappingTryInvalidate(mapping, 0, 8, nrFailed)).to.equal(3); // 0, 7, 8
    expect(nrFailed.value).to.equal(4); // dirty, mapped, pinned, referenced; locked and writeback are skipped
    expect(cached(mapping, 10)).to.deep.equal([1, 2, 3, 4, 5, 6, 9]);
    expect(invalidateMappingPages(mapping, 0, 8)).to.equal(0);
    // Release everything but the dirty page; writeback ends in virtual time.
    folioUnlock(mapping, pfnOf(3));
    expect(r.p.sys.munmap(a, P)).to.equal(0);
    gup.unpinUserPages(pages, 1);
    r.physMem.putPage(held);
    await r.idle();
    expect(invalidateMappingPages(mapping, 0, Number.MAX_SAFE_INTEGER)).to.equal(6); // 2, 3, 4, 5, 6, 9
    expect(cached(mapping, 10)).to.deep.equal([1]);
    expect(r.sanitizer.findings()).to.deep.equal([]);
  });
});
