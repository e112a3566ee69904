import { expect } from 'chai';
import fc from 'fast-check';
import { EBADF, EBUSY, EFAULT, EINTR, EINVAL, ENXIO, EOPNOTSUPP } from '@stackemu/core';
import {
  IORING_ENTER_GETEVENTS,
  IORING_FEAT_NODROP,
  IORING_OP_FSYNC,
  IORING_OP_NOP,
  IORING_OP_READ,
  IORING_OP_READ_FIXED,
  IORING_OP_WRITE,
  IORING_OP_WRITE_FIXED,
  IORING_REGISTER_BUFFERS,
  IORING_SETUP_CLAMP,
  IORING_SETUP_CQSIZE,
  IORING_SETUP_SQPOLL,
  IORING_SETUP_SUBMIT_ALL,
  IORING_UNREGISTER_BUFFERS,
  ioUringParams,
  O_CREAT,
  O_DIRECT,
  O_RDWR,
  type IoUringRings,
  type IoUringSqe,
} from '@stackemu/vfs';
import { setupMemfs } from './helpers.js';

function prep(r: IoUringRings, f: Partial<IoUringSqe>): void {
  const s = r.sqes[r.sqTail & r.sqMask] as IoUringSqe;
  Object.assign(s, { opcode: IORING_OP_NOP, flags: 0, ioprio: 0, fd: -1, off: 0, addr: 0, len: 0, rwFlags: 0, userData: 0, bufIndex: 0, iov: undefined }, f);
  r.sqTail++;
}

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
      const { p } = await setupMemfs();
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
      const { p } = await setupMemfs();
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 32768 }), (n) => {
          const prm = ioUringParams();
          const fd = p.sys.ioUringSetup(n, prm);
          if (fd >= 0) void p.sys.close(fd);
          return fd >= 0 && prm.sqEntries >= n && prm.sqEntries < 2 * n && (prm.sqEntries & (prm.sqEntries - 1)) === 0 && prm.cqEntries === 2 * prm.sqEntries;
        }),
        { numRuns: 50 },
      );
    });
  });

  it('submits, completes in virtual time, and posts CQEs with user_data', async () => {
    const { p, mm, sched } = await setupMemfs();
    const fd = await p.sys.open('/f', O_CREAT | O_RDWR | O_DIRECT);
    mm.copyToUser(0x10000, new Uint8Array(4096).fill(3), 0, 4096);
    const ring = p.sys.ioUringSetup(4, ioUringParams());
    const r = p.sys.ioUringRings(ring) as IoUringRings;
    prep(r, { opcode: IORING_OP_WRITE, fd, addr: 0x10000, len: 4096, off: 0, userData: 1 });
    prep(r, { opcode: IORING_OP_NOP, userData: 2 });
    prep(r, { opcode: 200, userData: 3 });
    expect(p.sys.ioUringEnter(ring, 3, 0, 0)).to.equal(3); // the invalid one counts, and ends the batch
    expect(reap(r)).to.deep.equal([
      [2, 0],
      [3, -EINVAL],
    ]);
    prep(r, { opcode: IORING_OP_READ, fd, addr: 0x20000, len: 4096, off: 0, userData: 4 });
    const w = p.sys.ioUringEnter(ring, 1, 2, IORING_ENTER_GETEVENTS);
    await sched.run();
    expect(await w).to.equal(1);
    expect(reap(r)).to.deep.equal([
      [1, 4096],
      [4, 4096],
    ]);
    const out = new Uint8Array(4);
    mm.copyFromUser(out, 0, 0x20000, 4);
    expect([...out]).to.deep.equal([3, 3, 3, 3]);
  });

  it('answers bad descriptors and waits with nothing in flight as the kernel does', async () => {
    const { p } = await setupMemfs();
    const fd = await p.sys.open('/f', O_CREAT | O_RDWR);
    expect(p.sys.ioUringEnter(99, 0, 0, 0)).to.equal(-EBADF);
    expect(p.sys.ioUringEnter(fd, 0, 0, 0)).to.equal(-EOPNOTSUPP);
    const ring = p.sys.ioUringSetup(2, ioUringParams());
    expect(p.sys.ioUringEnter(ring, 0, 0, 1 << 9)).to.equal(-EINVAL);
    expect(p.sys.ioUringEnter(ring, 0, 1, IORING_ENTER_GETEVENTS)).to.equal(-EINTR);
    expect(p.sys.ioUringRegister(fd, IORING_REGISTER_BUFFERS, [], 0)).to.equal(-EOPNOTSUPP);
  });

  it('keeps CQEs that overflow the CQ ring (IORING_FEAT_NODROP)', async () => {
    const { p } = await setupMemfs();
    const ring = p.sys.ioUringSetup(4, ioUringParams());
    const r = p.sys.ioUringRings(ring) as IoUringRings;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4; i++) prep(r, { opcode: IORING_OP_NOP, userData: round * 4 + i });
      expect(p.sys.ioUringEnter(ring, 4, 0, 0)).to.equal(4);
    }
    expect(r.cqReady).to.equal(8);
    expect(r.cqOverflow).to.equal(4);
    const first = reap(r).map((x) => x[0]);
    p.sys.ioUringEnter(ring, 0, 0, 0); // flushes the overflow list
    const rest = reap(r).map((x) => x[0]);
    expect([...first, ...rest]).to.deep.equal([...Array(12).keys()]);
  });

  describe('registered buffers', () => {
    it('pins long-term at registration, none per I/O, and unpins at unregister', async () => {
      const { p, mm, sched, pins } = await setupMemfs();
      const fd = await p.sys.open('/f', O_CREAT | O_RDWR | O_DIRECT);
      const ring = p.sys.ioUringSetup(16, ioUringParams(IORING_SETUP_SUBMIT_ALL));
      const r = p.sys.ioUringRings(ring) as IoUringRings;
      const bufs = Array.from({ length: 4 }, (_, i) => ({ iovBase: 0x100000 + i * 0x10000, iovLen: 8192 }));
      expect(p.sys.ioUringRegister(ring, IORING_REGISTER_BUFFERS, bufs, 4)).to.equal(0);
      expect([pins.acquired, pins.longterm]).to.deep.equal([8, 8]);
      expect(p.sys.ioUringRegister(ring, IORING_REGISTER_BUFFERS, bufs, 4)).to.equal(-EBUSY);
      mm.copyToUser(0x110000, new Uint8Array(4096).fill(8), 0, 4096);
      prep(r, { opcode: IORING_OP_WRITE_FIXED, fd, addr: 0x110000, len: 4096, off: 0, bufIndex: 1, userData: 1 });
      prep(r, { opcode: IORING_OP_READ_FIXED, fd, addr: 0x121000, len: 4096, off: 0, bufIndex: 2, userData: 2 });
      prep(r, { opcode: IORING_OP_READ_FIXED, fd, addr: 0x120000, len: 9000, off: 0, bufIndex: 2, userData: 3 });
      prep(r, { opcode: IORING_OP_READ_FIXED, fd, addr: 0x120000, len: 512, off: 0, bufIndex: 9, userData: 4 });
      const w = p.sys.ioUringEnter(ring, 4, 4, IORING_ENTER_GETEVENTS);
      await sched.run();
      expect(await w).to.equal(4); // SUBMIT_ALL: the failing SQEs do not end the batch
      const got = new Map(reap(r));
      expect(got.get(1)).to.equal(4096);
      expect(got.get(2)).to.equal(4096);
      expect(got.get(3)).to.equal(-EFAULT);
      expect(got.get(4)).to.equal(-EFAULT);
      expect(pins.acquired).to.equal(8); // no per-I/O pins
      const out = new Uint8Array(2);
      mm.copyFromUser(out, 0, 0x121000, 2);
      expect([...out]).to.deep.equal([8, 8]);
      expect(p.sys.ioUringRegister(ring, IORING_UNREGISTER_BUFFERS, undefined, 0)).to.equal(0);
      expect(pins.released).to.equal(8);
      expect(pins.held.size).to.equal(0);
      expect(p.sys.ioUringRegister(ring, IORING_UNREGISTER_BUFFERS, undefined, 0)).to.equal(-ENXIO);
    });

    it('validates iovecs and leaves nothing pinned on failure', async () => {
      const { p, pins } = await setupMemfs();
      const ring = p.sys.ioUringSetup(4, ioUringParams());
      expect(p.sys.ioUringRegister(ring, IORING_REGISTER_BUFFERS, [], 0)).to.equal(-EINVAL);
      const bad = [
        { iovBase: 0x100000, iovLen: 4096 },
        { iovBase: 0x200000, iovLen: 0 },
      ];
      expect(p.sys.ioUringRegister(ring, IORING_REGISTER_BUFFERS, bad, 2)).to.equal(-EFAULT);
      expect(p.sys.ioUringRegister(ring, IORING_REGISTER_BUFFERS, [{ iovBase: 0x100000, iovLen: 2 ** 30 + 1 }], 1)).to.equal(-EFAULT);
      expect(pins.acquired).to.equal(pins.released);
      expect(pins.held.size).to.equal(0);
    });

    it('are unpinned when the ring is closed, and at process exit', async () => {
      const { p, pins, vfs } = await setupMemfs();
      const ring = p.sys.ioUringSetup(4, ioUringParams());
      p.sys.ioUringRegister(ring, IORING_REGISTER_BUFFERS, [{ iovBase: 0x100000, iovLen: 4096 }], 1);
      expect(await p.sys.close(ring)).to.equal(0);
      expect(pins.held.size).to.equal(0);
      const q = vfs.spawn('q');
      const ring2 = q.sys.ioUringSetup(4, ioUringParams());
      q.sys.ioUringRegister(ring2, IORING_REGISTER_BUFFERS, [{ iovBase: 0x100000, iovLen: 12288 }], 1);
      expect(pins.held.size).to.equal(3);
      await q.exit();
      expect(pins.held.size).to.equal(0);
      expect(q.exited).to.equal(true);
    });
  });

  it('runs IORING_OP_FSYNC asynchronously', async () => {
    const { p, sched } = await setupMemfs();
    const fd = await p.sys.open('/f', O_CREAT | O_RDWR);
    const ring = p.sys.ioUringSetup(2, ioUringParams());
    const r = p.sys.ioUringRings(ring) as IoUringRings;
    prep(r, { opcode: IORING_OP_FSYNC, fd, userData: 9 });
    expect(p.sys.ioUringEnter(ring, 1, 0, 0)).to.equal(1);
    expect(r.cqReady).to.equal(0);
    await sched.run();
    expect(reap(r)).to.deep.equal([[9, 0]]);
  });
});
