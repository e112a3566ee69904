import { expect } from 'chai';
import type { Machine } from '@stackemu/core';
import { EAGAIN } from '@stackemu/core';
import {
  emptyIocb,
  IOCB_CMD_PWRITE,
  O_CREAT,
  O_DIRECT,
  O_RDWR,
  RWF_NOWAIT,
  type Iocb,
  type IoEvent,
  type Process,
} from '@stackemu/vfs';
import { anonMap, fileOf, iomapfsMachine, pattern, pins, run, shutdown, spawn } from '../helpers/machine.js';

/** Runs `body` in a process of a fresh iomapfs machine, then unmounts. */
async function withFs(body: (p: Process, m: Machine) => Promise<void>): Promise<void> {
  const m = await iomapfsMachine({});
  try {
    const p = spawn(m);
    await run(m, () => body(p, m));
  } finally {
    await shutdown(m);
  }
}

function write(fd: number, buf: number, n: number, off: number, data: number): Iocb {
  return {
    ...emptyIocb(),
    aioLioOpcode: IOCB_CMD_PWRITE,
    aioFildes: fd,
    aioBuf: buf,
    aioNbytes: n,
    aioOffset: off,
    aioData: data,
  };
}

/** A 16 KiB file written and synced (written extents), opened O_DIRECT, and a 64 KiB buffer of data. */
async function laidOut(p: Process, name: string): Promise<{ fd: number; buf: number }> {
  const fd = await p.sys.open(name, O_CREAT | O_RDWR | O_DIRECT);
  const buf = anonMap(p, 65536);
  expect(p.mm.copyToUser(buf, pattern(3, 65536), 0, 65536)).to.equal(0);
  expect(await p.sys.pwrite(fd, buf, 16384, 0)).to.equal(16384);
  expect(await p.sys.fsync(fd)).to.equal(0);
  return { fd, buf };
}

describe('iomapfs direct writes: ext4_dio_write_iter() locking and waiting', () => {
  it('an aligned overwrite is queued: io_submit() returns before it completes (shared i_rwsem)', () =>
    withFs(async (p, m) => {
      const { fd, buf } = await laidOut(p, '/f');
      const ctx = p.sys.ioSetup(4);
      const t0 = m.scheduler.now();
      expect(await p.sys.ioSubmit(ctx, [write(fd, buf, 4096, 4096, 1)])).to.equal(1);
      expect(m.scheduler.now()).to.equal(t0);
      const ev: IoEvent[] = [];
      expect(p.sys.ioGetevents(ctx, 0, 4, ev, 0)).to.equal(0);
      expect(await p.sys.ioGetevents(ctx, 1, 4, ev)).to.equal(1);
      expect(ev[0]?.res).to.equal(4096);
    }));

  it('an extending write completes inside io_submit() (IOMAP_DIO_FORCE_WAIT), its event ready on return', () =>
    withFs(async (p, m) => {
      const { fd, buf } = await laidOut(p, '/f');
      const ctx = p.sys.ioSetup(4);
      const t0 = m.scheduler.now();
      expect(await p.sys.ioSubmit(ctx, [write(fd, buf, 4096, 16384, 1)])).to.equal(1);
      expect(m.scheduler.now()).to.be.greaterThan(t0);
      const ev: IoEvent[] = [];
      expect(p.sys.ioGetevents(ctx, 0, 4, ev, 0)).to.equal(1);
      expect(ev[0]?.res).to.equal(4096);
      expect(fileOf(p, fd).fInode.iSize).to.equal(20480);
    }));

  it('an unaligned write that is not a pure overwrite waits for the direct I/O in flight before it starts', () =>
    withFs(async (p, m) => {
      // Alone: an aligned overwrite, then an unaligned extending write, each timed on its own file.
      const a = await laidOut(p, '/a');
      const ctxA = p.sys.ioSetup(4);
      let t = m.scheduler.now();
      expect(await p.sys.ioSubmit(ctxA, [write(a.fd, a.buf, 4096, 0, 1)])).to.equal(1);
      const evA: IoEvent[] = [];
      expect(await p.sys.ioGetevents(ctxA, 1, 4, evA)).to.equal(1);
      const overwriteNs = m.scheduler.now() - t;
      t = m.scheduler.now();
      expect(await p.sys.ioSubmit(ctxA, [write(a.fd, a.buf, 6144, 16384, 2)])).to.equal(1);
      const unalignedNs = m.scheduler.now() - t;
      expect(p.sys.ioGetevents(ctxA, 0, 4, evA, 0)).to.equal(1);
      // Together in one io_submit(): the second starts only once the first is done (inode_dio_wait()).
      const b = await laidOut(p, '/b');
      const ctxB = p.sys.ioSetup(4);
      t = m.scheduler.now();
      expect(await p.sys.ioSubmit(ctxB, [write(b.fd, b.buf, 4096, 0, 1), write(b.fd, b.buf, 6144, 16384, 2)])).to.equal(
        2,
      );
      const togetherNs = m.scheduler.now() - t;
      expect(togetherNs).to.be.at.least(overwriteNs + unalignedNs - 1000);
      const ev: IoEvent[] = [];
      expect(p.sys.ioGetevents(ctxB, 0, 4, ev, 0)).to.equal(2);
      expect(ev.map((e) => [e.data, e.res])).to.deep.equal([
        [1, 4096],
        [2, 6144],
      ]);
    }));

  it('sequential 6 KiB extending writes from one page-aligned buffer: every other one pins its first page twice', () =>
    withFs(async (p, m) => {
      // The real kernel pins 2560 pages for 1024 such writes from fio at any iodepth, because each completes in
      // io_submit() and fio's buffers go round in order (packages/cli/test/kernel-pins.test.ts has the fio job).
      const fd = await p.sys.open('/s', O_CREAT | O_RDWR | O_DIRECT);
      const buf = anonMap(p, 8192);
      // Written first: GUP of never-touched anonymous memory would find the zero page, which is never pinned.
      expect(p.mm.copyToUser(buf, pattern(5, 8192), 0, 8192)).to.equal(0);
      const ctx = p.sys.ioSetup(8);
      const before = pins(m);
      for (let i = 0; i < 8; i++) {
        expect(await p.sys.ioSubmit(ctx, [write(fd, buf, 6144, i * 6144, i)])).to.equal(1);
      }
      const ev: IoEvent[] = [];
      expect(p.sys.ioGetevents(ctx, 0, 8, ev, 0)).to.equal(8);
      // Even writes start on a block: one mapping, 2 pages; odd ones cross from the block the previous write
      // allocated into a new one: two mappings, both in the buffer's first page, 3 pins.
      expect(pins(m).acquired - before.acquired).to.equal(8 * 2 + 4);
    }));

  it('RWF_NOWAIT: an extending or unaligned non-overwrite write is -EAGAIN, an aligned overwrite goes ahead', () =>
    withFs(async (p) => {
      const { fd, buf } = await laidOut(p, '/f');
      expect(await p.sys.pwritev2(fd, [{ iovBase: buf, iovLen: 4096 }], 16384, RWF_NOWAIT)).to.equal(-EAGAIN);
      expect(await p.sys.pwritev2(fd, [{ iovBase: buf, iovLen: 6144 }], 12288, RWF_NOWAIT)).to.equal(-EAGAIN);
      expect(await p.sys.pwritev2(fd, [{ iovBase: buf, iovLen: 4096 }], 4096, RWF_NOWAIT)).to.equal(4096);
      expect(fileOf(p, fd).fInode.iSize).to.equal(16384);
    }));
});
