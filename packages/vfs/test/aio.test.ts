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
import { setupMemfs } from './helpers.js';

function iocb(op: number, fd: number, buf: number, n: number, off: number, data = 0): Iocb {
  return { ...emptyIocb(), aioLioOpcode: op, aioFildes: fd, aioBuf: buf, aioNbytes: n, aioOffset: off, aioData: data };
}

describe('libaio (fs/aio.c)', () => {
  it('io_setup() checks nr_events', async () => {
    const { p } = await setupMemfs();
    expect(p.sys.ioSetup(0)).to.equal(-EINVAL);
    expect(p.sys.ioSetup(1 << 20)).to.equal(-EAGAIN);
    expect(p.sys.ioSetup(8)).to.be.greaterThan(0);
  });

  it('completes O_DIRECT requests asynchronously, in virtual time, with aio_data', async () => {
    const { p, mm, sched } = await setupMemfs();
    const fd = await p.sys.open('/f', O_CREAT | O_RDWR | O_DIRECT);
    mm.copyToUser(0x10000, new Uint8Array(8192).fill(5), 0, 8192);
    const ctx = p.sys.ioSetup(4);
    expect(p.sys.ioSubmit(ctx, [iocb(IOCB_CMD_PWRITE, fd, 0x10000, 4096, 0, 11), iocb(IOCB_CMD_PWRITE, fd, 0x11000, 4096, 4096, 12)])).to.equal(2);
    const ev: IoEvent[] = [];
    expect(p.sys.ioGetevents(ctx, 0, 4, ev, 0)).to.equal(0); // nothing yet at t=0
    const got = p.sys.ioGetevents(ctx, 2, 4, ev);
    await sched.run();
    expect(await got).to.equal(2);
    expect(ev.map((e) => [e.data, e.res])).to.deep.equal([
      [11, 4096],
      [12, 4096],
    ]);
    expect(sched.now()).to.equal(1000);
  });

  it('reports per-request errors as events and submission errors as returns', async () => {
    const { p, sched } = await setupMemfs();
    const fd = await p.sys.open('/f', O_CREAT | O_RDWR | O_DIRECT);
    const ctx = p.sys.ioSetup(2);
    // Misaligned O_DIRECT: the filesystem returns -EINVAL, delivered as the event's res.
    expect(p.sys.ioSubmit(ctx, [iocb(IOCB_CMD_PREAD, fd, 0x10000, 100, 0, 1)])).to.equal(1);
    const ev: IoEvent[] = [];
    const pr = p.sys.ioGetevents(ctx, 1, 1, ev);
    await sched.run();
    expect(await pr).to.equal(1);
    expect(ev[0]?.res).to.equal(-EINVAL);
    expect(p.sys.ioSubmit(ctx, [iocb(IOCB_CMD_NOOP, fd, 0, 0, 0)])).to.equal(-EINVAL);
    expect(p.sys.ioSubmit(ctx, [iocb(IOCB_CMD_PREAD, 99, 0x10000, 512, 0)])).to.equal(-EBADF);
    expect(p.sys.ioSubmit(ctx, [iocb(IOCB_CMD_PREADV, fd, 0, 1, 0)])).to.equal(-EINVAL); // no vector
    expect(p.sys.ioSubmit(ctx, [iocb(IOCB_CMD_FSYNC, fd, 0x1000, 0, 0)])).to.equal(-EINVAL);
    expect(p.sys.ioSubmit(999, [])).to.equal(-EINVAL);
    // A second good iocb after a bad one: the count of those submitted before the error.
    expect(p.sys.ioSubmit(ctx, [iocb(IOCB_CMD_PREAD, fd, 0x10000, 512, 0), iocb(IOCB_CMD_NOOP, fd, 0, 0, 0)])).to.equal(1);
    expect(p.sys.ioGetevents(ctx, 2, 1, ev)).to.equal(-EINVAL);
  });

  it('refuses more in-flight requests than nr_events with EAGAIN', async () => {
    const { p, sched } = await setupMemfs();
    const fd = await p.sys.open('/f', O_CREAT | O_RDWR | O_DIRECT);
    const ctx = p.sys.ioSetup(2);
    const r = [0, 1, 2].map((i) => iocb(IOCB_CMD_PREAD, fd, 0x10000, 512, 0, i));
    expect(p.sys.ioSubmit(ctx, r)).to.equal(2);
    expect(p.sys.ioSubmit(ctx, r.slice(2))).to.equal(-EAGAIN);
    const ev: IoEvent[] = [];
    const pr = p.sys.ioGetevents(ctx, 2, 2, ev);
    await sched.run();
    expect(await pr).to.equal(2);
    expect(p.sys.ioSubmit(ctx, r.slice(2))).to.equal(1);
  });

  it('runs fsync asynchronously and io_destroy waits for in-flight requests', async () => {
    const { p, sched } = await setupMemfs();
    const fd = await p.sys.open('/f', O_CREAT | O_RDWR | O_DIRECT);
    const ctx = p.sys.ioSetup(4);
    expect(p.sys.ioSubmit(ctx, [iocb(IOCB_CMD_FSYNC, fd, 0, 0, 0, 7), iocb(IOCB_CMD_PREAD, fd, 0x10000, 512, 0, 8)])).to.equal(2);
    let destroyed = false;
    const d = p.sys.ioDestroy(ctx).then((r) => {
      destroyed = true;
      return r;
    });
    await Promise.resolve();
    expect(destroyed).to.equal(false);
    await sched.run();
    expect(await d).to.equal(0);
    expect(p.sys.ioSubmit(ctx, [])).to.equal(-EINVAL);
    expect(await p.sys.ioDestroy(ctx)).to.equal(-EINVAL);
  });

  it('times out io_getevents in virtual time', async () => {
    const { p, sched } = await setupMemfs();
    const ctx = p.sys.ioSetup(1);
    const pr = p.sys.ioGetevents(ctx, 1, 1, [], 5000);
    await sched.run();
    expect(await pr).to.equal(0);
    expect(sched.now()).to.equal(5000);
  });
});
