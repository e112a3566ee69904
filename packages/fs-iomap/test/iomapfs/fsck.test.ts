import { expect } from 'chai';
import { iomapfsFsck, iomapfsMkfs, iomapfsParseMkfsOptions, IOMAPFS_ROOT_INO } from '@stackemu/fs-iomap';
import { MemDev } from '../helpers/mem-dev.js';

const uuid = new Uint8Array(16).fill(7);

describe('iomapfsFsck()', () => {
  for (const bs of [1024, 4096]) {
    it(`finds a fresh ${bs}-byte-block filesystem clean`, async () => {
      const dev = new MemDev(bs, (8 << 20) / bs);
      const g = await iomapfsMkfs(dev, { now: 5, uuid, opFlags: 0 });
      expect(g).to.be.an('object');
      const r = await iomapfsFsck(dev.withBlockSize(512));
      expect(r.problems).to.deep.equal([]);
      expect(r.clean).to.equal(true);
      expect(r.directories).to.equal(1);
      expect(r.files).to.equal(0);
      expect(r.usedInodes).to.equal(IOMAPFS_ROOT_INO);
    });
  }

  it('reports a block marked free that the root directory uses', async () => {
    const dev = new MemDev(4096, 2048);
    const g = await iomapfsMkfs(dev, { now: 0, uuid, opFlags: 0 });
    if (typeof g === 'number') throw new Error('mkfs failed');
    // Clear the bit of the root directory's block in the on-disk bitmap.
    const byte = g.blockBitmapStart * 4096 + (g.firstDataBlock >>> 3);
    dev.bytes[byte] = (dev.bytes[byte] as number) & ~(1 << (g.firstDataBlock & 7));
    const r = await iomapfsFsck(dev);
    expect(r.clean).to.equal(false);
    expect(r.problems.map((p) => p.message).join('\n')).to.match(
      new RegExp(`Block bitmap differences: \\+${g.firstDataBlock}`),
    );
  });

  it('rejects a device without an iomapfs', async () => {
    const r = await iomapfsFsck(new MemDev(512, 100));
    expect(r.clean).to.equal(false);
    expect(r.problems[0]?.message).to.match(/bad superblock: bad magic/);
  });
});

describe('iomapfsParseMkfsOptions()', () => {
  it('parses block size and inode count', () => {
    expect(iomapfsParseMkfsOptions('')).to.deep.equal({ blockSize: 4096, inodes: 0 });
    expect(iomapfsParseMkfsOptions('blocksize=1024,inodes=64')).to.deep.equal({ blockSize: 1024, inodes: 64 });
    expect(iomapfsParseMkfsOptions('blocksize=512')).to.be.a('string');
    expect(iomapfsParseMkfsOptions('bogus')).to.match(/unknown option/);
  });
});
