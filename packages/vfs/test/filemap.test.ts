import { expect } from 'chai';
import { EINVAL, EIO } from '@stackemu/core';
import {
  dMakeRoot,
  emptyStat,
  genericFileReadIter,
  genericFileWriteIter,
  newInode,
  O_CREAT,
  O_DSYNC,
  O_RDWR,
  S_IFDIR,
  type BufferedIo,
  type File,
  type FileOperations,
  type FileSystemType,
  type FsContext,
  type Inode,
  type IovIter,
  type Kiocb,
  type SuperBlock,
} from '@stackemu/vfs';
import { FakeCache, makeVfs, type FakeMapping, type FakeMm } from './fakes.js';

/** A filesystem on the generic page-cache paths, its "disk" a byte array per inode. */
function cachefs(cache: FakeCache, failRead = false): FileSystemType & { disk: Map<Inode, Uint8Array>; syncs: number } {
  const disk = new Map<Inode, Uint8Array>();
  let io: BufferedIo | undefined;
  const aops = {
    readFolio(m: FakeMapping, pfn: number, index: number): Promise<number> {
      if (failRead) return Promise.resolve(-EIO);
      const d = disk.get(m.host as Inode) ?? new Uint8Array(0);
      const page = cache.data.get(pfn) as Uint8Array;
      page.fill(0);
      page.set(d.subarray(index * 4096, index * 4096 + 4096));
      return Promise.resolve(0);
    },
    writepages(m: FakeMapping): Promise<number> {
      const ino = m.host as Inode;
      let d = disk.get(ino) ?? new Uint8Array(0);
      for (const [idx, pfn] of m.pages) {
        if (!cache.dirty.has(pfn)) continue;
        const end = Math.min((idx + 1) * 4096, ino.iSize);
        if (d.length < end) {
          const n = new Uint8Array(end);
          n.set(d);
          d = n;
        }
        d.set((cache.data.get(pfn) as Uint8Array).subarray(0, end - idx * 4096), idx * 4096);
        cache.dirty.delete(pfn);
      }
      disk.set(ino, d);
      return Promise.resolve(0);
    },
  };
  const fops: FileOperations = {
    readIter: (k: Kiocb, i: IovIter) => genericFileReadIter(io as BufferedIo, k, i),
    writeIter: (k: Kiocb, i: IovIter) => genericFileWriteIter(io as BufferedIo, k, i),
    async fsync(f: File): Promise<number> {
      t.syncs++;
      return (io as BufferedIo).up.filemapWriteAndWaitRange(f.fInode.iMapping, 0, Number.MAX_SAFE_INTEGER);
    },
  };
  let ino = 0;
  const t = {
    name: 'cachefs',
    fsFlags: 0,
    disk,
    syncs: 0,
    mount(source: string, flags: number, _d: string, fc: FsContext): Promise<SuperBlock> {
      io = fc.bufferedIo;
      const sb = fc.allocSuper(t, source, flags, undefined);
      const root = newInode(sb, ++ino, S_IFDIR | 0o755);
      const entries = new Map<string, Inode>();
      root.iOp = {
        lookup: (_d: Inode, n: string) => Promise.resolve(entries.get(n)),
        create: (d: Inode, n: string, mode: number) => {
          const i = newInode(d.iSb, ++ino, mode, aops as never);
          i.iFop = fops;
          entries.set(n, i);
          return Promise.resolve(i);
        },
      };
      sb.sRoot = dMakeRoot(root);
      return Promise.resolve(sb);
    },
  };
  return t;
}

async function setup(failRead = false) {
  const cache = new FakeCache();
  const t = cachefs(cache, failRead);
  const m = await makeVfs([t], [], cache);
  expect(await m.vfs.mount('c', '/', 'cachefs')).to.equal(0);
  const p = m.vfs.spawn('t');
  return { ...m, t, cache, p, mm: p.mm as unknown as FakeMm };
}

