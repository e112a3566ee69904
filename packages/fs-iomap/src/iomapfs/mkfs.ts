/**
 * Making an iomapfs (the userspace `mkfs.iomapfs`, after `mke2fs`): computes the layout and writes the
 * superblock, both bitmaps, the root inode and the root directory's first block.
 * @packageDocumentation
 */
import { EINVAL } from '@stackemu/core';
import { REQ_META, REQ_SYNC, bdevName, type BlockDevice } from '@stackemu/block';
import { BdevDev } from './bdev-dev.js';
import { S_IFDIR } from '@stackemu/vfs';
import type { IomapfsDev } from './buffer.js';
import {
  IOMAPFS_DIRENT_SIZE,
  IOMAPFS_FT_DIR,
  IOMAPFS_INODE_SIZE,
  IOMAPFS_ROOT_INO,
  IOMAPFS_SUPER_MAGIC,
  IOMAPFS_VALID_FS,
  IOMAPFS_VERSION,
  iomapfsEncodeDirent,
  iomapfsEncodeInode,
  iomapfsEncodeSuper,
  iomapfsGeometry,
  type IomapfsGeometry,
  type IomapfsSuperBlock,
} from './iomapfs.js';

/** Options of {@link iomapfsMkfs} (the `mkfs` option string `blocksize=1024,inodes=4096`). */
export interface IomapfsMkfsOptions {
  /** Inodes to create; 0 or absent: one per 16 KiB of space, at least 16. */
  readonly inodes?: number;
  /** Virtual time (ns) recorded as the creation time. */
  readonly now: number;
  /** 16 bytes of volume id. */
  readonly uuid: Uint8Array;
  /** Extra `REQ_*` flags for the writes (`REQ_META | REQ_SYNC`). */
  readonly opFlags: number;
}

function setBits(bits: Uint8Array, from: number, to: number): void {
  for (let i = from; i < to; i++) bits[i >>> 3] = (bits[i >>> 3] as number) | (1 << (i & 7));
}

/**
 * Writes an empty iomapfs on `dev` (whose block size is the filesystem's).
 * @param dev - the device
 * @param opts - inode count, clock, uuid
 * @returns the layout written, or `-EINVAL` (device too small, block size unsupported) / `-EIO`
 * @remarks The inode table is not zeroed (as `mke2fs -E lazy_itable_init`): an inode whose bitmap bit is clear
 * is free whatever its bytes, and allocation rewrites the whole record.
 */
export async function iomapfsMkfs(dev: IomapfsDev, opts: IomapfsMkfsOptions): Promise<IomapfsGeometry | number> {
  const bs = dev.blockSize;
  if (bs !== 1024 && bs !== 2048 && bs !== 4096) return -EINVAL;
  const g = iomapfsGeometry(bs, dev.blocksCount, opts.inodes ?? 0);
  if (typeof g === 'string') return -EINVAL;

  const rootBlock = g.firstDataBlock;
  const bb = new Uint8Array(g.blockBitmapBlocks * bs);
  setBits(bb, 0, rootBlock + 1);
  setBits(bb, g.blocksCount, bb.length * 8);
  const ib = new Uint8Array(g.inodeBitmapBlocks * bs);
  setBits(ib, 0, IOMAPFS_ROOT_INO);
  setBits(ib, g.inodesCount, ib.length * 8);

  const itable = new Uint8Array(bs);
  const t = opts.now;
  iomapfsEncodeInode(
    {
      mode: S_IFDIR | 0o755,
      links: 2,
      flags: 0,
      size: bs,
      blocks: 1,
      atime: t,
      mtime: t,
      ctime: t,
      generation: 0,
      nextents: 1,
      extentBlock: 0,
      extents: [{ lblk: 0, len: 1, pblk: rootBlock, unwritten: false }],
    },
    itable,
    (IOMAPFS_ROOT_INO - 1) * IOMAPFS_INODE_SIZE,
  );
  const dirBlock = new Uint8Array(bs);
  iomapfsEncodeDirent({ ino: IOMAPFS_ROOT_INO, fileType: IOMAPFS_FT_DIR, name: '.' }, dirBlock, 0);
  iomapfsEncodeDirent({ ino: IOMAPFS_ROOT_INO, fileType: IOMAPFS_FT_DIR, name: '..' }, dirBlock, IOMAPFS_DIRENT_SIZE);

  const sb: IomapfsSuperBlock = {
    magic: IOMAPFS_SUPER_MAGIC,
    version: IOMAPFS_VERSION,
    blockSize: bs,
    inodeSize: IOMAPFS_INODE_SIZE,
    blocksCount: g.blocksCount,
    inodesCount: g.inodesCount,
    freeBlocksCount: g.blocksCount - rootBlock - 1,
    freeInodesCount: g.inodesCount - IOMAPFS_ROOT_INO,
    blockBitmapStart: g.blockBitmapStart,
    blockBitmapBlocks: g.blockBitmapBlocks,
    inodeBitmapStart: g.inodeBitmapStart,
    inodeBitmapBlocks: g.inodeBitmapBlocks,
    inodeTableStart: g.inodeTableStart,
    inodeTableBlocks: g.inodeTableBlocks,
    firstDataBlock: g.firstDataBlock,
    rootIno: IOMAPFS_ROOT_INO,
    state: IOMAPFS_VALID_FS,
    mountCount: 0,
    mkfsTime: t,
    writeTime: t,
    uuid: opts.uuid,
  };
  const sbBlock = new Uint8Array(bs);
  iomapfsEncodeSuper(sb, sbBlock);

  const writes = await Promise.all([
    dev.writeBlocks(g.blockBitmapStart, g.blockBitmapBlocks, bb, opts.opFlags),
    dev.writeBlocks(g.inodeBitmapStart, g.inodeBitmapBlocks, ib, opts.opFlags),
    dev.writeBlocks(g.inodeTableStart, 1, itable, opts.opFlags),
    dev.writeBlocks(rootBlock, 1, dirBlock, opts.opFlags),
  ]);
  for (const w of writes) if (w < 0) return w;
  // The superblock last, so that a device that fails mid-mkfs does not look like a filesystem.
  const w = await dev.writeBlocks(0, 1, sbBlock, opts.opFlags);
  if (w < 0) return w;
  const f = await dev.flush();
  if (f < 0) return f;
  return g;
}

