import { expect } from 'chai';
import { EBUSY, EFAULT, EINVAL, ENXIO } from '@stackemu/core';
import {
  IORING_ENTER_GETEVENTS,
  IORING_OP_READ_FIXED,
  IORING_OP_WRITE_FIXED,
  IORING_REGISTER_BUFFERS,
  IORING_SETUP_SUBMIT_ALL,
  IORING_UNREGISTER_BUFFERS,
  ioUringParams,
  O_DIRECT,
  O_RDWR,
  type IoRingCtx,
  type IoUringRings,
  type Process,
} from '@stackemu/vfs';
import { pattern, rig, type Rig } from '../support/machine.js';
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

function pins(r: Rig): { acquired: number; released: number } {
  return { acquired: r.vm('nr_foll_pin_acquired'), released: r.vm('nr_foll_pin_released') };
}

function ringCtx(p: Process, ring: number): IoRingCtx {
  return p.sys.file(ring)?.privateData as IoRingCtx;
}

describe('io_uring registered buffers (io_uring/rsrc.c)', () => {
  it('pins 16 x 4 KiB long-term at registration (nr_foll_pin_acquired +16), none per I/O, and unpins at unregister', async () => {
    const r = await rig();
    const { p, run, disks } = r;
    const data = pattern(5, 4096);
    const base = r.buf(16 * 4096);
    const bufs = Array.from({ length: 16 }, (_, i) => ({ iovBase: base + i * 4096, iovLen: 4096 }));
    const fd = await run(() => p.sys.open('/dev/ram0', O_RDWR | O_DIRECT));
    const ring = p.sys.ioUringSetup(16, ioUringParams(IORING_SETUP_SUBMIT_ALL));
    const q = p.sys.ioUringRings(ring) as IoUringRings;
    const p0 = pins(r);
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_BUFFERS, bufs, 16)).to.equal(0);
    expect(pins(r).acquired - p0.acquired).to.equal(16);
    expect(pins(r).released).to.equal(p0.released);
    expect(r.sanitizer.heldBy(ringCtx(p, ring).bufTable)).to.deep.equal({ get: 0, pin: 16 });
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_BUFFERS, bufs, 16)).to.equal(-EBUSY);
    r.mm.copyToUser(base + 4096, data, 0, 4096);
    prep(q, { opcode: IORING_OP_WRITE_FIXED, fd, addr: base + 4096, len: 4096, off: 8192, bufIndex: 1, userData: 1 });
    prep(q, {
      opcode: IORING_OP_READ_FIXED,
      fd,
      addr: base + 2 * 4096,
      len: 4096,
      off: 8192,
      bufIndex: 2,
      userData: 2,
    });
    prep(q, { opcode: IORING_OP_READ_FIXED, fd, addr: base + 2 * 4096, len: 8192, off: 0, bufIndex: 2, userData: 3 });
    prep(q, { opcode: IORING_OP_READ_FIXED, fd, addr: base, len: 512, off: 0, bufIndex: 99, userData: 4 });
    expect(await run(() => p.sys.ioUringEnter(ring, 4, 4, IORING_ENTER_GETEVENTS))).to.equal(4); // SUBMIT_ALL
    const got = new Map(reap(q));
    expect(got.get(1)).to.equal(4096);
    expect(got.get(2)).to.equal(4096);
    expect(got.get(3)).to.equal(-EFAULT); // leaves the registered buffer
    expect(got.get(4)).to.equal(-EFAULT); // no such buffer
    expect(Buffer.from(disks[0]?.store.subarray(8192, 12288) ?? []).equals(Buffer.from(data))).to.equal(true);
    expect(Buffer.from(r.peek(base + 2 * 4096, 4096)).equals(Buffer.from(data))).to.equal(true);
    expect(pins(r).acquired - p0.acquired).to.equal(16); // no per-I/O pins
    expect(p.sys.ioUringRegister(ring, IORING_UNREGISTER_BUFFERS, undefined, 0)).to.equal(0);
    expect(pins(r).released - p0.released).to.equal(16);
    expect(r.sanitizer.heldBy(ringCtx(p, ring).bufTable)).to.deep.equal({ get: 0, pin: 0 });
    expect(p.sys.ioUringRegister(ring, IORING_UNREGISTER_BUFFERS, undefined, 0)).to.equal(-ENXIO);
    expect(r.sanitizer.findings()).to.deep.equal([]);
  });

  it('validates iovecs and leaves nothing pinned on failure', async () => {
    const r = await rig();
    const { p } = r;
    const ring = p.sys.ioUringSetup(4, ioUringParams());
    const a = r.buf(4096);
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_BUFFERS, [], 0)).to.equal(-EINVAL);
    const zero = [
      { iovBase: a, iovLen: 4096 },
      { iovBase: a, iovLen: 0 },
    ];
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_BUFFERS, zero, 2)).to.equal(-EFAULT);
    const unmapped = [
      { iovBase: a, iovLen: 4096 },
      { iovBase: 0x7000_0000, iovLen: 4096 },
    ];
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_BUFFERS, unmapped, 2)).to.equal(-EFAULT);
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_BUFFERS, [{ iovBase: a, iovLen: 2 ** 30 + 1 }], 1)).to.equal(
      -EFAULT,
    );
    const after = pins(r);
    expect(after.acquired).to.equal(after.released);
    expect(after.acquired).to.be.greaterThan(0); // the first buffer was pinned, then released
    expect(r.sanitizer.heldBy(ringCtx(p, ring).bufTable)).to.deep.equal({ get: 0, pin: 0 });
  });

  it('are unpinned when the ring is closed, and at process exit', async () => {
    const r = await rig();
    const { p, run, vfs } = r;
    const ring = p.sys.ioUringSetup(4, ioUringParams());
    const a = r.buf(12288);
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_BUFFERS, [{ iovBase: a, iovLen: 4096 }], 1)).to.equal(0);
    expect(await run(() => p.sys.close(ring))).to.equal(0);
    expect(pins(r).acquired - pins(r).released).to.equal(0);
    const q = vfs.spawn('q');
    const b = q.sys.mmap(0, 12288, 3, 0x22, -1, 0);
    const ring2 = q.sys.ioUringSetup(4, ioUringParams());
    expect(q.sys.ioUringRegister(ring2, IORING_REGISTER_BUFFERS, [{ iovBase: b, iovLen: 12288 }], 1)).to.equal(0);
    expect(pins(r).acquired - pins(r).released).to.equal(3);
    await run(() => q.exit());
    expect(pins(r).acquired - pins(r).released).to.equal(0);
    expect(q.exited).to.equal(true);
    expect(r.sanitizer.findings()).to.deep.equal([]);
  });
});
