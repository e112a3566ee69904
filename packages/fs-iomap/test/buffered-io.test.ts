import { expect } from 'chai';
import type { Machine } from '@stackemu/core';
import { O_CREAT, O_DIRECT, O_RDONLY, O_RDWR, O_TRUNC, type Process } from '@stackemu/vfs';
import { iomapfsI } from '@stackemu/fs-iomap';
import { NvmeDevices } from '@stackemu/devices';
import { anonMap, fileOf, hint, iomapfsMachine, pattern, pins, run, shutdown, spawn } from './helpers/machine.js';

const PROT_RW = 3;
const MAP_SHARED = 0x01;

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

function anonWith(p: Process, data: Uint8Array): number {
  const a = anonMap(p, Math.max(4096, data.length));
  expect(p.mm.copyToUser(a, data, 0, data.length)).to.equal(0);
  return a;
}

function peek(p: Process, addr: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  expect(p.mm.copyFromUser(b, 0, addr, len)).to.equal(0);
  return b;
}

/** Reads the file's bytes from the device, bypassing the page cache. */
async function readDirect(p: Process, path: string, len: number): Promise<Uint8Array> {
  const fd = await p.sys.open(path, O_RDONLY | O_DIRECT);
  expect(fd).to.be.at.least(0);
  const buf = anonMap(p, Math.ceil(len / 4096) * 4096);
  const r = await p.sys.pread(fd, buf, Math.ceil(len / 512) * 512, 0);
  expect(r).to.equal(len);
  await p.sys.close(fd);
  return peek(p, buf, len);
}

describe('iomap buffered I/O', () => {
  it('iomapFileBufferedWrite() + iomapReadFolio(): unaligned writes read back, holes read as zeroes', () =>
    withFs({ options: 'blocksize=1024' }, async (p) => {
      const fd = await p.sys.open('/b', O_CREAT | O_RDWR);
      const a = pattern(20, 3000);
      const b = pattern(21, 2000);
      expect(await p.sys.pwrite(fd, anonWith(p, a), 3000, 100)).to.equal(3000);
      expect(await p.sys.pwrite(fd, anonWith(p, b), 2000, 9000)).to.equal(2000);
      const want = new Uint8Array(11000);
      want.set(a, 100);
      want.set(b, 9000);
      const buf = anonMap(p, 16384);
      expect(await p.sys.pread(fd, buf, 16384, 0)).to.equal(11000);
      expect(peek(p, buf, 11000)).to.deep.equal(want);
      // After writeback the device holds the same bytes, and the hole in between takes no block.
      expect(await p.sys.fsync(fd)).to.equal(0);
      expect(await readDirect(p, '/b', 11000)).to.deep.equal(want);
      const ii = iomapfsI(fileOf(p, fd).fInode);
      expect(ii.extMap.extents.map((e) => [e.lblk, e.len])).to.deep.equal([
        [0, 4],
        [8, 3],
      ]);
    }));

  it('fsync writes data, then the metadata that points to it, then flushes the device cache', () =>
    withFs({ nvme: { vwc: true } }, async (p, m) => {
      const fd = await p.sys.open('/o', O_CREAT | O_RDWR);
      expect(await p.sys.pwrite(fd, anonWith(p, pattern(22, 8192)), 8192, 0)).to.equal(8192);
      const ops: string[] = [];
      const sub = m.trace.byId('block:block_bio_queue')?.subscribe((ev) => {
        ops.push((ev as { readonly rwbs: string }).rwbs);
      });
      expect(await p.sys.fsync(fd)).to.equal(0);
      sub?.unsubscribe();
      const lastData = ops
        .map((o, i) => (o.startsWith('W') && !o.includes('M') ? i : -1))
        .reduce((x, y) => Math.max(x, y));
      const firstMeta = ops.findIndex((o) => o.includes('M'));
      const flush = ops.findIndex((o) => o.startsWith('F'));
      expect(lastData, ops.join(',')).to.be.at.least(0);
      expect(firstMeta, ops.join(',')).to.be.greaterThan(lastData);
      expect(flush, ops.join(',')).to.be.greaterThan(firstMeta);
      // fdatasync of an unchanged file writes nothing but the flush.
      ops.length = 0;
      const sub2 = m.trace.byId('block:block_bio_queue')?.subscribe((ev) => {
        ops.push((ev as { readonly rwbs: string }).rwbs);
      });
      expect(await p.sys.fdatasync(fd)).to.equal(0);
      sub2?.unsubscribe();
      expect(ops.every((o) => o.startsWith('F'))).to.equal(true, ops.join(','));
    }));

  it('truncate zeroes the tail of the last block and frees the rest', () =>
    withFs({ options: 'blocksize=1024' }, async (p) => {
      const fd = await p.sys.open('/t', O_CREAT | O_RDWR);
      const data = pattern(23, 8192);
      expect(await p.sys.pwrite(fd, anonWith(p, data), 8192, 0)).to.equal(8192);
      expect(await p.sys.ftruncate(fd, 1500)).to.equal(0);
      expect(await p.sys.ftruncate(fd, 4096)).to.equal(0);
      const buf = anonMap(p, 4096);
      expect(await p.sys.pread(fd, buf, 4096, 0)).to.equal(4096);
      const got = peek(p, buf, 4096);
      expect(got.subarray(0, 1500)).to.deep.equal(data.subarray(0, 1500));
      expect(got.subarray(1500)).to.deep.equal(new Uint8Array(4096 - 1500));
      const ii = iomapfsI(fileOf(p, fd).fInode);
      expect(ii.extMap.mappedBlocks()).to.equal(2);
      expect(await p.sys.fsync(fd)).to.equal(0);
      expect(await readDirect(p, '/t', 4096)).to.deep.equal(got);
    }));

  it('a DIO read into a MAP_SHARED mapping of another file pins its page-cache pages and dirties them', () =>
    withFs({}, async (p, m) => {
      const len = 16384;
      const src = pattern(24, len);
      const fb = await p.sys.open('/src', O_CREAT | O_RDWR | O_DIRECT);
      expect(await p.sys.pwrite(fb, anonWith(p, src), len, 0)).to.equal(len);
      const fa = await p.sys.open('/dst', O_CREAT | O_RDWR | O_TRUNC);
      expect(await p.sys.pwrite(fa, anonWith(p, new Uint8Array(len).fill(1)), len, 0)).to.equal(len);
      expect(await p.sys.fsync(fa)).to.equal(0);
      const map = p.sys.mmap(hint(p, len), len, PROT_RW, MAP_SHARED, fa, 0);
      expect(map).to.be.greaterThan(0);
      const before = pins(m);
      expect(await p.sys.pread(fb, map, len, 0)).to.equal(len);
      const d = { acquired: pins(m).acquired - before.acquired, released: pins(m).released - before.released };
      expect(d).to.deep.equal({ acquired: 4, released: 4 }, 'the four file pages were pinned once each');
      expect(peek(p, map, len)).to.deep.equal(src);
      // The page-cache pages of /dst were dirtied by the DIO read, so writeback carries the data to disk.
      const mapping = fileOf(p, fa).fInode.iMapping as unknown as { nrpages: number };
      expect(mapping.nrpages).to.equal(4);
      expect(await p.sys.fsync(fa)).to.equal(0);
      expect(await readDirect(p, '/dst', len)).to.deep.equal(src);
    }));
});

