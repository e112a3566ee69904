/**
 * iomapfs directories (the counterpart of `fs/ext2/dir.c`): fixed-size entries in the directory's blocks,
 * read and written through the buffer cache.
 * @packageDocumentation
 */
import { EEXIST, EIO, ENAMETOOLONG, ENOENT, ENOSPC } from '@stackemu/core';
import { IOMAP_HOLE } from '../iomap.js';
import type { ExtentMapping } from './extents.js';
import type { IomapfsInode } from './inode.js';
import { I_DIRTY_DATASYNC, I_DIRTY_SYNC } from './inode.js';
import {
  IOMAPFS_DIRENT_SIZE,
  IOMAPFS_FT_DIR,
  IOMAPFS_NAME_LEN,
  iomapfsDecodeDirent,
  iomapfsEncodeDirent,
  iomapfsNameBytes,
  type IomapfsDirent,
} from './iomapfs.js';
import type { IomapfsSbInfo } from './sb-info.js';

/** Where a directory entry lives. */
export interface DirentSlot {
  /** The entry. */
  readonly entry: IomapfsDirent;
  /** Device block holding it. */
  readonly pblk: number;
  /** Byte offset in that block. */
  readonly off: number;
}

const scratch: ExtentMapping = { state: IOMAP_HOLE, lblk: 0, pblk: -1, len: 0 };

/**
 * Visits every slot of a directory, in block order.
 * @param sbi - the filesystem
 * @param dir - the directory inode
 * @param fn - called per slot (free slots have `ino` 0); returning true stops the walk
 * @returns 0, or `-EIO` (a block could not be read, or the directory has a hole)
 */
export async function iomapfsDirWalk(
  sbi: IomapfsSbInfo,
  dir: IomapfsInode,
  fn: (entry: IomapfsDirent, pblk: number, off: number, data: Uint8Array) => boolean,
): Promise<number> {
  const bs = sbi.blockSize;
  const nblocks = Math.ceil(dir.size / bs);
  for (let lblk = 0; lblk < nblocks; lblk++) {
    const m = dir.extMap.map(lblk, 1, scratch);
    if (m.state === IOMAP_HOLE) return -EIO;
    const pblk = m.pblk;
    let data: Uint8Array;
    try {
      data = (await sbi.bufs.bread(pblk)).data;
    } catch {
      return -EIO;
    }
    for (let off = 0; off < bs; off += IOMAPFS_DIRENT_SIZE) {
      if (fn(iomapfsDecodeDirent(data, off), pblk, off, data)) return 0;
    }
  }
  return 0;
}

/**
 * Models `ext2_find_entry()` (fs/ext2/dir.c).
 * @param sbi - the filesystem
 * @param dir - the directory
 * @param name - the name
 * @returns the slot, undefined if absent, or `-EIO`
 */
export async function iomapfsFindEntry(
  sbi: IomapfsSbInfo,
  dir: IomapfsInode,
  name: string,
): Promise<DirentSlot | undefined | number> {
  let found: DirentSlot | undefined;
  const r = await iomapfsDirWalk(sbi, dir, (entry, pblk, off) => {
    if (entry.ino !== 0 && entry.name === name) {
      found = { entry, pblk, off };
      return true;
    }
    return false;
  });
  if (r < 0) return r;
  return found;
}

/**
 * Checks a name for a new entry.
 * @returns 0, `-ENAMETOOLONG` (more than {@link IOMAPFS_NAME_LEN} bytes) or `-ENOENT` (empty)
 */
export function iomapfsCheckName(name: string): number {
  if (name.length === 0) return -ENOENT;
  if (iomapfsNameBytes(name).length > IOMAPFS_NAME_LEN) return -ENAMETOOLONG;
  return 0;
}

/**
 * Models `ext2_add_link()` (fs/ext2/dir.c): adds `name → ino`, growing the directory by a block when full.
 * @param sbi - the filesystem
 * @param dir - the directory
 * @param name - the new name (not present)
 * @param ino - the inode it names
 * @param fileType - `IOMAPFS_FT_*`
 * @returns 0, `-EEXIST`, `-ENAMETOOLONG`, `-ENOSPC` or `-EIO`
 */
