import { expect } from 'chai';
import type { Machine } from '@stackemu/core';
import { NvmeDevices } from '@stackemu/devices';
import { EIOCBQUEUED } from '@stackemu/core';
import { ITER_DEST, importUbuf } from '@stackemu/block';
import { PAGECACHE_TAG_DIRTY, Sanitizer, filemapTaggedIndexes } from '@stackemu/mm';
import {
  FALLOC_FL_KEEP_SIZE,
  Kiocb,
  O_CREAT,
  O_DIRECT,
  O_DSYNC,
  O_RDWR,
  O_TRUNC,
  callRwIter,
  emptyStat,
  type Process,
} from '@stackemu/vfs';
import { iomapfsI } from '@stackemu/fs-iomap';
import { anonMap, at, fileOf, hint, iomapfsMachine, pattern, pins, run, shutdown, spawn } from './helpers/machine.js';

const EINVAL = -22;
const EIO = -5;
const ENODATA = -61;

/** Runs `body` in a process of a fresh iomapfs machine, then unmounts. */
async function withFs(
  opts: Parameters<typeof iomapfsMachine>[0],
  body: (p: Process, m: Machine) => Promise<void>,
): Promise<void> {
  const m = await iomapfsMachine(opts);
  try {
    const p = spawn(m);
    await run(m, () => body(p, m));
  } finally {
    await shutdown(m);
  }
}

function anon(p: Process, len: number): number {
  const a = anonMap(p, len);
  expect(a).to.be.greaterThan(0);
  return a;
}

function fill(p: Process, addr: number, data: Uint8Array): void {
  expect(p.mm.copyToUser(addr, data, 0, data.length)).to.equal(0);
}

function peek(p: Process, addr: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  expect(p.mm.copyFromUser(b, 0, addr, len)).to.equal(0);
  return b;
}

function delta(m: Machine, before: { acquired: number; released: number }): { acquired: number; released: number } {
  const now = pins(m);
  return { acquired: now.acquired - before.acquired, released: now.released - before.released };
}