describe('iomap readahead (iomap_readahead)', () => {
  it('a sequential buffered read comes in as multi-page REQ_RAHEAD bios, one per run of contiguous blocks; holes take none', () =>
    withFs({}, async (p, m) => {
      // 256 KiB written with O_DIRECT (nothing cached), with a 64 KiB hole at 64 KiB.
      const data = pattern(30, 262144);
      data.fill(0, 65536, 131072);
      const wfd = await p.sys.open('/ra', O_CREAT | O_RDWR | O_DIRECT);
      const src = anonWith(p, data);
      expect(await p.sys.pwrite(wfd, src, 65536, 0)).to.equal(65536);
      expect(await p.sys.pwrite(wfd, src + 131072, 131072, 131072)).to.equal(131072);
      const fd = await p.sys.open('/ra', O_RDONLY);
      const reads: { rwbs: string; sectors: number }[] = [];
      const sub = m.trace.byId('block:block_bio_queue')?.subscribe((ev) => {
        const e = ev as { readonly rwbs: string; readonly nrSector: number };
        if (e.rwbs.startsWith('R')) reads.push({ rwbs: e.rwbs, sectors: e.nrSector });
      });
      const buf = anonMap(p, 262144);
      for (let off = 0; off < 262144; off += 16384) {
        expect(await p.sys.pread(fd, buf + off, 16384, off)).to.equal(16384);
      }
      sub?.unsubscribe();
      expect(peek(p, buf, 262144)).to.deep.equal(data);
      const bytes = reads.reduce((n, r) => n + r.sectors * 512, 0);
      // Every mapped byte read once (the hole is zeroed, not read), in bios of several pages marked readahead.
      expect(bytes).to.equal(196608);
      expect(reads.length, JSON.stringify(reads)).to.be.at.most(8);
      expect(reads.filter((r) => r.rwbs.includes('A')).length).to.be.greaterThan(0);
      expect(Math.max(...reads.map((r) => r.sectors))).to.be.at.least(64);
    }));

  it('a media error fails the readahead folios of its bio; the read retries them one by one and fails only the bad page', () =>
    withFs({}, async (p, m) => {
      const data = pattern(31, 262144);
      const wfd = await p.sys.open('/rb', O_CREAT | O_RDWR | O_DIRECT);
      expect(await p.sys.pwrite(wfd, anonWith(p, data), 262144, 0)).to.equal(262144);
      const ii = iomapfsI(fileOf(p, wfd).fInode);
      const e = ii.extMap.extents[0];
      if (e === undefined) throw new Error('no extent');
      const ctrl = m.get<NvmeDevices>(NvmeDevices).controllers[0];
      if (ctrl === undefined) throw new Error('no controller');
      // File page 40 (at 160 KiB) is unreadable.
      ctrl.inject({ type: 'media_error', nsid: 1, lba: ((e.pblk + 40) * 4096) / 512, count: 8, atNs: 0 });
      const fd = await p.sys.open('/rb', O_RDONLY);
      const buf = anonMap(p, 262144);
      for (let off = 0; off < 262144; off += 16384) {
        const want = off === 163840 ? -61 : 16384; // -ENODATA (BLK_STS_MEDIUM) for the chunk that starts there
        expect(await p.sys.pread(fd, buf + off, 16384, off), `at ${off}`).to.equal(want);
      }
      const got = peek(p, buf, 262144);
      expect(got.subarray(0, 163840)).to.deep.equal(data.subarray(0, 163840));
      expect(got.subarray(180224)).to.deep.equal(data.subarray(180224));
    }));
});
