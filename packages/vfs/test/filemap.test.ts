import { expect } from 'chai';
import fc from 'fast-check';
import { EAGAIN, EINVAL, EIO } from '@stackemu/core';
import { ITER_DEST, importUbuf, type IovIter } from '@stackemu/block';
import { MAP_SHARED, PROT_READ, PROT_WRITE, invalidateInodePages2Range } from '@stackemu/mm';
import {
  emptyStat,
  genericFileReadIter,
  IOCB_DIRECT,
  IOCB_NOWAIT,
  Kiocb,
  kiocbWriteAndWait,
  O_CREAT,
  O_DIRECT,
  O_DSYNC,
  O_RDWR,
  VfsUpstream,
  type File,
  type Upstream,
} from '@stackemu/vfs';
import { pattern, rig, type Rig } from './support/machine.js';
import type { MemFile } from './support/memfs.js';

function memFile(r: Rig, fd: number): MemFile {
  return (r.p.sys.file(fd) as File).fInode.iPrivate as MemFile;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

describe("generic buffered I/O on mm's page cache (mm/filemap.c)", () => {
  it('genericFileWriteIter() dirties the page cache and extends i_size; fsync writes it back', async () => {
    const r = await rig();
    const data = pattern(3, 6000);
    const src = r.buf(6000, data);
    const dirty0 = r.vm('nr_dirty');
    const fd = await r.run(() => r.p.sys.open('/f', O_CREAT | O_RDWR));
    expect(await r.run(() => r.p.sys.pwrite(fd, src, 6000, 100))).to.equal(6000);
    const st = emptyStat();
    r.p.sys.fstat(fd, st);
    expect(st.size).to.equal(6100);
    expect(r.vm('nr_dirty') - dirty0).to.equal(2);
    const mf = memFile(r, fd);
    expect(mf.data.length).to.equal(0); // nothing written back yet
    expect(await r.run(() => r.p.sys.fsync(fd))).to.equal(0);
    expect(r.vm('nr_dirty')).to.equal(dirty0);
    expect(mf.writebacks).to.equal(2);
    expect(mf.data.subarray(0, 100).every((b) => b === 0)).to.equal(true);
    expect(same(mf.data.subarray(100, 6100), data)).to.equal(true);
  });

  it('genericFileReadIter() reads through the cache, stops at EOF and returns 0 past it', async () => {
    const r = await rig();
    const src = r.buf(5000, 0xab);
    const dst = r.buf(8192);
    await r.run(async () => {
      const fd = await r.p.sys.open('/f', O_CREAT | O_RDWR);
      await r.p.sys.pwrite(fd, src, 5000, 0);
      expect(await r.p.sys.pread(fd, dst, 8192, 4000)).to.equal(1000);
      expect(r.peek(dst, 1000).every((b) => b === 0xab)).to.equal(true);
      expect(await r.p.sys.pread(fd, dst, 10, 5000)).to.equal(0);
      expect(await r.p.sys.pread(fd, dst, 10, 9000)).to.equal(0);
      expect(memFile(r, fd).reads).to.equal(0); // written folios are uptodate: no readFolio
    });
  });

  it('reads what was written back and dropped from the cache through readFolio, taking virtual time', async () => {
    const r = await rig();
    const src = r.buf(4, new Uint8Array([1, 2, 3, 4]));
    const dst = r.buf(4096);
    const fd = await r.run(() => r.p.sys.open('/f', O_CREAT | O_RDWR));
    await r.run(async () => {
      await r.p.sys.pwrite(fd, src, 4, 4096 * 3);
      await r.p.sys.fsync(fd);
    });
    const mapping = (r.p.sys.file(fd) as File).fMapping;
    expect(invalidateInodePages2Range(mapping, 0, 100)).to.equal(0);
    expect(mapping.nrpages).to.equal(0);
    const t0 = r.machine.scheduler.now();
    expect(await r.run(() => r.p.sys.pread(fd, dst, 4, 4096 * 3))).to.equal(4);
    // memfs's 2 µs read, then copying 4 bytes to the user at the default 8 GB/s (0.5 ns, rounded).
    expect(r.machine.scheduler.now() - t0).to.equal(2001);
    expect([...r.peek(dst, 4)]).to.deep.equal([1, 2, 3, 4]);
    // A sparse region reads as zeros.
    expect(await r.run(() => r.p.sys.pread(fd, dst, 4, 10))).to.equal(4);
    expect([...r.peek(dst, 4)]).to.deep.equal([0, 0, 0, 0]);
    // Page 3 alone (no cached history before it), then a read at the start of the file opens a 4-page
    // readahead window: pages 0-2 (3 is cached).
    expect(memFile(r, fd).reads).to.equal(4);
  });

  it('reports the readFolio error', async () => {
    const r = await rig({ memfs: { readError: -EIO } });
    const dst = r.buf(4096);
    await r.run(async () => {
      const fd = await r.p.sys.open('/g', O_CREAT | O_RDWR);
      await r.p.sys.ftruncate(fd, 100);
      expect(await r.p.sys.pread(fd, dst, 4, 0)).to.equal(-EIO);
    });
  });

  it('reads a folio in before a partial write inside EOF, and zero-fills a new one beyond EOF', async () => {
    const r = await rig();
    const ones = r.buf(4096, 1);
    const two = r.buf(10, 2);
    const dst = r.buf(16384);
    const fd = await r.run(() => r.p.sys.open('/f', O_CREAT | O_RDWR));
    await r.run(async () => {
      await r.p.sys.pwrite(fd, ones, 4096, 0);
      await r.p.sys.fsync(fd);
    });
    const mapping = (r.p.sys.file(fd) as File).fMapping;
    invalidateInodePages2Range(mapping, 0, 10);
    await r.run(async () => {
      expect(await r.p.sys.pwrite(fd, two, 10, 100)).to.equal(10);
      expect(memFile(r, fd).reads).to.equal(1);
      expect(await r.p.sys.pwrite(fd, two, 1, 8192 + 10)).to.equal(1);
      expect(memFile(r, fd).reads).to.equal(1);
      expect(await r.p.sys.pread(fd, dst, 16384, 0)).to.equal(8192 + 11);
    });
    const got = r.peek(dst, 8192 + 11);
    expect(got.subarray(0, 100).every((b) => b === 1)).to.equal(true);
    expect(got.subarray(100, 110).every((b) => b === 2)).to.equal(true);
    expect(got.subarray(110, 4096).every((b) => b === 1)).to.equal(true);
    expect(got.subarray(4096, 8202).every((b) => b === 0)).to.equal(true);
    expect(got[8202]).to.equal(2);
  });

  it('zeroes the tail of the page a truncation falls in (truncate_pagecache)', async () => {
    const r = await rig();
    const ff = r.buf(4096, 0xff);
    const dst = r.buf(4096);
    await r.run(async () => {
      const fd = await r.p.sys.open('/t', O_CREAT | O_RDWR);
      await r.p.sys.pwrite(fd, ff, 4096, 0);
      await r.p.sys.pwrite(fd, ff, 4096, 4096);
      expect(await r.p.sys.ftruncate(fd, 100)).to.equal(0);
      expect((r.p.sys.file(fd) as File).fMapping.nrpages).to.equal(1);
      expect(await r.p.sys.ftruncate(fd, 4096)).to.equal(0);
      expect(await r.p.sys.pread(fd, dst, 4096, 0)).to.equal(4096);
    });
    const got = r.peek(dst, 4096);
    expect(got.subarray(0, 100).every((b) => b === 0xff)).to.equal(true);
    expect(got.subarray(100).every((b) => b === 0)).to.equal(true);
  });

  it('syncs O_DSYNC writes before returning (generic_write_sync)', async () => {
    const r = await rig();
    const src = r.buf(10, 1);
    await r.run(async () => {
      const fd = await r.p.sys.open('/f', O_CREAT | O_RDWR | O_DSYNC);
      expect(await r.p.sys.write(fd, src, 10)).to.equal(10);
      expect(memFile(r, fd).fsyncs).to.equal(1);
      expect(memFile(r, fd).writebacks).to.equal(1);
    });
    expect(r.vm('nr_dirty')).to.equal(0);
  });

  it('copies to and from user memory that is a not-yet-faulted mapping of another file', async () => {
    const r = await rig();
    const data = pattern(9, 8192);
    const src = r.buf(8192, data);
    await r.run(async () => {
      const a = await r.p.sys.open('/a', O_CREAT | O_RDWR);
      const b = await r.p.sys.open('/b', O_CREAT | O_RDWR);
      expect(await r.p.sys.pwrite(a, src, 8192, 0)).to.equal(8192);
      expect(await r.p.sys.ftruncate(b, 8192)).to.equal(0);
      await r.p.sys.fsync(b);
      const mb = r.p.sys.mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, b, 0);
      // read(a) into the mapping of b: the copy faults, b's pages are read in, the copy is retried.
      expect(await r.p.sys.pread(a, mb, 8192, 0)).to.equal(8192);
      expect(same(r.peek(mb, 8192), data)).to.equal(true);
      // write(c) from the mapping of a: the source faults in the same way.
      const c = await r.p.sys.open('/c', O_CREAT | O_RDWR);
      const ma = r.p.sys.mmap(0, 8192, PROT_READ, MAP_SHARED, a, 0);
      expect(await r.p.sys.pwrite(c, ma, 8192, 0)).to.equal(8192);
      const out = r.buf(8192);
      expect(await r.p.sys.pread(c, out, 8192, 0)).to.equal(8192);
      expect(same(r.peek(out, 8192), data)).to.equal(true);
    });
  });

  it('keeps O_DIRECT coherent with the page cache: writes back before a direct read, invalidates after a direct write', async () => {
    const r = await rig();
    const five = r.buf(4096, 5);
    const six = r.buf(4096, 6);
    const dst = r.buf(4096);
    await r.run(async () => {
      const buffered = await r.p.sys.open('/f', O_CREAT | O_RDWR);
      const direct = await r.p.sys.open('/f', O_RDWR | O_DIRECT);
      await r.p.sys.pwrite(buffered, five, 4096, 0); // dirty in the cache only
      expect(await r.p.sys.pread(direct, dst, 4096, 0)).to.equal(4096);
      expect(r.peek(dst, 4096).every((b) => b === 5)).to.equal(true);
      expect(await r.p.sys.pwrite(direct, six, 4096, 0)).to.equal(4096);
      expect((r.p.sys.file(buffered) as File).fMapping.nrpages).to.equal(0);
      expect(await r.p.sys.pread(buffered, dst, 4096, 0)).to.equal(4096);
      expect(r.peek(dst, 4096).every((b) => b === 6)).to.equal(true);
    });
  });

  it('kiocbWriteAndWait() refuses with EAGAIN under IOCB_NOWAIT when cached data must be written first', async () => {
    const r = await rig();
    const src = r.buf(4096, 1);
    await r.run(async () => {
      const fd = await r.p.sys.open('/f', O_CREAT | O_RDWR);
      const k = new Kiocb(r.p.sys.file(fd) as File);
      k.kiFlags = IOCB_NOWAIT;
      expect(await kiocbWriteAndWait(k, 4096)).to.equal(0);
      await r.p.sys.pwrite(fd, src, 4096, 0);
      expect(await kiocbWriteAndWait(k, 4096)).to.equal(-EAGAIN);
      k.kiFlags = 0;
      expect(await kiocbWriteAndWait(k, 4096)).to.equal(0);
      k.kiFlags = IOCB_NOWAIT;
      expect(await kiocbWriteAndWait(k, 4096)).to.equal(0);
    });
  });

  it('refuses IOCB_DIRECT without a direct_IO hook', async () => {
    const r = await rig();
    const up = r.machine.get<Upstream>(VfsUpstream);
    const dst = r.buf(4096);
    await r.run(async () => {
      const fd = await r.p.sys.open('/f', O_CREAT | O_RDWR);
      const k = new Kiocb(r.p.sys.file(fd) as File);
      k.kiFlags = IOCB_DIRECT;
      const it = importUbuf(ITER_DEST, r.mm, dst, 512) as IovIter;
      expect(await genericFileReadIter({ up }, k, it)).to.equal(-EINVAL);
    });
  });
  it('matches a byte-array model under random buffered and direct I/O, truncation, writeback and eviction (property)', async () => {
    type Cmd =
      | { readonly op: 'write' | 'dwrite'; readonly off: number; readonly len: number; readonly seed: number }
      | { readonly op: 'read' | 'dread'; readonly off: number; readonly len: number }
      | { readonly op: 'truncate'; readonly size: number }
      | { readonly op: 'fsync' | 'drop' };
    const sector = (n: number): number => n * 512;
    const cmd: fc.Arbitrary<Cmd> = fc.oneof(
      fc.record({
        op: fc.constant('write' as const),
        off: fc.nat(32768),
        len: fc.integer({ min: 1, max: 9000 }),
        seed: fc.nat(),
      }),
      fc.record({
        op: fc.constant('dwrite' as const),
        off: fc.nat(64).map(sector),
        len: fc.integer({ min: 1, max: 16 }).map(sector),
        seed: fc.nat(),
      }),
      fc.record({ op: fc.constant('read' as const), off: fc.nat(40000), len: fc.integer({ min: 1, max: 9000 }) }),
      fc.record({
        op: fc.constant('dread' as const),
        off: fc.nat(80).map(sector),
        len: fc.integer({ min: 1, max: 16 }).map(sector),
      }),
      fc.record({ op: fc.constant('truncate' as const), size: fc.nat(40000) }),
      fc.record({ op: fc.constant('fsync' as const) }),
      fc.record({ op: fc.constant('drop' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 20 }), async (cmds) => {
        const r = await rig();
        const ubuf = r.buf(12288);
        const model = new Uint8Array(1 << 16);
        let size = 0;
        await r.run(async () => {
          const fd = await r.p.sys.open('/f', O_CREAT | O_RDWR);
          const dfd = await r.p.sys.open('/f', O_RDWR | O_DIRECT);
          const mapping = (r.p.sys.file(fd) as File).fMapping;
          for (const c of cmds) {
            if (c.op === 'write' || c.op === 'dwrite') {
              const data = pattern(c.seed, c.len);
              expect(r.mm.copyToUser(ubuf, data, 0, c.len)).to.equal(0);
              const n = await r.p.sys.pwrite(c.op === 'write' ? fd : dfd, ubuf, c.len, c.off);
              expect(n).to.equal(c.len);
              model.set(data, c.off);
              size = Math.max(size, c.off + c.len);
            } else if (c.op === 'read' || c.op === 'dread') {
              const n = await r.p.sys.pread(c.op === 'read' ? fd : dfd, ubuf, c.len, c.off);
              const want = Math.max(0, Math.min(c.len, size - c.off));
              expect(n).to.equal(want);
              expect(same(r.peek(ubuf, want), model.subarray(c.off, c.off + want))).to.equal(true);
            } else if (c.op === 'truncate') {
              expect(await r.p.sys.ftruncate(fd, c.size)).to.equal(0);
              if (c.size < size) model.fill(0, c.size);
              size = c.size;
            } else if (c.op === 'fsync') {
              expect(await r.p.sys.fsync(fd)).to.equal(0);
            } else {
              invalidateInodePages2Range(mapping, 0, Number.MAX_SAFE_INTEGER);
            }
          }
          expect(await r.p.sys.fsync(fd)).to.equal(0);
          const disk = memFile(r, fd).data;
          const onDisk = new Uint8Array(size);
          onDisk.set(disk.subarray(0, Math.min(size, disk.length)));
          expect(same(onDisk, model.subarray(0, size))).to.equal(true);
        });
        expect(r.sanitizer.findings()).to.deep.equal([]);
      }),
      { numRuns: 25 },
    );
  });
});

