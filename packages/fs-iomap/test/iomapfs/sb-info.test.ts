import { expect } from 'chai';
import {
  IOMAPFS_FT_DIR,
  IOMAPFS_FT_REG_FILE,
  IOMAPFS_ROOT_INO,
  IOMAPFS_VALID_FS,
  IomapfsSbInfo,
  iomapfsAddLink,
  iomapfsDeleteEntry,
  iomapfsFindEntry,
  iomapfsFsck,
  iomapfsMakeEmpty,
  iomapfsMkfs,
  iomapfsReaddir,
  type IomapfsInode,
} from '@stackemu/fs-iomap';
import { MemDev } from '../helpers/mem-dev.js';
import { fakeCtx } from '../helpers/fake-ctx.js';

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

async function fresh(bs = 1024, blocks = 4096): Promise<{ dev: MemDev; sbi: IomapfsSbInfo }> {
  const dev = new MemDev(bs, blocks);
  const g = await iomapfsMkfs(dev, { now: 1, uuid: new Uint8Array(16), opFlags: 0 });
  expect(g).to.be.an('object');
  const sbi = await IomapfsSbInfo.load(dev, undefined, fakeCtx(dev));
  if (typeof sbi === 'number') throw new Error(`load: ${sbi}`);
  return { dev, sbi };
}

async function reload(dev: MemDev): Promise<IomapfsSbInfo> {
  const sbi = await IomapfsSbInfo.load(dev, undefined, fakeCtx(dev));
  if (typeof sbi === 'number') throw new Error(`load: ${sbi}`);
  return sbi;
}

async function root(sbi: IomapfsSbInfo): Promise<IomapfsInode> {
  const r = await sbi.iget(IOMAPFS_ROOT_INO);
  if (typeof r === 'number') throw new Error(`iget root: ${r}`);
  return r;
}

