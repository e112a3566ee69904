import { expect } from 'chai';
import { EBADF, EBUSY, EFAULT, EINVAL, EMFILE, ENXIO, EOVERFLOW } from '@stackemu/core';
import {
  IORING_ENTER_GETEVENTS,
  IORING_OP_READ,
  IORING_OP_WRITE,
  IORING_REGISTER_BUFFERS,
  IORING_REGISTER_FILES,
  IORING_REGISTER_FILES_SKIP,
  IORING_REGISTER_FILES_UPDATE,
  IORING_SETUP_SUBMIT_ALL,
  IORING_UNREGISTER_FILES,
  IOSQE_FIXED_FILE,
  ioUringParams,
  O_CREAT,
  O_DIRECT,
  O_RDWR,
  type File,
  type IoRingCtx,
  type IoUringRings,
  type Process,
} from '@stackemu/vfs';
import { pattern, rig, type Rig } from '../support/machine.js';
import { prep } from '../support/io-uring.js';

function reap(r: IoUringRings): Map<number, number> {
  const out = new Map<number, number>();
  while (r.cqHead !== r.cqTail) {
    const c = r.cqes[r.cqHead & r.cqMask];
    if (c !== undefined) out.set(c.userData, c.res);
    r.cqHead++;
  }
  return out;
}

function ringCtx(p: Process, ring: number): IoRingCtx {
  return p.sys.file(ring)?.privateData as IoRingCtx;
}

/** Submits what is queued and waits for `n` completions. */
async function submit(r: Rig, ring: number, n: number): Promise<Map<number, number>> {
  const q = r.p.sys.ioUringRings(ring) as IoUringRings;
  expect(await r.run(() => r.p.sys.ioUringEnter(ring, n, n, IORING_ENTER_GETEVENTS))).to.equal(n);
  return reap(q);
}

