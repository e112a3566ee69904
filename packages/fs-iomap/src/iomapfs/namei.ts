/**
 * iomapfs directory operations (the counterpart of `fs/ext2/namei.c`): lookup, create, mkdir, unlink, rmdir.
 * @packageDocumentation
 */
import { EIO, EMLINK, ENOTEMPTY } from '@stackemu/core';
import { S_IFDIR, S_IFREG, type FileOperations, type Inode, type InodeOperations, type Stat } from '@stackemu/vfs';
import { iomapfsAddLink, iomapfsDeleteEntry, iomapfsEmptyDir, iomapfsFindEntry, iomapfsMakeEmpty } from './dir.js';
import { I_DIRTY_DATASYNC, type IomapfsInode } from './inode.js';
import { IOMAPFS_FT_DIR, IOMAPFS_FT_REG_FILE } from './iomapfs.js';
import { iomapfsI } from './iomap-ops.js';
import { iomapfsIget, iomapfsSyncVfsInode, iomapfsVfsInode } from './super.js';

/** Largest link count of a directory (ext2's `EXT2_LINK_MAX`). */
export const IOMAPFS_LINK_MAX = 32000;

/**
 * Models `ext2_lookup()` (fs/ext2/namei.c).
 * @returns the inode, undefined if `name` is absent, or `-EIO` (the entry names a free inode, or a read failed)
 */
async function iomapfsLookup(dir: Inode, name: string): Promise<Inode | undefined | number> {
  const d = iomapfsI(dir);
  const slot = await iomapfsFindEntry(d.sbi, d, name);
  if (typeof slot === 'number') return slot;
  if (slot === undefined) return undefined;
  const inode = await iomapfsIget(dir.iSb, slot.entry.ino);
  if (typeof inode === 'number') {
    d.sbi.ctx.log.error({ dir: d.ino, name, ino: slot.entry.ino }, 'iomapfs: deleted inode referenced');
    return -EIO;
  }
  return inode;
}

function touchDir(dir: Inode, d: IomapfsInode): void {
  dir.iMtimeNs = dir.iCtimeNs = d.mtime;
}

/**
 * Models `ext2_create()` (fs/ext2/namei.c): a new regular file.
 * @returns the inode, or `-ENOSPC` (no inode or directory block), `-EEXIST`, `-ENAMETOOLONG`, `-EIO`
 */
async function iomapfsCreate(dir: Inode, name: string, mode: number): Promise<Inode | number> {
  const d = iomapfsI(dir);
  const sbi = d.sbi;
  const ii = sbi.newInode(S_IFREG | (mode & 0o7777));
  if (typeof ii === 'number') return ii;
  const r = await iomapfsAddLink(sbi, d, name, ii.ino, IOMAPFS_FT_REG_FILE);
  if (r < 0) {
    ii.links = 0;
    sbi.freeInode(ii);
    return r;
  }
  touchDir(dir, d);
  iomapfsSyncVfsInode(dir, d);
  return iomapfsVfsInode(dir.iSb, ii);
}

/**
 * Models `ext2_mkdir()` (fs/ext2/namei.c): a new directory with `.` and `..`.
 * @returns the inode, or `-EMLINK`, `-ENOSPC`, `-EEXIST`, `-ENAMETOOLONG`, `-EIO`
 */
async function iomapfsMkdir(dir: Inode, name: string, mode: number): Promise<Inode | number> {
  const d = iomapfsI(dir);
  const sbi = d.sbi;
  if (d.links >= IOMAPFS_LINK_MAX) return -EMLINK;
  const ii = sbi.newInode(S_IFDIR | (mode & 0o7777));
  if (typeof ii === 'number') return ii;
  ii.links = 2;
  const e = iomapfsMakeEmpty(sbi, ii, d.ino);
  if (e < 0) {
    ii.links = 0;
    sbi.freeInode(ii);
    return e;
  }
  const r = await iomapfsAddLink(sbi, d, name, ii.ino, IOMAPFS_FT_DIR);
  if (r < 0) {
    ii.links = 0;
    sbi.freeInode(ii);
    return r;
  }
  d.links++;
  sbi.markInodeDirty(d, I_DIRTY_DATASYNC);
  touchDir(dir, d);
  iomapfsSyncVfsInode(dir, d);
  return iomapfsVfsInode(dir.iSb, ii);
}

