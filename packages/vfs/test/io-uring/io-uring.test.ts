import { expect } from 'chai';
import fc from 'fast-check';
import { EBADF, EINTR, EINVAL, EOPNOTSUPP } from '@stackemu/core';
import {
  IORING_ENTER_GETEVENTS,
  IORING_FEAT_NODROP,
  IORING_OP_FSYNC,
  IORING_OP_NOP,
  IORING_OP_READ,
  IORING_OP_WRITE,
  IORING_REGISTER_BUFFERS,
  IORING_SETUP_CLAMP,
  IORING_SETUP_CQSIZE,
  IORING_SETUP_SQPOLL,
  ioUringParams,
  O_CREAT,
  O_DIRECT,
  O_RDWR,
  type IoUringRings,
} from '@stackemu/vfs';
import { rig } from '../support/machine.js';
import { prep } from '../support/io-uring.js';

function reap(r: IoUringRings): [number, number][] {
  const out: [number, number][] = [];
  while (r.cqHead !== r.cqTail) {
    const c = r.cqes[r.cqHead & r.cqMask];
    if (c !== undefined) out.push([c.userData, c.res]);
    r.cqHead++;
  }
  return out;
}

describe('io_uring', () => {
  describe('ioUringSetup()', () => {
    it('sizes the rings as io_uring_create() does', async () => {
      const { p } = await rig();
      const prm = ioUringParams();
      expect(p.sys.ioUringSetup(5, prm)).to.be.at.least(0);
      expect([prm.sqEntries, prm.cqEntries]).to.deep.equal([8, 16]);
      expect(prm.features & IORING_FEAT_NODROP).to.not.equal(0);
      expect(p.sys.ioUringSetup(0, ioUringParams())).to.equal(-EINVAL);
      expect(p.sys.ioUringSetup(40000, ioUringParams())).to.equal(-EINVAL);
      const cl = ioUringParams(IORING_SETUP_CLAMP);
      expect(p.sys.ioUringSetup(40000, cl)).to.be.at.least(0);
      expect(cl.sqEntries).to.equal(32768);
      const cq = ioUringParams(IORING_SETUP_CQSIZE);
      cq.cqEntries = 2;
      expect(p.sys.ioUringSetup(4, cq)).to.equal(-EINVAL);
      expect(p.sys.ioUringSetup(4, ioUringParams(IORING_SETUP_SQPOLL))).to.equal(-EINVAL);
    });

    it('rounds entries up to a power of two (property)', async () => {
      const { p, run } = await rig();
      const fds: number[] = [];
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 4096 }), (n) => {
          const prm = ioUringParams();
          const fd = p.sys.ioUringSetup(n, prm);
          if (fd >= 0) fds.push(fd);
          return (
            fd >= 0 &&
            prm.sqEntries >= n &&
            prm.sqEntries < 2 * n &&
            (prm.sqEntries & (prm.sqEntries - 1)) === 0 &&
            prm.cqEntries === 2 * prm.sqEntries
          );
        }),
        { numRuns: 50 },
      );
      expect(fds.length).to.equal(50);
      await run(async () => {
        for (const fd of fds) expect(await p.sys.close(fd)).to.equal(0);
      });
    });
  });

  it('submits, completes in virtual time, and posts CQEs with user_data', async () => {
    const r = await rig();
    const { p, run, machine } = r;
    const src = r.buf(4096, 3);
    const dst = r.buf(4096);
    const fd = await run(() => p.sys.open('/f', O_CREAT | O_RDWR | O_DIRECT));
    const ring = p.sys.ioUringSetup(4, ioUringParams());
    const q = p.sys.ioUringRings(ring) as IoUringRings;
    prep(q, { opcode: IORING_OP_WRITE, fd, addr: src, len: 4096, off: 0, userData: 1 });
    prep(q, { opcode: IORING_OP_NOP, userData: 2 });
    prep(q, { opcode: 200, userData: 3 });
    const t0 = machine.scheduler.now();
    expect(await run(() => p.sys.ioUringEnter(ring, 3, 0, 0))).to.equal(3); // the invalid one counts, and ends the batch
    expect(reap(q)).to.deep.equal([
      [2, 0],
      [3, -EINVAL],
    ]);
    await r.idle(); // the write completes
    prep(q, { opcode: IORING_OP_READ, fd, addr: dst, len: 4096, off: 0, userData: 4 });
    expect(await run(() => p.sys.ioUringEnter(ring, 1, 2, IORING_ENTER_GETEVENTS))).to.equal(1);
    expect(reap(q)).to.deep.equal([
      [1, 4096],
      [4, 4096],
    ]);
    expect(machine.scheduler.now() - t0).to.equal(2000);
    expect([...r.peek(dst, 4)]).to.deep.equal([3, 3, 3, 3]);
  });

  it('completes O_DIRECT reads at depth > 1 although the filesystem clears iocb->private first (regression)', async () => {
    // memfs, like iomap's inline read completion, sets iocb.private to NULL before ki_complete; io_complete_rw()
    // must find its request by container_of, else the second completion crashed (fio randread QD16).
    const r = await rig();
    const { p, run } = r;
    const src = r.buf(16384, 7);
    const dst = r.buf(16384);
    const fd = await run(() => p.sys.open('/f', O_CREAT | O_RDWR | O_DIRECT));
    const ring = p.sys.ioUringSetup(8, ioUringParams());
    const q = p.sys.ioUringRings(ring) as IoUringRings;
    prep(q, { opcode: IORING_OP_WRITE, fd, addr: src, len: 16384, off: 0, userData: 9 });
    expect(await run(() => p.sys.ioUringEnter(ring, 1, 1, IORING_ENTER_GETEVENTS))).to.equal(1);
    expect(reap(q)).to.deep.equal([[9, 16384]]);
    for (let i = 0; i < 4; i++)
      prep(q, { opcode: IORING_OP_READ, fd, addr: dst + i * 4096, len: 4096, off: i * 4096, userData: 20 + i });
    expect(await run(() => p.sys.ioUringEnter(ring, 4, 4, IORING_ENTER_GETEVENTS))).to.equal(4);
    expect(reap(q).sort((a, b) => a[0] - b[0])).to.deep.equal([
      [20, 4096],
      [21, 4096],
      [22, 4096],
      [23, 4096],
    ]);
    expect([...r.peek(dst + 12288, 2)]).to.deep.equal([7, 7]);
  });

  it('answers bad descriptors and waits with nothing in flight as the kernel does', async () => {
    const { p, run } = await rig();
    const fd = await run(() => p.sys.open('/f', O_CREAT | O_RDWR));
    expect(p.sys.ioUringEnter(99, 0, 0, 0)).to.equal(-EBADF);
    expect(p.sys.ioUringEnter(fd, 0, 0, 0)).to.equal(-EOPNOTSUPP);
    const ring = p.sys.ioUringSetup(2, ioUringParams());
    expect(p.sys.ioUringEnter(ring, 0, 0, 1 << 9)).to.equal(-EINVAL);
    expect(p.sys.ioUringEnter(ring, 0, 1, IORING_ENTER_GETEVENTS)).to.equal(-EINTR);
    expect(p.sys.ioUringRegister(fd, IORING_REGISTER_BUFFERS, [], 0)).to.equal(-EOPNOTSUPP);
  });

  it('keeps CQEs that overflow the CQ ring (IORING_FEAT_NODROP)', async () => {
    const { p } = await rig();
    const ring = p.sys.ioUringSetup(4, ioUringParams());
    const q = p.sys.ioUringRings(ring) as IoUringRings;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4; i++) prep(q, { opcode: IORING_OP_NOP, userData: round * 4 + i });
      expect(p.sys.ioUringEnter(ring, 4, 0, 0)).to.equal(4);
    }
    expect(q.cqReady).to.equal(8);
    expect(q.cqOverflow).to.equal(4);
    const first = reap(q).map((x) => x[0]);
    expect(p.sys.ioUringEnter(ring, 0, 0, 0)).to.equal(0); // flushes the overflow list
    const rest = reap(q).map((x) => x[0]);
    expect([...first, ...rest]).to.deep.equal([...Array(12).keys()]);
  });

  it('runs IORING_OP_FSYNC asynchronously', async () => {
    const r = await rig();
    const { p, run } = r;
    const src = r.buf(4096, 1);
    const fd = await run(async () => {
      const f = await p.sys.open('/f', O_CREAT | O_RDWR);
      await p.sys.pwrite(f, src, 4096, 0);
      return f;
    });
    const ring = p.sys.ioUringSetup(2, ioUringParams());
    const q = p.sys.ioUringRings(ring) as IoUringRings;
    prep(q, { opcode: IORING_OP_FSYNC, fd, userData: 9 });
    expect(p.sys.ioUringEnter(ring, 1, 0, 0)).to.equal(1);
    expect(q.cqReady).to.equal(0);
    expect(r.vm('nr_dirty')).to.equal(1);
    await r.idle();
    expect(reap(q)).to.deep.equal([[9, 0]]);
    expect(r.vm('nr_dirty')).to.equal(0);
  });
});