describe('generic buffered I/O (mm/filemap.c)', () => {
  it('genericFileWriteIter() dirties the page cache, extends i_size, and fsync writes it back', async () => {
    const { p, mm, t, cache } = await setup();
    const fd = await p.sys.open('/f', O_CREAT | O_RDWR);
    mm.copyToUser(0x10000, new Uint8Array(6000).map((_, i) => i & 0xff), 0, 6000);
    expect(await p.sys.pwrite(fd, 0x10000, 6000, 100)).to.equal(6000);
    const st = emptyStat();
    p.sys.fstat(fd, st);
    expect(st.size).to.equal(6100);
    expect(cache.dirty.size).to.equal(2);
    const ino = p.sys.file(fd)?.fInode as Inode;
    expect(t.disk.get(ino)).to.equal(undefined);
    expect(await p.sys.fsync(fd)).to.equal(0);
    expect(cache.dirty.size).to.equal(0);
    const d = t.disk.get(ino) as Uint8Array;
    expect(d.length).to.equal(6100);
    expect(d[100]).to.equal(0);
    expect(d[6099]).to.equal(5999 & 0xff);
  });

  it('genericFileReadIter() reads through the cache, stops at EOF and returns 0 past it', async () => {
    const { p, mm } = await setup();
    const fd = await p.sys.open('/f', O_CREAT | O_RDWR);
    mm.copyToUser(0x10000, new Uint8Array(5000).fill(0xab), 0, 5000);
    await p.sys.pwrite(fd, 0x10000, 5000, 0);
    expect(await p.sys.pread(fd, 0x40000, 8192, 4000)).to.equal(1000);
    const out = new Uint8Array(1000);
    mm.copyFromUser(out, 0, 0x40000, 1000);
    expect(out.every((b) => b === 0xab)).to.equal(true);
    expect(await p.sys.pread(fd, 0x40000, 10, 5000)).to.equal(0);
    expect(await p.sys.pread(fd, 0x40000, 10, 9000)).to.equal(0);
  });

  it('reads data written back and dropped from the cache via readFolio, and reports its errors', async () => {
    const { p, mm, cache } = await setup();
    const fd = await p.sys.open('/f', O_CREAT | O_RDWR);
    mm.copyToUser(0x10000, new Uint8Array([1, 2, 3, 4]), 0, 4);
    await p.sys.pwrite(fd, 0x10000, 4, 4096 * 3);
    await p.sys.fsync(fd);
    cache.uptodate.clear();
    expect(await p.sys.pread(fd, 0x50000, 4, 4096 * 3)).to.equal(4);
    const out = new Uint8Array(4);
    mm.copyFromUser(out, 0, 0x50000, 4);
    expect([...out]).to.deep.equal([1, 2, 3, 4]);
    // A sparse region reads as zeros.
    expect(await p.sys.pread(fd, 0x50000, 4, 10)).to.equal(4);
    mm.copyFromUser(out, 0, 0x50000, 4);
    expect([...out]).to.deep.equal([0, 0, 0, 0]);
    const bad = await setup(true);
    const fd2 = await bad.p.sys.open('/g', O_CREAT | O_RDWR);
    await bad.p.sys.ftruncate(fd2, 100);
    expect(await bad.p.sys.pread(fd2, 0x50000, 4, 0)).to.equal(-EIO);
  });

  it('syncs O_DSYNC writes before returning (generic_write_sync)', async () => {
    const { p, mm, t, cache } = await setup();
    const fd = await p.sys.open('/f', O_CREAT | O_RDWR | O_DSYNC);
    mm.copyToUser(0x10000, new Uint8Array(10).fill(1), 0, 10);
    expect(await p.sys.write(fd, 0x10000, 10)).to.equal(10);
    expect(t.syncs).to.equal(1);
    expect(cache.dirty.size).to.equal(0);
  });

  it('refuses IOCB_DIRECT without a direct_IO hook', async () => {
    const { p } = await setup();
    const fd = await p.sys.open('/f', O_CREAT | O_RDWR);
    const f = p.sys.file(fd) as File;
    f.fIocbFlags |= 1 << 17;
    expect(await p.sys.pread(fd, 0x10000, 512, 0)).to.equal(-EINVAL);
  });
});
