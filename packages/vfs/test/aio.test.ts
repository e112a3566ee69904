import { expect } from 'chai';
import { EAGAIN, EBADF, EINVAL } from '@stackemu/core';
import {
  emptyIocb,
  IOCB_CMD_FSYNC,
  IOCB_CMD_NOOP,
  IOCB_CMD_PREAD,
  IOCB_CMD_PREADV,
  IOCB_CMD_PWRITE,
  O_CREAT,
  O_DIRECT,
  O_RDWR,
  type Iocb,
  type IoEvent,
} from '@stackemu/vfs';
import { pattern, rig } from './support/machine.js';

function iocb(op: number, fd: number, buf: number, n: number, off: number, data = 0): Iocb {
  return { ...emptyIocb(), aioLioOpcode: op, aioFildes: fd, aioBuf: buf, aioNbytes: n, aioOffset: off, aioData: data };
}

describe('libaio (fs/aio.c)', () => {
  it('io_setup() checks nr_events', async () => {
    const { p } = await rig();
    expect(p.sys.ioSetup(0)).to.equal(-EINVAL);
    expect(p.sys.ioSetup(1 << 20)).to.equal(-EAGAIN);
    expect(p.sys.ioSetup(8)).to.be.greaterThan(0);
  });

  it('completes O_DIRECT requests asynchronously, in virtual time, with aio_data', async () => {
    const r = await rig();
    const { p, run, machine } = r;
    const src = r.buf(8192, 5);
    const fd = await run(() => p.sys.open('/f', O_CREAT | O_RDWR | O_DIRECT));
    const ctx = p.sys.ioSetup(4);
    const t0 = machine.scheduler.now();
    expect(
      await p.sys.ioSubmit(ctx, [
        iocb(IOCB_CMD_PWRITE, fd, src, 4096, 0, 11),
        iocb(IOCB_CMD_PWRITE, fd, src + 4096, 4096, 4096, 12),
      ]),
    ).to.equal(2);
    const ev: IoEvent[] = [];
    expect(p.sys.ioGetevents(ctx, 0, 4, ev, 0)).to.equal(0); // nothing yet
    expect(await run(() => p.sys.ioGetevents(ctx, 2, 4, ev))).to.equal(2);
    expect(ev.map((e) => [e.data, e.res])).to.deep.equal([
      [11, 4096],
      [12, 4096],
    ]);
    expect(machine.scheduler.now() - t0).to.equal(1000);
  });

  it('completes O_DIRECT reads at depth > 1 although the filesystem clears iocb->private first (regression)', async () => {
    // memfs, like iomap's inline read completion, sets iocb.private to NULL before ki_complete; aio_complete_rw()
    // must find its aio_kiocb by container_of, else it crashed reading 'ctx' (fio randread QD16).
    const r = await rig();
    const { p, run } = r;
    const src = r.buf(16384, 9);
    const dst = r.buf(16384);
    const fd = await run(() => p.sys.open('/f', O_CREAT | O_RDWR | O_DIRECT));
    const ctx = p.sys.ioSetup(8);
    expect(await p.sys.ioSubmit(ctx, [iocb(IOCB_CMD_PWRITE, fd, src, 16384, 0, 1)])).to.equal(1);
    const ev: IoEvent[] = [];
    expect(await run(() => p.sys.ioGetevents(ctx, 1, 1, ev))).to.equal(1);
    const reads = [0, 1, 2, 3].map((i) => iocb(IOCB_CMD_PREAD, fd, dst + i * 4096, 4096, i * 4096, 10 + i));
    expect(await p.sys.ioSubmit(ctx, reads)).to.equal(4);
    const ev2: IoEvent[] = [];
    expect(await run(() => p.sys.ioGetevents(ctx, 4, 8, ev2))).to.equal(4);
    expect(ev2.map((e) => [e.data, e.res]).sort((a, b) => (a[0] as number) - (b[0] as number))).to.deep.equal([
      [10, 4096],
      [11, 4096],
      [12, 4096],
      [13, 4096],
    ]);
    expect([...r.peek(dst + 12288, 2)]).to.deep.equal([9, 9]);
  });

  it('runs raw block-device O_DIRECT through bios, pinning and unpinning at completion', async () => {
    const r = await rig();
    const { p, run, disks } = r;
    const data = pattern(2, 8192);
    const src = r.buf(8192, data);
    const fd = await run(() => p.sys.open('/dev/ram0', O_RDWR | O_DIRECT));
    const ctx = p.sys.ioSetup(2);
    expect(await p.sys.ioSubmit(ctx, [iocb(IOCB_CMD_PWRITE, fd, src, 8192, 65536, 1)])).to.equal(1);
    expect(r.vm('nr_foll_pin_acquired')).to.equal(2);
    expect(r.vm('nr_foll_pin_released')).to.equal(0); // in flight
    const ev: IoEvent[] = [];
    expect(await run(() => p.sys.ioGetevents(ctx, 1, 1, ev))).to.equal(1);
    expect(ev[0]?.res).to.equal(8192);
    expect(r.vm('nr_foll_pin_released')).to.equal(2);
    expect(Buffer.from(disks[0]?.store.subarray(65536, 65536 + 8192) ?? []).equals(Buffer.from(data))).to.equal(true);
    expect(r.sanitizer.findings()).to.deep.equal([]);
  });

  it('reports per-request errors as events and submission errors as returns', async () => {
    const r = await rig();
    const { p, run } = r;
    const a = r.buf(4096);
    const fd = await run(() => p.sys.open('/f', O_CREAT | O_RDWR | O_DIRECT));
    const ctx = p.sys.ioSetup(2);
    // Misaligned O_DIRECT: the filesystem returns -EINVAL, delivered as the event's res.
    expect(await p.sys.ioSubmit(ctx, [iocb(IOCB_CMD_PREAD, fd, a, 100, 0, 1)])).to.equal(1);
    const ev: IoEvent[] = [];
    expect(await run(() => p.sys.ioGetevents(ctx, 1, 1, ev))).to.equal(1);
    expect(ev[0]?.res).to.equal(-EINVAL);
    expect(await p.sys.ioSubmit(ctx, [iocb(IOCB_CMD_NOOP, fd, 0, 0, 0)])).to.equal(-EINVAL);
    expect(await p.sys.ioSubmit(ctx, [iocb(IOCB_CMD_PREAD, 99, a, 512, 0)])).to.equal(-EBADF);
    expect(await p.sys.ioSubmit(ctx, [iocb(IOCB_CMD_PREADV, fd, 0, 1, 0)])).to.equal(-EINVAL); // no vector
    expect(await p.sys.ioSubmit(ctx, [iocb(IOCB_CMD_FSYNC, fd, 0x1000, 0, 0)])).to.equal(-EINVAL);
    expect(await p.sys.ioSubmit(999, [])).to.equal(-EINVAL);
    // A good iocb before a bad one: the count of those submitted before the error.
    expect(await p.sys.ioSubmit(ctx, [iocb(IOCB_CMD_PREAD, fd, a, 512, 0), iocb(IOCB_CMD_NOOP, fd, 0, 0, 0)])).to.equal(
      1,
    );
    expect(p.sys.ioGetevents(ctx, 2, 1, ev)).to.equal(-EINVAL);
  });

  it('refuses more in-flight requests than nr_events with EAGAIN', async () => {
    const r = await rig();
    const { p, run } = r;
    const a = r.buf(4096);
    const fd = await run(() => p.sys.open('/f', O_CREAT | O_RDWR | O_DIRECT));
    const ctx = p.sys.ioSetup(2);
    const reqs = [0, 1, 2].map((i) => iocb(IOCB_CMD_PREAD, fd, a, 512, 0, i));
    expect(await p.sys.ioSubmit(ctx, reqs)).to.equal(2);
    expect(await p.sys.ioSubmit(ctx, reqs.slice(2))).to.equal(-EAGAIN);
    const ev: IoEvent[] = [];
    expect(await run(() => p.sys.ioGetevents(ctx, 2, 2, ev))).to.equal(2);
    expect(await p.sys.ioSubmit(ctx, reqs.slice(2))).to.equal(1);
  });

  it('runs fsync asynchronously and io_destroy waits for in-flight requests', async () => {
    const r = await rig();
    const { p, run } = r;
    const a = r.buf(4096);
    const fd = await run(() => p.sys.open('/f', O_CREAT | O_RDWR | O_DIRECT));
    const ctx = p.sys.ioSetup(4);
    expect(
      await p.sys.ioSubmit(ctx, [iocb(IOCB_CMD_FSYNC, fd, 0, 0, 0, 7), iocb(IOCB_CMD_PREAD, fd, a, 512, 0, 8)]),
    ).to.equal(2);
    let destroyed = false;
    const d = p.sys.ioDestroy(ctx).then((x) => {
      destroyed = true;
      return x;
    });
    await Promise.resolve();
    expect(destroyed).to.equal(false);
    expect(await run(() => d)).to.equal(0);
    expect(await p.sys.ioSubmit(ctx, [])).to.equal(-EINVAL);
    expect(await p.sys.ioDestroy(ctx)).to.equal(-EINVAL);
  });

  it('times out io_getevents in virtual time', async () => {
    const { p, run, machine } = await rig();
    const ctx = p.sys.ioSetup(1);
    const t0 = machine.scheduler.now();
    expect(await run(() => p.sys.ioGetevents(ctx, 1, 1, [], 5000))).to.equal(0);
    expect(machine.scheduler.now() - t0).to.equal(5000);
  });
});
