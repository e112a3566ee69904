/**
 * iomapfs superblock handling (the counterpart of `fs/ext2/super.c`): the `file_system_type`, mount with its
 * superblock checks, `sync_fs`, `put_super`, inode eviction, and `iget` binding in-core iomapfs inodes to
 * vfs inodes.
 * @packageDocumentation
 */
import { EINVAL, EIO, Errno } from '@stackemu/core';
import {
  FS_REQUIRES_DEV,
  SB_RDONLY,
  dMakeRoot,
  newInode,
  sIsDir,
  sbSetBlocksize,
  type FileSystemType,
  type FsContext,
  type Inode,
  type SuperBlock,
  type SuperOperations,
} from '@stackemu/vfs';
import { bdevLogicalBlockSize } from '@stackemu/block';
import type { BlockDevice } from '../internal/upstream.js';
import type { IomapfsContext } from './context.js';
import { iomapfsDirInodeOperations, iomapfsDirOperations } from './namei.js';
import { iomapfsFileInodeOperations, iomapfsFileOperations } from './file.js';
import type { IomapfsInode } from './inode.js';
import { IOMAPFS_VALID_FS } from './iomapfs.js';
import { iomapfsMkfs, iomapfsParseMkfsOptions } from './mkfs.js';
import { IomapfsSbInfo, iomapfsReadSuper } from './sb-info.js';

/**
 * The block layer's view of the device the vfs looked up (the vfs still types it by its own adapter).
 * @param b - what `lookupBdev` returned
 */
function asBlockDevice(b: object): BlockDevice {
  return b as unknown as BlockDevice;
}

/** The iomapfs state of a vfs superblock (`EXT2_SB(sb)`). */
export function iomapfsSb(sb: SuperBlock): IomapfsSbInfo {
  return sb.sFsInfo as IomapfsSbInfo;
}

/**
 * Fills a vfs inode from its iomapfs inode (`ext2_iget()`'s second half).
 * @param inode - the vfs inode
 * @param ii - the iomapfs inode
 */
export function iomapfsSyncVfsInode(inode: Inode, ii: IomapfsInode): void {
  inode.iSize = ii.size;
  inode.iNlink = ii.links;
  inode.iBlocks = (ii.blocks * ii.sbi.blockSize) / 512;
  inode.iMtimeNs = ii.mtime;
  inode.iCtimeNs = ii.ctime;
  inode.iMode = ii.mode;
}

/**
 * Models `ext2_iget()` (fs/ext2/inode.c): the vfs inode of inode number `ino`, created on first use and bound
 * to its iomapfs inode (`i_private`).
 * @param sb - the vfs superblock
 * @param ino - the inode number
 * @returns the inode, or `-EIO` (a free or unreadable inode) / `-EINVAL`
 */
export async function iomapfsIget(sb: SuperBlock, ino: number): Promise<Inode | number> {
  const sbi = iomapfsSb(sb);
  const ii = await sbi.iget(ino);
  if (typeof ii === 'number') return ii;
  return iomapfsVfsInode(sb, ii);
}

/**
 * The vfs inode bound to `ii`, created (with the right operations tables) if it has none yet.
 * @param sb - the vfs superblock
 * @param ii - the iomapfs inode
 */
export function iomapfsVfsInode(sb: SuperBlock, ii: IomapfsInode): Inode {
  const have = ii.vfsInode as Inode | undefined;
  if (have !== undefined) return have;
  const inode = newInode(sb, ii.ino, ii.mode, ii.sbi.ctx.aops);
  if (sIsDir(ii.mode)) {
    inode.iOp = iomapfsDirInodeOperations;
    inode.iFop = iomapfsDirOperations;
  } else {
    inode.iOp = iomapfsFileInodeOperations;
    inode.iFop = iomapfsFileOperations;
  }
  inode.iPrivate = ii;
  iomapfsSyncVfsInode(inode, ii);
  ii.vfsInode = inode;
  return inode;
}

/**
 * Models `ext2_sync_fs()` (fs/ext2/super.c): every dirty inode, the bitmaps and the superblock to the device,
 * then a cache flush.
 * @returns 0 or `-errno`
 */
async function iomapfsSyncFs(sb: SuperBlock, wait: boolean): Promise<number> {
  const sbi = iomapfsSb(sb);
  if ((sb.sFlags & SB_RDONLY) !== 0) return 0;
  const r = await sbi.syncFs(sbi.sb.state);
  if (r < 0 || !wait) return r;
  return sbi.bufs.dev.flush();
}

/**
 * Models `ext2_put_super()` (fs/ext2/super.c): marks the filesystem clean on disk and drops the in-core state.
 */
async function iomapfsPutSuper(sb: SuperBlock): Promise<void> {
  const sbi = iomapfsSb(sb);
  if ((sb.sFlags & SB_RDONLY) === 0) {
    await sbi.ctx.writeback.flushAll(sbi);
    const r = await sbi.syncFs(IOMAPFS_VALID_FS);
    if (r < 0) sbi.ctx.log.error({ err: r, dev: sb.sId }, 'iomapfs: final sync at unmount failed');
    await sbi.bufs.dev.flush();
  }
  sbi.release();
  sbi.bufs.dev.close?.();
}

/**
 * Models `ext2_evict_inode()` (fs/ext2/inode.c): an inode with no links and no users gives back its blocks.
 */