/** What {@link iomapfsParseMkfsOptions} returns. */
export interface IomapfsMkfsParams {
  /** Filesystem block size (default 4096). */
  readonly blockSize: number;
  /** Inodes to create (0: automatic). */
  readonly inodes: number;
}

/**
 * Parses a `mkfs` option string: `blocksize=N` (1024, 2048 or 4096) and `inodes=N`, comma-separated.
 * @param options - the string (`""` for defaults)
 * @returns the block size (default 4096) and inode count (0 = automatic), or a string naming the bad option
 */
export function iomapfsParseMkfsOptions(options: string): IomapfsMkfsParams | string {
  let blockSize = 4096;
  let inodes = 0;
  for (const raw of options.split(',')) {
    const opt = raw.trim();
    if (opt === '') continue;
    const eq = opt.indexOf('=');
    const key = eq < 0 ? opt : opt.slice(0, eq);
    const val = eq < 0 ? '' : opt.slice(eq + 1);
    const n = /^\d+$/.test(val) ? Number(val) : NaN;
    if (key === 'blocksize' || key === 'b') {
      if (n !== 1024 && n !== 2048 && n !== 4096) return `blocksize must be 1024, 2048 or 4096, got "${val}"`;
      blockSize = n;
    } else if (key === 'inodes' || key === 'N') {
      if (!(n >= 16 && n <= 0x7fffffff)) return `inodes must be an integer >= 16, got "${val}"`;
      inodes = n;
    } else {
      return `unknown option "${key}"`;
    }
  }
  return { blockSize, inodes };
}

/**
 * Makes an empty iomapfs on a block device (the userspace `mkfs.iomapfs <dev> -o <options>`).
 * @param bdev - the device
 * @param options - `blocksize=N` (1024, 2048, 4096; default 4096) and `inodes=N`, comma-separated
 * @returns 0, or `-EINVAL` (bad option, device too small, block size below the logical block size) / `-EIO`
 * @remarks Does I/O in virtual time: call it from a running process (the caller drives the scheduler). The
 * volume id is derived from the device name and the virtual time, so runs stay deterministic.
 */
export async function mkfsIomapfs(bdev: BlockDevice, options = ''): Promise<number> {
  const opts = iomapfsParseMkfsOptions(options);
  if (typeof opts === 'string') return -EINVAL;
  const dev = BdevDev.open(bdev, opts.blockSize);
  if (typeof dev === 'number') return dev;
  const now = bdev.bdDisk.blk.scheduler.now();
  const uuid = new Uint8Array(16);
  const name = bdevName(bdev);
  let h = 0x811c9dc5 ^ (now >>> 0);
  for (let i = 0; i < 16; i++) {
    h = Math.imul(h ^ (name.charCodeAt(i % name.length) + i), 0x01000193) >>> 0;
    uuid[i] = h & 0xff;
  }
  try {
    const g = await iomapfsMkfs(dev, { inodes: opts.inodes, now, uuid, opFlags: REQ_META | REQ_SYNC });
    return typeof g === 'number' ? g : 0;
  } finally {
    dev.close();
  }
}
