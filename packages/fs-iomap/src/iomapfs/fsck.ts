/**
 * Checking an iomapfs (the userspace `fsck.iomapfs`, after e2fsck's passes, read-only): superblock, inodes
 * and extents, directory structure and link counts, bitmaps against what is really in use.
 * @packageDocumentation
 */
import { S_IFDIR, S_IFMT, S_IFREG } from '@stackemu/vfs';
import type { IomapfsDev } from './buffer.js';
import {
  IOMAPFS_DIRENT_SIZE,
  IOMAPFS_EXTENT_HDR_SIZE,
  IOMAPFS_EXTENT_MAGIC,
  IOMAPFS_EXTENT_SIZE,
  IOMAPFS_FT_DIR,
  IOMAPFS_FT_REG_FILE,
  IOMAPFS_INLINE_EXTENTS,
  IOMAPFS_INODE_SIZE,
  IOMAPFS_MAX_FILE_BLOCKS,
  IOMAPFS_ROOT_INO,
  IOMAPFS_VALID_FS,
  iomapfsDecodeDirent,
  iomapfsDecodeExtent,
  iomapfsDecodeExtentBlockHeader,
  iomapfsDecodeInode,
  iomapfsDecodeSuper,
  iomapfsExtentsPerBlock,
  type IomapfsDiskInode,
  type IomapfsExtent,
} from './iomapfs.js';
import { iomapfsCheckSuper } from './sb-info.js';
import { bdevLogicalBlockSize, type BlockDevice } from '@stackemu/block';
import { BdevDev } from './bdev-dev.js';

/** One finding of {@link iomapfsFsck}. */
export interface FsckProblem {
  /** e2fsck's pass that found it: 0 superblock, 1 inodes and blocks, 2 directories, 4 link counts, 5 bitmaps. */
  readonly pass: 0 | 1 | 2 | 4 | 5;
  /** `error`: the filesystem is inconsistent; `warning`: harmless (counts to refresh, not cleanly unmounted). */
  readonly severity: 'error' | 'warning';
  /** What is wrong, in e2fsck's words where it has some (`"Block bitmap differences: +1234"`). */
  readonly message: string;
}

/** What {@link iomapfsFsck} found. */
export interface FsckResult {
  /** No `error` problems. */
  readonly clean: boolean;
  /** Every problem found. */
  readonly problems: readonly FsckProblem[];
  /** Regular files. */
  readonly files: number;
  /** Directories (the root included). */
  readonly directories: number;
  /** Blocks in use (metadata included). */
  readonly usedBlocks: number;
  /** Filesystem blocks. */
  readonly totalBlocks: number;
  /** Inodes in use. */
  readonly usedInodes: number;
  /** Inodes. */
  readonly totalInodes: number;
}

interface InodeInfo {
  readonly d: IomapfsDiskInode;
  readonly extents: IomapfsExtent[];
  refs: number;
  subdirs: number;
  parent: number;
}

/**
 * Checks the iomapfs on `dev` without changing it (as `e2fsck -n`).
 * @param dev - the device; any block size (the superblock says which), reads go through it
 * @returns the problems found; a device that is not iomapfs gives one pass-0 error
 * @remarks Passes: 0 the superblock; 1 every in-use inode (mode, extents sorted and inside the data area,
 * extent chain, block count, blocks claimed twice); 2 directories from the root (`.` and `..`, entries point
 * to in-use inodes of the right type, every directory reached once); 4 link counts and unattached inodes;
 * 5 block and inode bitmaps and the free counts against what passes 1–2 found.
 */