describe('iomapDioRw()', () => {
  it('writes and reads 4 KiB with O_DIRECT: one pin per I/O, balanced', () =>
    withFs({}, async (p, m) => {
      const fd = await p.sys.open('/f', O_CREAT | O_RDWR | O_DIRECT);
      const buf = anon(p, 8192);
      const data = pattern(1, 4096);
      fill(p, buf, data);
      const before = pins(m);
      expect(await p.sys.pwrite(fd, buf, 4096, 0)).to.equal(4096);
      expect(await p.sys.pread(fd, buf + 4096, 4096, 0)).to.equal(4096);
      expect(delta(m, before)).to.deep.equal({ acquired: 2, released: 2 });
      expect(peek(p, buf + 4096, 4096)).to.deep.equal(data);
    }));

  it('a direct write over clean cached pages drops them and goes direct (one pin), not buffered', () =>
    withFs({}, async (p, m) => {
      const fd = await p.sys.open('/f', O_CREAT | O_RDWR);
      const buf = anon(p, 4 * 4096);
      fill(p, buf, pattern(7, 4 * 4096));
      expect(await p.sys.pwrite(fd, buf, 4 * 4096, 0)).to.equal(4 * 4096);
      expect(await p.sys.fsync(fd)).to.equal(0);
      // Cache the file's pages clean, then write one of them with O_DIRECT.
      expect(await p.sys.pread(fd, buf, 4 * 4096, 0)).to.equal(4 * 4096);
      const mapping = fileOf(p, fd).fMapping;
      expect(mapping.nrpages).to.equal(4);
      const dfd = await p.sys.open('/f', O_RDWR | O_DIRECT);
      fill(p, buf, pattern(9, 4096));
      const dirtied = m.counters.get('nr_dirtied')?.value ?? 0;
      const before = pins(m);
      expect(await p.sys.pwrite(dfd, buf, 4096, 4096)).to.equal(4096);
      expect(delta(m, before)).to.deep.equal({ acquired: 1, released: 1 });
      expect((m.counters.get('nr_dirtied')?.value ?? 0) - dirtied).to.equal(0);
      expect(mapping.nrpages).to.equal(3);
      expect(await p.sys.pread(fd, buf + 4096, 4096, 4096)).to.equal(4096);
      expect(peek(p, buf + 4096, 4096)).to.deep.equal(pattern(9, 4096));
    }));

  it('a direct write over dirty cached pages writes them back, drops them and goes direct (one pin)', () =>
    withFs({}, async (p, m) => {
      const fd = await p.sys.open('/f', O_CREAT | O_RDWR);
      const buf = anon(p, 4 * 4096);
      fill(p, buf, pattern(3, 4 * 4096));
      expect(await p.sys.pwrite(fd, buf, 4 * 4096, 0)).to.equal(4 * 4096);
      const mapping = fileOf(p, fd).fMapping;
      expect(filemapTaggedIndexes(mapping, PAGECACHE_TAG_DIRTY)).to.deep.equal([0, 1, 2, 3]);
      const dfd = await p.sys.open('/f', O_RDWR | O_DIRECT);
      fill(p, buf, pattern(5, 4096));
      const before = pins(m);
      expect(await p.sys.pwrite(dfd, buf, 4096, 0)).to.equal(4096);
      expect(delta(m, before)).to.deep.equal({ acquired: 1, released: 1 });
      // Only the written range is written back and dropped.
      expect(filemapTaggedIndexes(mapping, PAGECACHE_TAG_DIRTY)).to.deep.equal([1, 2, 3]);
      expect(mapping.nrpages).to.equal(3);
      expect(await p.sys.pread(fd, buf + 4096, 4096, 0)).to.equal(4096);
      expect(peek(p, buf + 4096, 4096)).to.deep.equal(pattern(5, 4096));
    }));

  it('fails misaligned position and length with -EINVAL before pinning anything', () =>
    withFs({}, async (p, m) => {
      const fd = await p.sys.open('/f', O_CREAT | O_RDWR | O_DIRECT);
      const buf = anon(p, 16384);
      fill(p, buf, pattern(2, 16384));
      expect(await p.sys.pwrite(fd, buf, 8192, 0)).to.equal(8192);
      const before = pins(m);
      expect(await p.sys.pread(fd, buf, 4096, 100)).to.equal(EINVAL);
      expect(await p.sys.pread(fd, buf, 4000, 0)).to.equal(EINVAL);
      expect(await p.sys.pwrite(fd, buf, 4096, 511)).to.equal(EINVAL);
      expect(delta(m, before)).to.deep.equal({ acquired: 0, released: 0 });
    }));

  it('fails memory below the device DMA alignment with -EINVAL, pins taken and released', () =>
    withFs({}, async (p, m) => {
      const fd = await p.sys.open('/f', O_CREAT | O_RDWR | O_DIRECT);
      const buf = anon(p, 16384);
      fill(p, buf, pattern(3, 16384));
      expect(await p.sys.pwrite(fd, buf, 8192, 0)).to.equal(8192);
      const before = pins(m);
      expect(await p.sys.pread(fd, buf + 1, 4096, 0)).to.equal(EINVAL);
      const d = delta(m, before);
      expect(d.acquired).to.equal(d.released);
    }));

  it('reads past EOF return 0 and pin nothing; a read across EOF is short', () =>
    withFs({}, async (p, m) => {
      const fd = await p.sys.open('/f', O_CREAT | O_RDWR | O_DIRECT);
      const buf = anon(p, 65536);
      fill(p, buf, pattern(4, 8192));
      expect(await p.sys.pwrite(fd, buf, 8192, 0)).to.equal(8192);
      let before = pins(m);
      expect(await p.sys.pread(fd, buf, 65536, 8192)).to.equal(0);
      expect(await p.sys.pread(fd, buf, 65536, 1 << 20)).to.equal(0);
      expect(delta(m, before)).to.deep.equal({ acquired: 0, released: 0 });
      before = pins(m);
      expect(await p.sys.pread(fd, buf, 65536, 4096)).to.equal(4096);
      // Only the mapped block is read by a bio; the rest of the range is past EOF (zeroed, no pins).
      expect(delta(m, before)).to.deep.equal({ acquired: 1, released: 1 });
    }));

  it('reads holes of a sparse file as zeroes without pins', () =>
    withFs({}, async (p, m) => {
      const fd = await p.sys.open('/sparse', O_CREAT | O_RDWR | O_DIRECT);
      const buf = anon(p, 65536);
      fill(p, buf, pattern(5, 4096));
      expect(await p.sys.pwrite(fd, buf, 4096, 1 << 20)).to.equal(4096);
      fill(p, buf, new Uint8Array(65536).fill(0xaa));
      const before = pins(m);
      expect(await p.sys.pread(fd, buf, 65536, 65536)).to.equal(65536);
      expect(delta(m, before)).to.deep.equal({ acquired: 0, released: 0 });
      expect(peek(p, buf, 65536)).to.deep.equal(new Uint8Array(65536));
      const st = emptyStat();
      expect(p.sys.fstat(fd, st)).to.equal(0);
      expect(st.size).to.equal((1 << 20) + 4096);
      expect(st.blocks).to.equal(8, 'one 4 KiB block allocated');
    }));

  it('extends the file with sub-block writes, zeroing the rest of the new block', () =>
    withFs({}, async (p, m) => {
      const fd = await p.sys.open('/ext', O_CREAT | O_RDWR | O_DIRECT);
      const buf = anon(p, 8192);
      fill(p, buf, pattern(6, 512));
      const before = pins(m);
      expect(await p.sys.pwrite(fd, buf, 512, 1024)).to.equal(512);
      expect(delta(m, before)).to.deep.equal({ acquired: 1, released: 1 }, 'zeroing bios take no pins');
      const st = emptyStat();
      p.sys.fstat(fd, st);
      expect(st.size).to.equal(1536);
      fill(p, buf, new Uint8Array(8192).fill(0x55));
      expect(await p.sys.pread(fd, buf, 4096, 0)).to.equal(1536);
      const got = peek(p, buf, 4096);
      expect(got.subarray(0, 1024)).to.deep.equal(new Uint8Array(1024), 'head of the new block zeroed');
      expect(got.subarray(1024, 1536)).to.deep.equal(pattern(6, 512));
      expect(got.subarray(1536, 4096)).to.deep.equal(new Uint8Array(2560), 'tail of the new block zeroed on disk');
    }));

  it('writes into unwritten extents and converts them; unwritten reads as zeroes without pins', () =>
    withFs({}, async (p, m) => {
      const fd = await p.sys.open('/u', O_CREAT | O_RDWR | O_DIRECT);
      expect(await p.sys.fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 65536)).to.equal(0);
      expect(await p.sys.fallocate(fd, 0, 0, 32768)).to.equal(0);
      const buf = anon(p, 32768);
      fill(p, buf, new Uint8Array(32768).fill(7));
      let before = pins(m);
      expect(await p.sys.pread(fd, buf, 32768, 0)).to.equal(32768);
      expect(delta(m, before)).to.deep.equal({ acquired: 0, released: 0 });
      expect(peek(p, buf, 32768)).to.deep.equal(new Uint8Array(32768));
      const ii = iomapfsI(fileOf(p, fd).fInode);
      expect(ii.extMap.extents.every((e) => e.unwritten)).to.equal(true);
      fill(p, buf, pattern(7, 4096));
      before = pins(m);
      expect(await p.sys.pwrite(fd, buf + 1024, 2048, 8192 + 1024)).to.equal(2048);
      expect(delta(m, before)).to.deep.equal({ acquired: 1, released: 1 });
      expect(ii.extMap.extents.map((e) => [e.lblk, e.len, e.unwritten])).to.deep.equal([
        [0, 2, true],
        [2, 1, false],
        [3, 13, true],
      ]);
      expect(await p.sys.pread(fd, buf, 4096, 8192)).to.equal(4096);
      const got = peek(p, buf, 4096);
      expect(got.subarray(0, 1024)).to.deep.equal(new Uint8Array(1024));
      expect(got.subarray(1024, 3072)).to.deep.equal(pattern(7, 4096).subarray(1024, 3072));
      expect(got.subarray(3072)).to.deep.equal(new Uint8Array(1024));
    }));

  it('pins a page once per mapping when 1 KiB blocks are fragmented (spec A8)', () =>
    withFs({ options: 'blocksize=1024' }, async (p, m) => {
      // Interleave two files block by block, then delete one: free space alternates with used blocks.
      const a = await p.sys.open('/a', O_CREAT | O_RDWR | O_DIRECT);
      const b = await p.sys.open('/b', O_CREAT | O_RDWR | O_DIRECT);
      const buf = anon(p, 8192);
      fill(p, buf, pattern(8, 8192));
      for (let i = 0; i < 64; i++) {
        expect(await p.sys.pwrite(a, buf, 1024, i * 1024)).to.equal(1024);
        expect(await p.sys.pwrite(b, buf, 1024, i * 1024)).to.equal(1024);
      }
      await p.sys.close(b);
      expect(await p.sys.unlink('/b')).to.equal(0);
      const c = await p.sys.open('/c', O_CREAT | O_RDWR | O_DIRECT);
      const before = pins(m);
      const n = 8;
      for (let i = 0; i < n; i++) expect(await p.sys.pwrite(c, buf, 4096, i * 4096)).to.equal(4096);
      expect(delta(m, before)).to.deep.equal({ acquired: 4 * n, released: 4 * n });
      const ii = iomapfsI(fileOf(p, c).fInode);
      expect(ii.extMap.count).to.equal(4 * n, 'every block its own extent');
      // Overwrites of the same blocks still go one bio per mapping.
      const b2 = pins(m);
      expect(await p.sys.pread(c, buf, 4096, 0)).to.equal(4096);
      expect(delta(m, b2)).to.deep.equal({ acquired: 4, released: 4 });
      expect(peek(p, buf, 4096)).to.deep.equal(pattern(8, 8192).subarray(0, 4096));
    }));

  it("returns the failed bio's error for a large DIO, releasing every pin (spec A16)", () =>
    withFs({}, async (p, m) => {
      const fd = await p.sys.open('/e', O_CREAT | O_RDWR | O_DIRECT);
      const buf = anon(p, 1 << 20);
      fill(p, buf, pattern(9, 1 << 20));
      expect(await p.sys.pwrite(fd, buf, 1 << 20, 0)).to.equal(1 << 20);
      const ii = iomapfsI(fileOf(p, fd).fInode);
      const e = at(ii.extMap.extents, 0);
      const lba = ((e.pblk + 100) * 4096) / 512;
      const ctrl = at(m.get<NvmeDevices>(NvmeDevices).controllers, 0);
      ctrl.inject({ type: 'media_error', nsid: 1, lba, count: 8, atNs: 0 });
      let before = pins(m);
      // A media error is BLK_STS_MEDIUM, which blk_errors[] maps to -ENODATA.
      expect(await p.sys.pread(fd, buf, 1 << 20, 0)).to.equal(ENODATA);
      let d = delta(m, before);
      expect(d).to.deep.equal({ acquired: 256, released: 256 });
      // Any other failure of one command (an internal error status) is -EIO.
      ctrl.inject({ type: 'status', status: 0x4006, count: 1, opcode: 1, atNs: 0 });
      before = pins(m);
      expect(await p.sys.pwrite(fd, buf, 1 << 20, 0)).to.equal(EIO);
      d = delta(m, before);
      expect(d).to.deep.equal({ acquired: 256, released: 256 });
    }));

  it('O_DSYNC writes flush the device cache once data and metadata are written', () =>
    withFs({ nvme: { vwc: true } }, async (p, m) => {
      const fd = await p.sys.open('/s', O_CREAT | O_RDWR | O_DIRECT | O_DSYNC);
      const buf = anon(p, 4096);
      fill(p, buf, pattern(10, 4096));
      const ops: string[] = [];
      const sub = m.trace.byId('block:block_bio_queue')?.subscribe((ev) => {
        const e = ev as { readonly rwbs: string; readonly sector: number };
        ops.push(e.rwbs);
      });
      expect(await p.sys.pwrite(fd, buf, 4096, 0)).to.equal(4096);
      // An overwrite of the now allocated block is written through with FUA: no flush, no metadata.
      const first = ops.splice(0);
      expect(await p.sys.pwrite(fd, buf, 4096, 0)).to.equal(4096);
      sub?.unsubscribe();
      expect(first[0]).to.match(/^W/, `the data write first: ${first.join(',')}`);
      const meta = first.findIndex((o) => o.includes('M'));
      const flush = first.findIndex((o) => o.startsWith('F'));
      expect(meta).to.be.greaterThan(0, `metadata after the data: ${first.join(',')}`);
      expect(flush).to.be.greaterThan(meta, `a cache flush after the metadata: ${first.join(',')}`);
      expect(ops).to.deep.equal(['WFS'], 'an overwrite is one FUA write');
    }));

  it('a DIO read into a MAP_SHARED file page that writeback cleans mid-I/O re-dirties it and releases once (spec A11)', () =>
    withFs({}, async (p, m) => {
      const len = 16384;
      const src = pattern(13, len);
      const fb = await p.sys.open('/src', O_CREAT | O_RDWR | O_DIRECT);
      const sbuf = anonMap(p, len);
      fill(p, sbuf, src);
      expect(await p.sys.pwrite(fb, sbuf, len, 0)).to.equal(len);
      const fa = await p.sys.open('/dst', O_CREAT | O_RDWR | O_TRUNC);
      fill(p, sbuf, new Uint8Array(len).fill(3));
      expect(await p.sys.pwrite(fa, sbuf, len, 0)).to.equal(len);
      expect(await p.sys.fsync(fa)).to.equal(0);
      const map = p.sys.mmap(hint(p, len), len, 3, 0x01, fa, 0);
      expect(map).to.be.greaterThan(0);
      const mapping = fileOf(p, fa).fInode.iMapping;
      const san = m.get<Sanitizer>(Sanitizer);
      const findings0 = san.findings().length;
      const before = pins(m);
      // An async direct read of /src into the mapping of /dst ...
      const iter = importUbuf(ITER_DEST, p.mm, map, len);
      if (typeof iter === 'number') throw new Error(`import_ubuf: ${iter}`);
      const iocb = new Kiocb(fileOf(p, fb));
      iocb.kiFlags = fileOf(p, fb).fIocbFlags;
      const box: { res: number | undefined } = { res: undefined };
      iocb.kiComplete = (_k, res) => {
        box.res = res;
      };
      const q = await callRwIter(iocb, iter, 0);
      expect(q).to.equal(-EIOCBQUEUED);
      // ... pre-dirtied its pages (bio_set_pages_dirty); writeback of /dst now cleans them while it runs.
      expect(filemapTaggedIndexes(mapping, PAGECACHE_TAG_DIRTY)).to.deep.equal([0, 1, 2, 3]);
      expect(await p.sys.fsync(fa)).to.equal(0);
      while (box.res === undefined) await m.scheduler.sleep(1000);
      expect(box.res).to.equal(len);
      await m.scheduler.sleep(1000);
      // bio_check_pages_dirty() found them clean, deferred the release and re-dirtied them.
      expect(filemapTaggedIndexes(mapping, PAGECACHE_TAG_DIRTY)).to.deep.equal([0, 1, 2, 3]);
      const d = delta(m, before);
      expect(d).to.deep.equal({ acquired: 4, released: 4 });
      expect(
        san
          .findings()
          .slice(findings0)
          .map((f) => f.kind),
      ).to.deep.equal([]);
      expect(await p.sys.fsync(fa)).to.equal(0);
      const rbuf = anonMap(p, len);
      expect(await p.sys.pread(fa, rbuf, len, 0)).to.equal(len);
      expect(peek(p, rbuf, len)).to.deep.equal(src);
    }));
});
