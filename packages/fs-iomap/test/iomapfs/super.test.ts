import { expect } from 'chai';
import type { Machine } from '@stackemu/core';
import { BlockLayer, type BlockDevice } from '@stackemu/block';
import { O_CREAT, O_DIRECT, O_RDONLY, O_RDWR, Vfs, emptyStat, type Process } from '@stackemu/vfs';
import { fsckIomapfs, mkfsIomapfs } from '@stackemu/fs-iomap';
import { anonMap, iomapfsMachine, pattern, run, shutdown, spawn } from '../helpers/machine.js';

function bdev(m: Machine): BlockDevice {
  const b = m.get<BlockLayer>(BlockLayer).registry.lookup('nvme0n1');
  if (b === undefined) throw new Error('no nvme0n1');
  return b;
}

async function readFile(p: Process, path: string, len: number, flags = O_RDONLY): Promise<Uint8Array | number> {
  const fd = await p.sys.open(path, flags);
  if (fd < 0) return fd;
  const buf = anonMap(p, Math.max(4096, len));
  const r = await p.sys.pread(fd, buf, len, 0);
  await p.sys.close(fd);
  if (r < 0) return r;
  const out = new Uint8Array(r);
  p.mm.copyFromUser(out, 0, buf, r);
  return out;
}

async function writeFile(p: Process, path: string, data: Uint8Array, flags = 0): Promise<number> {
  const fd = await p.sys.open(path, O_CREAT | O_RDWR | flags);
  if (fd < 0) return fd;
  const buf = anonMap(p, Math.max(4096, data.length));
  p.mm.copyToUser(buf, data, 0, data.length);
  const r = await p.sys.pwrite(fd, buf, data.length, 0);
  await p.sys.close(fd);
  return r;
}

describe('iomapfs mount, unmount and fsck', () => {
  it('finds a freshly made filesystem clean (fsck on the device)', async () => {
    const m = await iomapfsMachine({ mount: false });
    try {
      await run(m, async () => {
        expect(await mkfsIomapfs(bdev(m), 'blocksize=2048')).to.equal(0);
        const r = await fsckIomapfs(bdev(m));
        expect(r.problems).to.deep.equal([]);
        expect(r.clean).to.equal(true);
        expect(r.directories).to.equal(1);
        expect(r.totalBlocks).to.equal((64 << 20) / 2048);
      });
    } finally {
      await m.stop();
    }
  });

  it('rejects a device without iomapfs and bad options with -EINVAL', async () => {
    const m = await iomapfsMachine({ mount: false });
    try {
      const vfs = m.get<Vfs>(Vfs);
      await run(m, async () => {
        expect(await vfs.mount('nvme0n1', '/', 'iomapfs', 0, '')).to.equal(-22);
        expect(await vfs.mkfs('nvme0n1', 'iomapfs', 'blocksize=3000')).to.equal(-22);
        expect(await vfs.mkfs('nvme0n1', 'iomapfs', '')).to.equal(0);
        expect(await vfs.mount('nvme0n1', '/', 'iomapfs', 0, 'bogus')).to.equal(-22);
      });
    } finally {
      await m.stop();
    }
  });

  it('keeps files, directories and data across unmount and remount; fsck finds the used filesystem clean', async () => {
    const m = await iomapfsMachine({ options: 'blocksize=1024' });
    const vfs = m.get<Vfs>(Vfs);
    try {
      const big = pattern(11, 300 * 1024);
      const small = pattern(12, 5000);
      await run(m, async () => {
        const p = spawn(m);
        expect(await p.sys.mkdir('/d')).to.equal(0);
        expect(await p.sys.mkdir('/d/e')).to.equal(0);
        expect(await writeFile(p, '/d/big', big, O_DIRECT)).to.equal(big.length);
        expect(await writeFile(p, '/d/e/small', small)).to.equal(small.length);
        expect(await writeFile(p, '/gone', small)).to.equal(small.length);
        expect(await p.sys.unlink('/gone')).to.equal(0);
        await p.exit();
        expect(await vfs.umount('/')).to.equal(0);
        const r = await fsckIomapfs(bdev(m));
        expect(r.problems).to.deep.equal([]);
        expect(r.files).to.equal(2);
        expect(r.directories).to.equal(3);
        expect(await vfs.mount('nvme0n1', '/', 'iomapfs', 0, '')).to.equal(0);
        const q = spawn(m);
        expect(await readFile(q, '/d/big', big.length)).to.deep.equal(big);
        expect(await readFile(q, '/d/big', big.length, O_RDONLY | O_DIRECT)).to.deep.equal(big);
        expect(await readFile(q, '/d/e/small', small.length)).to.deep.equal(small);
        expect(await q.sys.open('/gone', O_RDONLY)).to.equal(-2);
        const st = emptyStat();
        expect(await q.sys.stat('/d/e/small', st)).to.equal(0);
        expect(st.size).to.equal(5000);
        expect(st.blocks).to.equal(10, '5 blocks of 1 KiB');
        await q.exit();
      });
    } finally {
      await shutdown(m);
    }
  });
});