describe('on-demand readahead (mm/readahead.c)', () => {
  async function fileOfPages(r: Rig, pages: number): Promise<number> {
    const src = r.buf(pages * 4096, 0x5a);
    const fd = await r.run(() => r.p.sys.open('/f', O_CREAT | O_RDWR));
    await r.run(async () => {
      expect(await r.p.sys.pwrite(fd, src, pages * 4096, 0)).to.equal(pages * 4096);
      expect(await r.p.sys.fsync(fd)).to.equal(0);
    });
    const mapping = (r.p.sys.file(fd) as File).fMapping;
    expect(invalidateInodePages2Range(mapping, 0, pages)).to.equal(0);
    return fd;
  }

  it('a sequential reader gets windows of 4, 8, 16, 32, 32… pages started ahead of it', async () => {
    const r = await rig();
    const fd = await fileOfPages(r, 200);
    const mapping = (r.p.sys.file(fd) as File).fMapping;
    const dst = r.buf(4096);
    const cachedAfter: number[] = [];
    await r.run(async () => {
      for (let i = 0; i < 40; i++) {
        expect(await r.p.sys.read(fd, dst, 4096)).to.equal(4096);
        cachedAfter.push(mapping.nrpages);
      }
    });
    // Read 0 opens [0,4) marked at 1; page 1 starts [4,12); page 4 starts [12,28); page 12 starts [28,60);
    // page 28 starts [60,92).
    expect(cachedAfter[0]).to.equal(4);
    expect(cachedAfter[1]).to.equal(12);
    expect(cachedAfter[4]).to.equal(28);
    expect(cachedAfter[12]).to.equal(60);
    expect(cachedAfter[28]).to.equal(92);
    expect(r.peek(dst, 4096).every((b) => b === 0x5a)).to.equal(true);
    // Every page read once.
    expect(memFile(r, fd).reads).to.equal(92);
  });

  it('scattered reads read only the pages they ask for', async () => {
    const r = await rig();
    const fd = await fileOfPages(r, 200);
    const dst = r.buf(4096);
    await r.run(async () => {
      for (const page of [150, 17, 99, 63, 180]) expect(await r.p.sys.pread(fd, dst, 4096, page * 4096)).to.equal(4096);
    });
    expect(memFile(r, fd).reads).to.equal(5);
  });
});