describe('io_uring registered files (io_uring/filetable.c, io_uring/rsrc.c)', () => {
  it('IOSQE_FIXED_FILE reads and writes through the table; sparse, out-of-range and unregistered slots fail EBADF', async () => {
    const r = await rig();
    const { p, run, disks } = r;
    const data = pattern(9, 4096);
    const wbuf = r.buf(4096, data);
    const rbuf = r.buf(4096);
    const reg = await run(() => p.sys.open('/f', O_CREAT | O_RDWR));
    const dev = await run(() => p.sys.open('/dev/ram0', O_RDWR | O_DIRECT));
    const ring = p.sys.ioUringSetup(8, ioUringParams(IORING_SETUP_SUBMIT_ALL));
    const q = p.sys.ioUringRings(ring) as IoUringRings;
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_FILES, [dev, -1, reg], 3)).to.equal(0);
    expect(ringCtx(p, ring).fileTable.nr).to.equal(3);
    expect(ringCtx(p, ring).fileTable.used).to.equal(2);
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_FILES, [dev], 1)).to.equal(-EBUSY);
    // Slots and descriptors differ (slot 0 = fd 1, slot 2 = fd 0; fd 2 is the ring): IOSQE_FIXED_FILE reads slots.
    expect([reg, dev, ring]).to.deep.equal([0, 1, 2]);
    prep(q, { opcode: IORING_OP_WRITE, flags: IOSQE_FIXED_FILE, fd: 0, addr: wbuf, len: 4096, off: 8192, userData: 1 });
    prep(q, { opcode: IORING_OP_READ, flags: IOSQE_FIXED_FILE, fd: 1, addr: rbuf, len: 4096, off: 0, userData: 2 }); // sparse
    prep(q, { opcode: IORING_OP_READ, flags: IOSQE_FIXED_FILE, fd: 3, addr: rbuf, len: 4096, off: 0, userData: 3 }); // past the table
    prep(q, { opcode: IORING_OP_READ, flags: IOSQE_FIXED_FILE, fd: -1, addr: rbuf, len: 4096, off: 0, userData: 4 }); // huge index
    prep(q, { opcode: IORING_OP_WRITE, flags: IOSQE_FIXED_FILE, fd: 2, addr: wbuf, len: 100, off: 0, userData: 5 }); // slot 2 = /f
    const got = await submit(r, ring, 5);
    expect(got.get(1)).to.equal(4096);
    expect(got.get(2)).to.equal(-EBADF);
    expect(got.get(3)).to.equal(-EBADF);
    expect(got.get(4)).to.equal(-EBADF);
    expect(got.get(5)).to.equal(100);
    expect(Buffer.from(disks[0]?.store.subarray(8192, 12288) ?? []).equals(Buffer.from(data))).to.equal(true);
    prep(q, { opcode: IORING_OP_READ, flags: IOSQE_FIXED_FILE, fd: 0, addr: rbuf, len: 4096, off: 8192, userData: 6 });
    expect((await submit(r, ring, 1)).get(6)).to.equal(4096);
    expect(Buffer.from(r.peek(rbuf, 4096)).equals(Buffer.from(data))).to.equal(true);
    expect(p.sys.ioUringRegister(ring, IORING_UNREGISTER_FILES, [dev], 0)).to.equal(-EINVAL);
    expect(p.sys.ioUringRegister(ring, IORING_UNREGISTER_FILES, undefined, 1)).to.equal(-EINVAL);
    expect(p.sys.ioUringRegister(ring, IORING_UNREGISTER_FILES, undefined, 0)).to.equal(0);
    expect(ringCtx(p, ring).fileTable.nr).to.equal(0);
    prep(q, { opcode: IORING_OP_READ, flags: IOSQE_FIXED_FILE, fd: 0, addr: rbuf, len: 4096, off: 8192, userData: 7 });
    expect((await submit(r, ring, 1)).get(7)).to.equal(-EBADF);
    // Without the flag, the same SQE uses the descriptor.
    prep(q, { opcode: IORING_OP_READ, fd: dev, addr: rbuf, len: 4096, off: 8192, userData: 8 });
    expect((await submit(r, ring, 1)).get(8)).to.equal(4096);
    expect(p.sys.ioUringRegister(ring, IORING_UNREGISTER_FILES, undefined, 0)).to.equal(-ENXIO);
    expect(r.sanitizer.findings()).to.deep.equal([]);
  });

  it('validates the registration as io_sqe_files_register() does and keeps nothing on failure', async () => {
    const r = await rig();
    const { p, run } = r;
    const fd = await run(() => p.sys.open('/f', O_CREAT | O_RDWR));
    const f = p.sys.file(fd) as File;
    const ring = p.sys.ioUringSetup(4, ioUringParams());
    const other = p.sys.ioUringSetup(4, ioUringParams());
    const t = ringCtx(p, ring).fileTable;
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_FILES, undefined, 1)).to.equal(-EFAULT);
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_FILES, [fd], 0)).to.equal(-EINVAL);
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_FILES, [fd], 1025)).to.equal(-EMFILE); // RLIMIT_NOFILE
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_FILES, [fd], -1)).to.equal(-EMFILE); // unsigned nr_args
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_FILES, [fd, 77], 2)).to.equal(-EBADF);
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_FILES, [fd, other], 2)).to.equal(-EBADF); // a ring
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_FILES, [fd, -1], 3)).to.equal(-EFAULT); // array too short
    expect(t.nr).to.equal(0);
    expect(f.fCount).to.equal(1); // every reference taken was dropped
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_FILES, [-1, -1], 2)).to.equal(0); // all sparse
    expect([t.nr, t.used]).to.deep.equal([2, 0]);
    // A NULL argument for buffers is EFAULT too (register.c checks !arg first).
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_BUFFERS, undefined, 1)).to.equal(-EFAULT);
  });

  it('a registered file outlives its descriptor until unregistered (or the ring is closed)', async () => {
    const r = await rig();
    const { p, run } = r;
    const src = r.buf(4096, 0x42);
    const dst = r.buf(4096);
    const fd = await run(() => p.sys.open('/f', O_CREAT | O_RDWR));
    expect(await run(() => p.sys.pwrite(fd, src, 4096, 0))).to.equal(4096);
    const f = p.sys.file(fd) as File;
    const sb = f.fInode.iSb;
    const open0 = sb.sOpenFiles;
    const ring = p.sys.ioUringSetup(4, ioUringParams());
    const q = p.sys.ioUringRings(ring) as IoUringRings;
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_FILES, [fd], 1)).to.equal(0);
    expect(f.fCount).to.equal(2);
    expect(await run(() => p.sys.close(fd))).to.equal(0);
    expect(sb.sOpenFiles).to.equal(open0); // still open through the table
    prep(q, { opcode: IORING_OP_READ, flags: IOSQE_FIXED_FILE, fd: 0, addr: dst, len: 4096, off: 0, userData: 1 });
    expect((await submit(r, ring, 1)).get(1)).to.equal(4096);
    expect(r.peek(dst, 4096).every((b) => b === 0x42)).to.equal(true);
    expect(p.sys.ioUringRegister(ring, IORING_UNREGISTER_FILES, undefined, 0)).to.equal(0);
    await r.idle();
    expect(f.fCount).to.equal(0);
    expect(sb.sOpenFiles).to.equal(open0 - 1); // released
    // Closing the ring releases its table.
    const fd2 = await run(() => p.sys.open('/f', O_RDWR));
    const f2 = p.sys.file(fd2) as File;
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_FILES, [fd2, fd2], 2)).to.equal(0);
    expect(f2.fCount).to.equal(3);
    expect(await run(() => p.sys.close(ring))).to.equal(0);
    expect(f2.fCount).to.equal(1); // the ring's teardown waited for its fput()s
    // Process exit: descriptors and rings go, the registered file with them.
    const proc = r.vfs.spawn('q');
    const qfd = await run(() => proc.sys.open('/f', O_RDWR));
    const qf = proc.sys.file(qfd) as File;
    const qring = proc.sys.ioUringSetup(4, ioUringParams());
    expect(proc.sys.ioUringRegister(qring, IORING_REGISTER_FILES, [qfd], 1)).to.equal(0);
    const open1 = sb.sOpenFiles;
    await run(() => proc.exit());
    expect(qf.fCount).to.equal(0);
    expect(sb.sOpenFiles).to.equal(open1 - 1);
  });

  it("IORING_REGISTER_FILES_UPDATE replaces, empties and skips slots, with rsrc.c's errors", async () => {
    const r = await rig();
    const { p, run } = r;
    const a = await run(() => p.sys.open('/a', O_CREAT | O_RDWR));
    const b = await run(() => p.sys.open('/b', O_CREAT | O_RDWR));
    const fa = p.sys.file(a) as File;
    const fb = p.sys.file(b) as File;
    const ring = p.sys.ioUringSetup(4, ioUringParams());
    const t = ringCtx(p, ring).fileTable;
    const up = (offset: number, fds: number[], resv = 0): { offset: number; resv: number; fds: number[] } => ({
      offset,
      resv,
      fds,
    });
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_FILES_UPDATE, up(0, [a]), 1)).to.equal(-ENXIO);
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_FILES, [a, -1, -1], 3)).to.equal(0);
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_FILES_UPDATE, up(0, [a]), 0)).to.equal(-EINVAL);
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_FILES_UPDATE, undefined, 1)).to.equal(-EFAULT);
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_FILES_UPDATE, up(0, [a], 1), 1)).to.equal(-EINVAL);
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_FILES_UPDATE, up(2, [a, a]), 2)).to.equal(-EINVAL); // past the end
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_FILES_UPDATE, up(0xffff_ffff, [a]), 1)).to.equal(-EOVERFLOW);
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_FILES_UPDATE, up(1, [99]), 1)).to.equal(-EBADF);
    // Slot 0 skipped, slot 1 gets b, slot 2 gets a.
    expect(
      p.sys.ioUringRegister(ring, IORING_REGISTER_FILES_UPDATE, up(0, [IORING_REGISTER_FILES_SKIP, b, a]), 3),
    ).to.equal(3);
    expect([t.lookup(0), t.lookup(1), t.lookup(2)]).to.deep.equal([fa, fb, fa]);
    expect([fa.fCount, fb.fCount]).to.deep.equal([3, 2]);
    // Slot 0 emptied; then a bad descriptor after one good entry: the count of entries done.
    expect(p.sys.ioUringRegister(ring, IORING_REGISTER_FILES_UPDATE, up(0, [-1, b, 99]), 3)).to.equal(2);
    expect([t.lookup(0), t.lookup(1), t.lookup(2)]).to.deep.equal([undefined, fb, undefined]);
    await r.idle();
    expect([fa.fCount, fb.fCount]).to.deep.equal([1, 2]);
    expect(t.used).to.equal(1);
  });
});
