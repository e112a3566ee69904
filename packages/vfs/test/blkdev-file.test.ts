import { expect } from 'chai';
import { EINVAL, ENOSPC, EOPNOTSUPP, EPERM } from '@stackemu/core';
import { MAP_SHARED, PROT_READ, PROT_WRITE } from '@stackemu/mm';
import { emptyStat, O_CREAT, O_DIRECT, O_RDONLY, O_RDWR, RWF_NOWAIT, SEEK_END, sIsBlk, type File } from '@stackemu/vfs';
import { pattern, rig, type Rig } from './support/machine.js';

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

function pins(r: Rig): { acquired: number; released: number } {
  return { acquired: r.vm('nr_foll_pin_acquired'), released: r.vm('nr_foll_pin_released') };
}

describe('blkdevFops (/dev/<disk>, block/fops.c)', () => {
  it('O_DIRECT moves real bytes through bios and pins each user page once (FOLL_PIN, 6.18)', async () => {
    const r = await rig();
    const { p, run, buf, peek, disks } = r;
    const data = pattern(1, 16384);
    const src = buf(16384, data);
    const dst = buf(16384);
    const before = pins(r);
    await run(async () => {
      const fd = await p.sys.open('/dev/ram0', O_RDWR | O_DIRECT);
      expect(fd).to.be.at.least(0);
      expect(await p.sys.pwrite(fd, src, 16384, 4096)).to.equal(16384);
      expect(Buffer.from(disks[0]?.store.subarray(4096, 4096 + 16384) ?? []).equals(Buffer.from(data))).to.equal(true);
      expect(await p.sys.pread(fd, dst, 16384, 4096)).to.equal(16384);
    });
    expect(Buffer.from(peek(dst, 16384)).equals(Buffer.from(data))).to.equal(true);
    const after = pins(r);
    expect(after.acquired - before.acquired).to.equal(8);
    expect(after.released - before.released).to.equal(8);
    expect(r.sanitizer.findings()).to.deep.equal([]);
  });

  it('with CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO=n takes FOLL_GET references instead (no pins counted)', async () => {
    const r = await rig({ config: { CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO: false } });
    const src = r.buf(8192, 3);
    await r.run(async () => {
      const fd = await r.p.sys.open('/dev/ram0', O_RDWR | O_DIRECT);
      expect(await r.p.sys.pwrite(fd, src, 8192, 0)).to.equal(8192);
      expect(await r.p.sys.pread(fd, src, 8192, 0)).to.equal(8192);
    });
    expect(pins(r)).to.deep.equal({ acquired: 0, released: 0 });
    expect(r.disks[0]?.store[8191]).to.equal(3);
    expect(r.sanitizer.findings()).to.deep.equal([]);
  });

  it('rejects misaligned O_DIRECT with EINVAL (logical block size, dma_alignment) and leaves no pin behind', async () => {
    const r = await rig({ disks: [{ logicalBlockSize: 4096, dmaAlignment: 511 }] });
    const a = r.buf(16384, 1);
    await r.run(async () => {
      const fd = await r.p.sys.open('/dev/ram0', O_RDWR | O_DIRECT);
      expect(await r.p.sys.pwrite(fd, a, 4096, 512)).to.equal(-EINVAL); // offset not a multiple of 4096
      expect(await r.p.sys.pwrite(fd, a, 512, 0)).to.equal(-EINVAL); // length not a multiple of 4096
      expect(await r.p.sys.pread(fd, a + 100, 4096, 0)).to.equal(-EINVAL); // memory not 512-aligned
      expect(await r.p.sys.pread(fd, a + 512, 4096, 0)).to.equal(4096); // 512-aligned memory is fine
    });
    const after = pins(r);
    expect(after.acquired).to.equal(after.released);
    expect(r.sanitizer.findings()).to.deep.equal([]);
  });

  it("runs buffered I/O through the block device's page cache (def_blk_aops), coherent with O_DIRECT", async () => {
    const r = await rig();
    const { p, run, disks } = r;
    const store = disks[0]?.store ?? new Uint8Array(0);
    const old = pattern(11, 16384);
    store.set(old, 0);
    const a = r.buf(4096, 0x5a);
    const b = r.buf(16384);
    await run(async () => {
      const fd = await p.sys.open('/dev/ram0', O_RDWR);
      const dfd = await p.sys.open('/dev/ram0', O_RDWR | O_DIRECT);
      // A partial write reads the page in first (read-modify-write); nothing reaches the device yet.
      expect(await p.sys.pwrite(fd, a, 100, 5000)).to.equal(100);
      expect(same(store.subarray(0, 16384), old)).to.equal(true);
      expect(r.vm('nr_dirty')).to.equal(1);
      const want = old.slice();
      want.fill(0x5a, 5000, 5100);
      expect(await p.sys.pread(fd, b, 16384, 0)).to.equal(16384);
      expect(same(r.peek(b, 16384), want)).to.equal(true);
      // A direct read writes the cached range back first and sees the new bytes.
      expect(await p.sys.pread(dfd, b, 8192, 0)).to.equal(8192);
      expect(same(r.peek(b, 8192), want.subarray(0, 8192))).to.equal(true);
      expect(same(store.subarray(0, 16384), want)).to.equal(true);
      expect(r.vm('nr_dirty')).to.equal(0);
      // A direct write drops the cached pages it covers, so a buffered read sees it.
      expect(await p.sys.pwrite(dfd, a, 4096, 4096)).to.equal(4096);
      expect(await p.sys.pread(fd, b, 4096, 4096)).to.equal(4096);
      expect(r.peek(b, 4096).every((x) => x === 0x5a)).to.equal(true);
      // The last close writes the device's page cache back and drops it.
      expect(await p.sys.pwrite(fd, a, 4096, 12288)).to.equal(4096);
      expect(store[12288]).to.equal(old[12288]);
      const bdMapping = (p.sys.file(fd) as File).fMapping;
      expect(bdMapping).to.equal((p.sys.file(dfd) as File).fMapping); // one page cache per device
      expect(bdMapping.nrpages).to.be.greaterThan(0);
      expect(await p.sys.close(fd)).to.equal(0);
      expect(store[12288]).to.equal(old[12288]); // the O_DIRECT descriptor is still open
      expect(await p.sys.close(dfd)).to.equal(0);
      expect(store.subarray(12288, 16384).every((x) => x === 0x5a)).to.equal(true);
      expect(bdMapping.nrpages).to.equal(0);
    });
    expect(r.sanitizer.findings()).to.deep.equal([]);
  });

  it('refuses writes to a read-only device (EPERM) and buffered RWF_NOWAIT writes (EOPNOTSUPP)', async () => {
    const r = await rig();
    const a = r.buf(4096, 1);
    await r.run(async () => {
      const fd = await r.p.sys.open('/dev/ram0', O_RDWR);
      expect(await r.p.sys.pwritev2(fd, [{ iovBase: a, iovLen: 4096 }], 0, RWF_NOWAIT)).to.equal(-EOPNOTSUPP);
      const bdev = r.disks[0]?.disk.part0;
      if (bdev === undefined) throw new Error('no disk');
      bdev.bdReadOnly = true;
      expect(await r.p.sys.pwrite(fd, a, 4096, 0)).to.equal(-EPERM);
      bdev.bdReadOnly = false;
      expect(await r.p.sys.pwrite(fd, a, 4096, 0)).to.equal(4096);
    });
  });

  it('maps the device (its page cache) with mmap', async () => {
    const r = await rig();
    const data = pattern(12, 8192);
    r.disks[0]?.store.set(data, 8192);
    await r.run(async () => {
      const fd = await r.p.sys.open('/dev/ram0', O_RDWR);
      const a = r.p.sys.mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 8192);
      expect(a).to.be.greaterThan(0);
      expect(await r.mm.faultInReadable(a, 8192)).to.equal(0);
      expect(same(r.peek(a, 8192), data)).to.equal(true);
    });
  });

  it('reports the device in stat (S_IFBLK, dev_t, STATX_DIOALIGN), bounds seeks and I/O by its size', async () => {
    const r = await rig({ disks: [{ sizeBytes: 1 << 20, logicalBlockSize: 4096, dmaAlignment: 3 }] });
    const a = r.buf(8192, 5);
    await r.run(async () => {
      const st = emptyStat();
      expect(await r.p.sys.stat('/dev/ram0', st)).to.equal(0);
      expect(sIsBlk(st.mode)).to.equal(true);
      expect(st.rdev).to.equal(r.disks[0]?.disk.part0.bdDev);
      expect([st.dioMemAlign, st.dioOffsetAlign]).to.deep.equal([4, 4096]);
      const fd = await r.p.sys.open('/dev/ram0', O_RDWR | O_DIRECT);
      expect(await r.p.sys.lseek(fd, 0, SEEK_END)).to.equal(1 << 20);
      expect(await r.p.sys.pread(fd, a, 4096, 1 << 20)).to.equal(0);
      expect(await r.p.sys.pwrite(fd, a, 4096, 1 << 20)).to.equal(-ENOSPC);
      // A read running over the end is cut at it.
      expect(await r.p.sys.pread(fd, a, 8192, (1 << 20) - 4096)).to.equal(4096);
      expect(await r.p.sys.fsync(fd)).to.equal(0);
      expect(await r.p.sys.open('/dev/nodisk', O_RDONLY)).to.be.below(0);
    });
  });

  it('a DIO read into a buffer mmap-ed from another file works and pins those file pages', async () => {
    const r = await rig();
    const { p, run, mm, physMem, disks } = r;
    const data = pattern(7, 16384);
    disks[0]?.store.set(data, 0);
    let fileFd = -1;
    let devFd = -1;
    let a = 0;
    await run(async () => {
      fileFd = await p.sys.open('/backing', O_CREAT | O_RDWR);
      expect(await p.sys.ftruncate(fileFd, 16384)).to.equal(0);
      a = p.sys.mmap(0, 16384, PROT_READ | PROT_WRITE, MAP_SHARED, fileFd, 0);
      expect(a).to.be.greaterThan(0);
      // GUP does not start page-cache reads: fault the mapping in first, as a user's touch would.
      expect(await mm.faultInWriteable(a, 16384)).to.equal(0);
      devFd = await p.sys.open('/dev/ram0', O_RDONLY | O_DIRECT);
    });
    const filePfns = [0, 1, 2, 3].map((i) => mm.pagemap(a + i * 4096)?.pfn ?? -1);
    expect(filePfns.every((x) => x >= 0 && !physMem.pageAnon(x))).to.equal(true);
    const before = pins(r);
    // Start the read and stop virtual time half-way through the device's 10 µs latency.
    const io = p.sys.pread(devFd, a, 16384, 0);
    await r.machine.scheduler.run({ until: r.machine.scheduler.now() + 5000 });
    expect(filePfns.map((x) => physMem.folioPincount(x))).to.deep.equal([1, 1, 1, 1]);
    expect(await run(() => io)).to.equal(16384);
    expect(filePfns.map((x) => physMem.folioPincount(x))).to.deep.equal([0, 0, 0, 0]);
    const after = pins(r);
    expect(after.acquired - before.acquired).to.equal(4);
    expect(after.released - before.released).to.equal(4);
    // The device wrote the page-cache pages, which are dirty (for writeback) when the pins are released.
    expect(filePfns.map((x) => physMem.pageDirty(x))).to.deep.equal([true, true, true, true]);
    const out = r.buf(16384);
    await run(async () => {
      expect(await p.sys.pread(fileFd, out, 16384, 0)).to.equal(16384);
      expect(await p.sys.fsync(fileFd)).to.equal(0);
    });
    expect(Buffer.from(r.peek(out, 16384)).equals(Buffer.from(data))).to.equal(true);
    const backing = (p.sys.file(fileFd)?.fInode.iPrivate as { data: Uint8Array }).data;
    expect(Buffer.from(backing.subarray(0, 16384)).equals(Buffer.from(data))).to.equal(true);
    expect(r.sanitizer.findings()).to.deep.equal([]);
  });
});