async function iomapfsEvictInode(inode: Inode): Promise<void> {
  const ii = inode.iPrivate as IomapfsInode | undefined;
  if (ii === undefined || ii.links > 0 || ii.mode === 0) return;
  await ii.sbi.ctx.writeback.truncatePagecache(inode, 0);
  ii.sbi.freeInode(ii);
}

/**
 * Models `ext2_write_inode()` (fs/ext2/inode.c): the inode's record (and extent chain) to its buffer, and
 * with `sync` to the device.
 * @returns 0 or `-errno`
 */
async function iomapfsWriteInode(inode: Inode, sync: boolean): Promise<number> {
  const ii = inode.iPrivate as IomapfsInode;
  const r = await ii.sbi.writeInode(ii);
  if (typeof r === 'number') return r;
  if (!sync) return 0;
  return ii.sbi.bufs.syncDirtyBuffers(ii.sbi.metaFlags, new Set(r));
}

/** Models `ext2_sops` (fs/ext2/super.c): the superblock operations of iomapfs. */
export const iomapfsSuperOperations: SuperOperations = Object.freeze({
  syncFs: iomapfsSyncFs,
  putSuper: iomapfsPutSuper,
  evictInode: iomapfsEvictInode,
  writeInode: iomapfsWriteInode,
});

/**
 * Parses mount options: `defaults`, `rw`, `ro`, and the mkfs options (`blocksize=`, `inodes=`), which the
 * vfs passes to both mkfs and mount and which mount ignores.
 * @returns 0 or `-EINVAL` for anything else
 */
function iomapfsParseOptions(data: string): number {
  for (const o of data.split(',')) {
    const opt = o.trim();
    if (opt === '' || opt === 'defaults' || opt === 'rw' || opt === 'ro') continue;
    if (/^(blocksize|inodes)=\d+$/.test(opt)) continue;
    return -EINVAL;
  }
  return 0;
}

/**
 * Creates the iomapfs `file_system_type` (fs/ext2/super.c `ext2_fs_type`) bound to one machine's services.
 * @param ctx - the machine's services iomapfs needs
 * @returns the type; the fs-iomap plugin contributes it at the vfs's `FileSystemTypes`
 */
export function iomapfsFsType(ctx: IomapfsContext): FileSystemType {
  const type: FileSystemType = {
    name: 'iomapfs',
    fsFlags: FS_REQUIRES_DEV,
    async mount(source: string, flags: number, data: string, fc: FsContext): Promise<SuperBlock | number> {
      if (iomapfsParseOptions(data) < 0) {
        ctx.log.warn({ source, data }, 'iomapfs: unrecognized mount option');
        return -EINVAL;
      }
      const vbdev = fc.lookupBdev(source);
      if (typeof vbdev === 'number') return vbdev;
      const bdev = asBlockDevice(vbdev);
      // sb_min_blocksize(): read the superblock in units of at least the device's logical block size.
      const probe = ctx.openDev(bdev, Math.max(512, bdevLogicalBlockSize(bdev)));
      if (typeof probe === 'number') return probe;
      const raw = await iomapfsReadSuper(probe);
      probe.close?.();
      if (typeof raw === 'number') {
        ctx.log.warn({ source }, 'iomapfs: no valid iomapfs superblock');
        return raw;
      }
      const dev = ctx.openDev(bdev, raw.blockSize);
      if (typeof dev === 'number') return dev;
      const sbi = await IomapfsSbInfo.load(dev, bdev, ctx);
      if (typeof sbi === 'number') return sbi;
      if (sbi.sb.state !== IOMAPFS_VALID_FS) {
        ctx.log.warn({ source }, 'iomapfs: mounting a filesystem that was not cleanly unmounted; run fsck');
      }
      const sb = fc.allocSuper(type, source, flags, vbdev);
      if (sbSetBlocksize(sb, raw.blockSize) === 0) return -EINVAL;
      sb.sMaxbytes = raw.blockSize * 0xffffffff;
      sb.sOp = iomapfsSuperOperations;
      sb.sFsInfo = sbi;
      const root = await iomapfsIget(sb, raw.rootIno);
      if (typeof root === 'number') return root;
      if (!sIsDir(root.iMode)) return -EIO;
      sb.sRoot = dMakeRoot(root);
      if ((flags & SB_RDONLY) === 0) {
        sbi.markMounted();
        const r = await sbi.syncFs(0);
        if (r < 0) return r;
      }
      return sb;
    },
    async mkfs(source: string, options: string, fc: FsContext): Promise<number> {
      const opts = iomapfsParseMkfsOptions(options);
      if (typeof opts === 'string') {
        ctx.log.warn({ source, options }, `iomapfs: mkfs: ${opts}`);
        return -EINVAL;
      }
      const vbdev = fc.lookupBdev(source);
      if (typeof vbdev === 'number') return vbdev;
      const dev = ctx.openDev(asBlockDevice(vbdev), opts.blockSize);
      if (typeof dev === 'number') return dev;
      const g = await iomapfsMkfs(dev, {
        inodes: opts.inodes,
        now: fc.now(),
        uuid: ctx.uuid(),
        opFlags: ctx.metaFlags,
      });
      dev.close?.();
      return typeof g === 'number' ? g : 0;
    },
  };
  return Object.freeze(type);
}

/**
 * Throws unless `r` is a success, for setup code (`mkfsIomapfs`).
 * @param r - 0 or `-errno`
 * @param what - what failed
 */
export function iomapfsCheck(r: number, what: string): void {
  if (r < 0) throw new Errno(-r, `iomapfs: ${what}`);
}