describe('IomapfsSbInfo', () => {
  it('allocates contiguous runs near the goal and frees them', async () => {
    const { sbi } = await fresh();
    const free0 = sbi.sb.freeBlocksCount;
    const a = sbi.allocBlocks(-1, 10);
    if (typeof a === 'number') throw new Error('alloc');
    expect(a.len).to.equal(10);
    const b = sbi.allocBlocks(a.pblk + a.len, 5);
    if (typeof b === 'number') throw new Error('alloc');
    expect(b.pblk).to.equal(a.pblk + a.len);
    expect(sbi.sb.freeBlocksCount).to.equal(free0 - 15);
    sbi.freeBlocks(a.pblk + 2, 3);
    const c = sbi.allocBlocks(a.pblk, 8);
    if (typeof c === 'number') throw new Error('alloc');
    expect(c).to.deep.equal({ pblk: a.pblk + 2, len: 3 }, 'a short run when the free run is short');
  });

  it('returns -ENOSPC when the disk is full', async () => {
    const { sbi } = await fresh(1024, 256);
    let got = 0;
    for (;;) {
      const r = sbi.allocBlocks(-1, 64);
      if (typeof r === 'number') {
        expect(r).to.equal(-28);
        break;
      }
      got += r.len;
    }
    expect(sbi.sb.freeBlocksCount).to.equal(0);
    expect(got).to.be.greaterThan(100);
  });

  it('persists files, directories and a long extent chain across a reload; fsck stays clean', async () => {
    const { dev, sbi } = await fresh(1024, 8192);
    const r = await root(sbi);
    // A directory with one file.
    const d = sbi.newInode(S_IFDIR | 0o755);
    if (typeof d === 'number') throw new Error('newInode');
    d.links = 2;
    expect(iomapfsMakeEmpty(sbi, d, r.ino)).to.equal(0);
    expect(await iomapfsAddLink(sbi, r, 'dir', d.ino, IOMAPFS_FT_DIR)).to.equal(0);
    r.links++;
    const f = sbi.newInode(S_IFREG | 0o644);
    if (typeof f === 'number') throw new Error('newInode');
    expect(await iomapfsAddLink(sbi, d, 'file', f.ino, IOMAPFS_FT_REG_FILE)).to.equal(0);
    expect(await iomapfsAddLink(sbi, d, 'file', f.ino, IOMAPFS_FT_REG_FILE)).to.equal(-17);
    // 100 one-block extents that cannot merge (every other block): needs extent blocks.
    for (let i = 0; i < 100; i++) {
      const run = sbi.allocBlocks(-1, 2);
      if (typeof run === 'number') throw new Error('alloc');
      f.extMap.insert(i * 3, 1, run.pblk, i % 2 === 1);
      sbi.freeBlocks(run.pblk + 1, run.len - 1);
    }
    f.size = 300 * 1024;
    sbi.markInodeDirty(f, 2);
    expect(await sbi.syncFs(IOMAPFS_VALID_FS)).to.equal(0);
    expect(f.extentBlocks.length).to.equal(Math.ceil((100 - 12) / 63));

    const sbi2 = await reload(dev);
    const d2 = await iomapfsFindEntry(sbi2, await root(sbi2), 'dir');
    if (d2 === undefined || typeof d2 === 'number') throw new Error('lookup dir');
    const dir2 = await sbi2.iget(d2.entry.ino);
    if (typeof dir2 === 'number') throw new Error('iget');
    const names = await iomapfsReaddir(sbi2, dir2);
    if (typeof names === 'number') throw new Error('readdir');
    expect(names.map((n) => n.name)).to.deep.equal(['.', '..', 'file']);
    const f2 = await sbi2.iget(f.ino);
    if (typeof f2 === 'number') throw new Error('iget');
    expect(f2.extMap.extents).to.deep.equal(f.extMap.extents);
    expect(f2.size).to.equal(300 * 1024);

    const check = await iomapfsFsck(dev.withBlockSize(512));
    expect(check.problems).to.deep.equal([]);
    expect(check.files).to.equal(1);
    expect(check.directories).to.equal(2);
  });

  it('frees an unlinked inode and its blocks; fsck agrees', async () => {
    const { dev, sbi } = await fresh();
    const r = await root(sbi);
    const free0 = sbi.sb.freeBlocksCount;
    const f = sbi.newInode(S_IFREG | 0o644);
    if (typeof f === 'number') throw new Error('newInode');
    expect(await iomapfsAddLink(sbi, r, 'x', f.ino, IOMAPFS_FT_REG_FILE)).to.equal(0);
    const run = sbi.allocBlocks(-1, 20);
    if (typeof run === 'number') throw new Error('alloc');
    f.extMap.insert(0, run.len, run.pblk, false);
    f.size = 20 * 1024;
    expect(await sbi.syncFs(0)).to.equal(0);
    expect(await iomapfsDeleteEntry(sbi, r, 'x')).to.equal(f.ino);
    f.links = 0;
    sbi.freeInode(f);
    expect(await sbi.syncFs(IOMAPFS_VALID_FS)).to.equal(0);
    expect(sbi.sb.freeBlocksCount).to.equal(free0);
    const check = await iomapfsFsck(dev);
    expect(check.problems).to.deep.equal([]);
    expect(check.files).to.equal(0);
  });

  it('fsck reports an entry to a free inode and a wrong link count', async () => {
    const { dev, sbi } = await fresh();
    const r = await root(sbi);
    expect(await iomapfsAddLink(sbi, r, 'ghost', 40, IOMAPFS_FT_REG_FILE)).to.equal(0);
    r.links = 5;
    sbi.markInodeDirty(r, 2);
    expect(await sbi.syncFs(IOMAPFS_VALID_FS)).to.equal(0);
    const check = await iomapfsFsck(dev);
    expect(check.clean).to.equal(false);
    const text = check.problems.map((p) => p.message).join('\n');
    expect(text).to.match(/'ghost' .* points to unused inode 40/);
    expect(text).to.match(/inode 2 ref count is 5, should be 2/);
  });
});