export async function iomapfsAddLink(
  sbi: IomapfsSbInfo,
  dir: IomapfsInode,
  name: string,
  ino: number,
  fileType: number,
): Promise<number> {
  const bad = iomapfsCheckName(name);
  if (bad < 0) return bad;
  const found: { free: { pblk: number; off: number } | undefined; exists: boolean } = {
    free: undefined,
    exists: false,
  };
  const r = await iomapfsDirWalk(sbi, dir, (entry, pblk, off) => {
    if (entry.ino === 0) {
      found.free ??= { pblk, off };
    } else if (entry.name === name) {
      found.exists = true;
      return true;
    }
    return false;
  });
  if (r < 0) return r;
  if (found.exists) return -EEXIST;
  let free = found.free;
  if (free === undefined) {
    const grown = iomapfsDirGrow(sbi, dir);
    if (grown < 0) return grown;
    free = { pblk: grown, off: 0 };
  }
  const bh = await sbi.bufs.bread(free.pblk).catch(() => undefined);
  if (bh === undefined) return -EIO;
  iomapfsEncodeDirent({ ino, fileType, name }, bh.data, free.off);
  sbi.bufs.markBufferDirty(bh);
  dir.mtime = dir.ctime = sbi.now();
  sbi.markInodeDirty(dir, I_DIRTY_SYNC);
  return 0;
}

/**
 * Adds one zeroed block at the end of a directory.
 * @returns the new block, or `-ENOSPC`
 */
function iomapfsDirGrow(sbi: IomapfsSbInfo, dir: IomapfsInode): number {
  const bs = sbi.blockSize;
  const lblk = Math.ceil(dir.size / bs);
  if (lblk >= 0xffffffff) return -ENOSPC;
  const last = dir.extMap.lastPblk();
  const run = sbi.allocBlocks(last < 0 ? -1 : last + 1, 1);
  if (typeof run === 'number') return run;
  dir.extMap.insert(lblk, 1, run.pblk, false);
  const bh = sbi.bufs.getblkZeroed(run.pblk);
  sbi.bufs.markBufferDirty(bh);
  dir.size = (lblk + 1) * bs;
  sbi.markInodeDirty(dir, I_DIRTY_DATASYNC);
  return run.pblk;
}

/**
 * Models `ext2_make_empty()` (fs/ext2/dir.c): the first block of a new directory with `.` and `..`.
 * @param sbi - the filesystem
 * @param dir - the new directory (size 0)
 * @param parentIno - its parent (itself for the root)
 * @returns 0 or `-ENOSPC`
 */
export function iomapfsMakeEmpty(sbi: IomapfsSbInfo, dir: IomapfsInode, parentIno: number): number {
  const pblk = iomapfsDirGrow(sbi, dir);
  if (pblk < 0) return pblk;
  const bh = sbi.bufs.peek(pblk);
  if (bh === undefined) return -EIO;
  iomapfsEncodeDirent({ ino: dir.ino, fileType: IOMAPFS_FT_DIR, name: '.' }, bh.data, 0);
  iomapfsEncodeDirent({ ino: parentIno, fileType: IOMAPFS_FT_DIR, name: '..' }, bh.data, IOMAPFS_DIRENT_SIZE);
  sbi.bufs.markBufferDirty(bh);
  return 0;
}

/**
 * Models `ext2_delete_entry()` (fs/ext2/dir.c).
 * @param sbi - the filesystem
 * @param dir - the directory
 * @param name - the name to remove
 * @returns the inode number it named, `-ENOENT` or `-EIO`
 */
export async function iomapfsDeleteEntry(sbi: IomapfsSbInfo, dir: IomapfsInode, name: string): Promise<number> {
  const slot = await iomapfsFindEntry(sbi, dir, name);
  if (typeof slot === 'number') return slot;
  if (slot === undefined) return -ENOENT;
  const bh = await sbi.bufs.bread(slot.pblk).catch(() => undefined);
  if (bh === undefined) return -EIO;
  iomapfsEncodeDirent({ ino: 0, fileType: 0, name: '' }, bh.data, slot.off);
  sbi.bufs.markBufferDirty(bh);
  dir.mtime = dir.ctime = sbi.now();
  sbi.markInodeDirty(dir, I_DIRTY_SYNC);
  return slot.entry.ino;
}

/**
 * Models `ext2_empty_dir()` (fs/ext2/dir.c): true if only `.` and `..` remain.
 * @param sbi - the filesystem
 * @param dir - the directory
 * @returns true/false, or `-EIO`
 */
export async function iomapfsEmptyDir(sbi: IomapfsSbInfo, dir: IomapfsInode): Promise<boolean | number> {
  let empty = true;
  const r = await iomapfsDirWalk(sbi, dir, (entry) => {
    if (entry.ino !== 0 && entry.name !== '.' && entry.name !== '..') {
      empty = false;
      return true;
    }
    return false;
  });
  if (r < 0) return r;
  return empty;
}

/**
 * Every entry of a directory (`readdir`), `.` and `..` included.
 * @param sbi - the filesystem
 * @param dir - the directory
 * @returns the entries, or `-EIO`
 */
export async function iomapfsReaddir(sbi: IomapfsSbInfo, dir: IomapfsInode): Promise<IomapfsDirent[] | number> {
  const out: IomapfsDirent[] = [];
  const r = await iomapfsDirWalk(sbi, dir, (entry) => {
    if (entry.ino !== 0) out.push(entry);
    return false;
  });
  return r < 0 ? r : out;
}