/**
 * Frees an inode whose last link is gone if nobody holds it open (else its last `release` does).
 * @param ii - the inode
 */
export async function iomapfsMaybeFree(ii: IomapfsInode): Promise<void> {
  if (ii.links > 0 || ii.openCount > 0 || ii.mode === 0) return;
  const inode = ii.vfsInode as Inode | undefined;
  if (inode !== undefined) await ii.sbi.ctx.writeback.truncatePagecache(inode, 0);
  ii.sbi.freeInode(ii);
}

/**
 * Models `ext2_unlink()` (fs/ext2/namei.c): removes the entry; the inode goes with its last link and last
 * user.
 * @returns 0, `-ENOENT` or `-EIO`
 */
async function iomapfsUnlink(dir: Inode, name: string, inode: Inode): Promise<number> {
  const d = iomapfsI(dir);
  const ii = iomapfsI(inode);
  const r = await iomapfsDeleteEntry(d.sbi, d, name);
  if (r < 0) return r;
  ii.links--;
  ii.ctime = d.sbi.now();
  d.sbi.markInodeDirty(ii, I_DIRTY_DATASYNC);
  iomapfsSyncVfsInode(inode, ii);
  touchDir(dir, d);
  await iomapfsMaybeFree(ii);
  return 0;
}

/**
 * Models `ext2_rmdir()` (fs/ext2/namei.c): removes an empty directory.
 * @returns 0, `-ENOTEMPTY`, `-ENOENT` or `-EIO`
 */
async function iomapfsRmdir(dir: Inode, name: string, inode: Inode): Promise<number> {
  const d = iomapfsI(dir);
  const ii = iomapfsI(inode);
  const empty = await iomapfsEmptyDir(d.sbi, ii);
  if (typeof empty === 'number') return empty;
  if (!empty) return -ENOTEMPTY;
  const r = await iomapfsDeleteEntry(d.sbi, d, name);
  if (r < 0) return r;
  ii.links = 0;
  d.links--;
  d.sbi.markInodeDirty(d, I_DIRTY_DATASYNC);
  iomapfsSyncVfsInode(inode, ii);
  iomapfsSyncVfsInode(dir, d);
  touchDir(dir, d);
  await iomapfsMaybeFree(ii);
  return 0;
}

/**
 * Models `ext2_getattr()` (fs/ext2/inode.c): block count and preferred I/O size.
 * @returns 0
 */
export function iomapfsGetattr(inode: Inode, stat: Stat): number {
  const ii = iomapfsI(inode);
  stat.blocks = (ii.blocks * ii.sbi.blockSize) / 512;
  stat.blksize = ii.sbi.blockSize;
  stat.nlink = ii.links;
  return 0;
}

/** Models `ext2_dir_inode_operations` (fs/ext2/namei.c). */
export const iomapfsDirInodeOperations: InodeOperations = Object.freeze({
  lookup: iomapfsLookup,
  create: iomapfsCreate,
  mkdir: iomapfsMkdir,
  unlink: iomapfsUnlink,
  rmdir: iomapfsRmdir,
  getattr: iomapfsGetattr,
});

/**
 * Models `ext2_fsync()` on a directory: its blocks and inode to the device.
 * @returns 0 or `-errno`
 */
async function iomapfsDirFsync(
  file: { readonly fInode: Inode },
  _start: number,
  _end: number,
  datasync: boolean,
): Promise<number> {
  const ii = iomapfsI(file.fInode);
  const r = await ii.sbi.syncInode(ii, datasync);
  if (r < 0) return r;
  return ii.sbi.bufs.dev.flush();
}

/** Models `ext2_dir_operations` (fs/ext2/dir.c): only `fsync` (there is no `getdents` syscall here). */
export const iomapfsDirOperations: FileOperations = Object.freeze({ fsync: iomapfsDirFsync });