export async function iomapfsFsck(dev: IomapfsDev): Promise<FsckResult> {
  const problems: FsckProblem[] = [];
  const err = (pass: FsckProblem['pass'], message: string): void => {
    problems.push({ pass, severity: 'error', message });
  };
  const warn = (pass: FsckProblem['pass'], message: string): void => {
    problems.push({ pass, severity: 'warning', message });
  };
  const fail = (): FsckResult => ({
    clean: false,
    problems,
    files: 0,
    directories: 0,
    usedBlocks: 0,
    totalBlocks: 0,
    usedInodes: 0,
    totalInodes: 0,
  });

  // ---- pass 0: superblock ----
  const first = new Uint8Array(dev.blockSize);
  if ((await dev.readBlocks(0, 1, first)) < 0) {
    err(0, 'cannot read the superblock');
    return fail();
  }
  const sb = iomapfsDecodeSuper(first);
  if (typeof sb === 'string') {
    err(0, `bad superblock: ${sb}`);
    return fail();
  }
  const bad = iomapfsCheckSuper(sb, dev.blocksCount * dev.blockSize);
  if (bad !== undefined) {
    err(0, `bad superblock: ${bad}`);
    return fail();
  }
  const bs = sb.blockSize;
  const ratio = bs / dev.blockSize;
  if (!Number.isInteger(ratio) || ratio < 1) {
    err(0, `device block size ${dev.blockSize} does not divide the filesystem block size ${bs}`);
    return fail();
  }
  if (sb.state !== IOMAPFS_VALID_FS) warn(0, 'filesystem was not cleanly unmounted');

  const read = async (block: number, count: number): Promise<Uint8Array | undefined> => {
    const buf = new Uint8Array(count * bs);
    const r = await dev.readBlocks(block * ratio, count * ratio, buf);
    return r < 0 ? undefined : buf;
  };
  const bbits = await read(sb.blockBitmapStart, sb.blockBitmapBlocks);
  const ibits = await read(sb.inodeBitmapStart, sb.inodeBitmapBlocks);
  const itable = await read(sb.inodeTableStart, sb.inodeTableBlocks);
  if (bbits === undefined || ibits === undefined || itable === undefined) {
    err(0, 'cannot read the bitmaps or the inode table');
    return fail();
  }
  const testBit = (bits: Uint8Array, i: number): boolean => ((bits[i >>> 3] as number) & (1 << (i & 7))) !== 0;

  // ---- pass 1: inodes and their blocks ----
  const claimed = new Uint8Array(Math.ceil(sb.blocksCount / 8));
  const claim = (b: number, ino: number): void => {
    if (b < sb.firstDataBlock || b >= sb.blocksCount) {
      err(1, `inode ${ino}: block ${b} outside the data area [${sb.firstDataBlock}, ${sb.blocksCount})`);
      return;
    }
    if (testBit(claimed, b)) err(1, `inode ${ino}: block ${b} is claimed more than once (multiply-claimed block)`);
    claimed[b >>> 3] = (claimed[b >>> 3] as number) | (1 << (b & 7));
  };
  for (let b = 0; b < sb.firstDataBlock; b++) claimed[b >>> 3] = (claimed[b >>> 3] as number) | (1 << (b & 7));

  const inodes = new Map<number, InodeInfo>();
  const per = iomapfsExtentsPerBlock(bs);
  for (let ino = IOMAPFS_ROOT_INO; ino <= sb.inodesCount; ino++) {
    if (!testBit(ibits, ino - 1)) continue;
    const d = iomapfsDecodeInode(itable, (ino - 1) * IOMAPFS_INODE_SIZE);
    const type = d.mode & S_IFMT;
    if (type !== S_IFREG && type !== S_IFDIR) {
      err(1, `inode ${ino}: in use in the bitmap but has bad mode 0${d.mode.toString(8)}`);
      continue;
    }
    if (d.flags !== 0) err(1, `inode ${ino}: unknown flags 0x${d.flags.toString(16)}`);
    const extents = d.extents.slice();
    let ext = d.nextents > IOMAPFS_INLINE_EXTENTS ? d.extentBlock : 0;
    let chainBlocks = 0;
    while (ext !== 0) {
      claim(ext, ino);
      chainBlocks++;
      if (ext < sb.firstDataBlock || ext >= sb.blocksCount || chainBlocks > sb.blocksCount) break;
      const buf = await read(ext, 1);
      if (buf === undefined) {
        err(1, `inode ${ino}: cannot read extent block ${ext}`);
        break;
      }
      const h = iomapfsDecodeExtentBlockHeader(buf);
      if (h.magic !== IOMAPFS_EXTENT_MAGIC || h.count > per) {
        err(1, `inode ${ino}: extent block ${ext} has a bad header`);
        break;
      }
      for (let i = 0; i < h.count; i++)
        extents.push(iomapfsDecodeExtent(buf, IOMAPFS_EXTENT_HDR_SIZE + i * IOMAPFS_EXTENT_SIZE));
      ext = h.next;
    }
    if (extents.length !== d.nextents) {
      err(1, `inode ${ino}: extent count is ${d.nextents} but ${extents.length} extents were found`);
    }
    let dataBlocks = 0;
    let prevEnd = 0;
    for (const e of extents) {
      if (e.len === 0) err(1, `inode ${ino}: zero-length extent at logical block ${e.lblk}`);
      if (e.lblk < prevEnd) err(1, `inode ${ino}: extent at logical block ${e.lblk} overlaps or is out of order`);
      if (e.lblk + e.len > IOMAPFS_MAX_FILE_BLOCKS) err(1, `inode ${ino}: extent past the largest file size`);
      prevEnd = e.lblk + e.len;
      dataBlocks += e.len;
      for (let b = e.pblk; b < e.pblk + e.len && b < sb.blocksCount + 1; b++) claim(b, ino);
    }
    if (d.blocks !== dataBlocks + chainBlocks) {
      err(1, `inode ${ino}: i_blocks is ${d.blocks}, should be ${dataBlocks + chainBlocks}`);
    }
    if (type === S_IFDIR) {
      if (d.size % bs !== 0) err(1, `directory inode ${ino}: size ${d.size} is not a multiple of the block size`);
      if (extents.some((e) => e.unwritten)) err(1, `directory inode ${ino}: has unwritten extents`);
      if (prevEnd * bs < d.size) err(1, `directory inode ${ino}: has holes below its size`);
    }
    inodes.set(ino, { d, extents, refs: 0, subdirs: 0, parent: 0 });
  }

  // ---- pass 2: directory structure ----
  const root = inodes.get(sb.rootIno);
  const seenDirs = new Set<number>();
  if (root === undefined || (root.d.mode & S_IFMT) !== S_IFDIR) {
    err(2, 'root inode is not a directory');
  } else {
    const queue: number[] = [sb.rootIno];
    root.parent = sb.rootIno;
    seenDirs.add(sb.rootIno);
    while (queue.length > 0) {
      const dirIno = queue.shift() as number;
      const dir = inodes.get(dirIno) as InodeInfo;
      let sawDot = false;
      let sawDotDot = false;
      const names = new Set<string>();
      const nblocks = Math.floor(dir.d.size / bs);
      for (let lblk = 0; lblk < nblocks; lblk++) {
        const e = dir.extents.find((x) => lblk >= x.lblk && lblk < x.lblk + x.len);
        if (e === undefined) continue;
        const buf = await read(e.pblk + (lblk - e.lblk), 1);
        if (buf === undefined) {
          err(2, `directory inode ${dirIno}: cannot read block ${lblk}`);
          continue;
        }
        for (let off = 0; off < bs; off += IOMAPFS_DIRENT_SIZE) {
          const de = iomapfsDecodeDirent(buf, off);
          if (de.ino === 0) continue;
          if (lblk === 0 && off === 0) {
            if (de.name !== '.' || de.ino !== dirIno) err(2, `directory inode ${dirIno}: first entry is not '.'`);
            sawDot = true;
            continue;
          }
          if (lblk === 0 && off === IOMAPFS_DIRENT_SIZE) {
            if (de.name !== '..') err(2, `directory inode ${dirIno}: second entry is not '..'`);
            else if (de.ino !== dir.parent) {
              err(2, `directory inode ${dirIno}: '..' is ${de.ino}, should be ${dir.parent}`);
            }
            sawDotDot = true;
            continue;
          }
          if (de.name === '.' || de.name === '..' || de.name.includes('/') || de.name.length === 0) {
            err(2, `directory inode ${dirIno}: bad entry name '${de.name}'`);
            continue;
          }
          if (names.has(de.name)) err(2, `directory inode ${dirIno}: duplicate entry '${de.name}'`);
          names.add(de.name);
          const target = inodes.get(de.ino);
          if (target === undefined) {
            err(2, `entry '${de.name}' in directory inode ${dirIno} points to unused inode ${de.ino}`);
            continue;
          }
          const isDir = (target.d.mode & S_IFMT) === S_IFDIR;
          if (de.fileType !== (isDir ? IOMAPFS_FT_DIR : IOMAPFS_FT_REG_FILE)) {
            err(
              2,
              `entry '${de.name}' in directory inode ${dirIno} has file type ${de.fileType}, inode ${de.ino} disagrees`,
            );
          }
          target.refs++;
          if (isDir) {
            dir.subdirs++;
            if (seenDirs.has(de.ino)) {
              err(2, `directory inode ${de.ino} is linked more than once`);
            } else {
              seenDirs.add(de.ino);
              target.parent = dirIno;
              queue.push(de.ino);
            }
          }
        }
      }
      if (!sawDot) err(2, `directory inode ${dirIno}: missing '.'`);
      if (!sawDotDot) err(2, `directory inode ${dirIno}: missing '..'`);
    }
  }

  // ---- pass 4: link counts ----
  let files = 0;
  let directories = 0;
  for (const [ino, info] of inodes) {
    const isDir = (info.d.mode & S_IFMT) === S_IFDIR;
    if (isDir) directories++;
    else files++;
    const want = isDir ? 2 + info.subdirs : info.refs;
    if (ino !== sb.rootIno && info.refs === 0) {
      err(4, `unattached inode ${ino} (links ${info.d.links})`);
      continue;
    }
    if (info.d.links !== want) err(4, `inode ${ino} ref count is ${info.d.links}, should be ${want}`);
  }

  // ---- pass 5: bitmaps and counts ----
  let used = 0;
  const plus: number[] = [];
  const minus: number[] = [];
  for (let b = 0; b < sb.blocksCount; b++) {
    const inUse = testBit(claimed, b);
    const marked = testBit(bbits, b);
    if (inUse) used++;
    if (inUse && !marked) plus.push(b);
    if (!inUse && marked) minus.push(b);
  }
  const fmt = (l: number[]): string => (l.length > 8 ? `${l.slice(0, 8).join(' ')} … (${l.length})` : l.join(' '));
  if (plus.length > 0) err(5, `Block bitmap differences: +${fmt(plus)} (in use, marked free)`);
  if (minus.length > 0) err(5, `Block bitmap differences: -${fmt(minus)} (marked in use, not used)`);
  const iplus: number[] = [];
  const iminus: number[] = [];
  for (let ino = IOMAPFS_ROOT_INO; ino <= sb.inodesCount; ino++) {
    const marked = testBit(ibits, ino - 1);
    const inUse = inodes.has(ino);
    if (marked && !inUse) iminus.push(ino);
    if (!marked && inUse) iplus.push(ino);
  }
  if (!testBit(ibits, 0)) err(5, 'reserved inode 1 is marked free');
  if (iplus.length > 0) err(5, `Inode bitmap differences: +${fmt(iplus)}`);
  if (iminus.length > 0) err(5, `Inode bitmap differences: -${fmt(iminus)} (marked in use, bad or unused)`);
  const usedInodes = inodes.size + IOMAPFS_ROOT_INO - 1;
  if (sb.freeBlocksCount !== sb.blocksCount - used) {
    warn(5, `Free blocks count wrong (${sb.freeBlocksCount}, counted=${sb.blocksCount - used})`);
  }
  if (sb.freeInodesCount !== sb.inodesCount - usedInodes) {
    warn(5, `Free inodes count wrong (${sb.freeInodesCount}, counted=${sb.inodesCount - usedInodes})`);
  }
  return {
    clean: !problems.some((p) => p.severity === 'error'),
    problems,
    files,
    directories,
    usedBlocks: used,
    totalBlocks: sb.blocksCount,
    usedInodes,
    totalInodes: sb.inodesCount,
  };
}

/**
 * Checks the iomapfs on a block device, read-only (the userspace `fsck.iomapfs -n <dev>`).
 * @param bdev - the device (unmounted, or mounted and synced: fsck reads what is on the device)
 * @returns what {@link iomapfsFsck} found
 * @remarks Does I/O in virtual time: call it from a running process.
 */
export async function fsckIomapfs(bdev: BlockDevice): Promise<FsckResult> {
  const dev = BdevDev.open(bdev, bdevLogicalBlockSize(bdev));
  if (typeof dev === 'number') {
    return {
      clean: false,
      problems: [{ pass: 0, severity: 'error', message: `cannot open the device (${dev})` }],
      files: 0,
      directories: 0,
      usedBlocks: 0,
      totalBlocks: 0,
      usedInodes: 0,
      totalInodes: 0,
    };
  }
  try {
    return await iomapfsFsck(dev);
  } finally {
    dev.close();
  }
}
