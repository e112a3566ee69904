/**
 * The vfs's own small filesystems: rootfs (in-memory directories, fs/init/do_mounts.c), devtmpfs (one block
 * node per disk, drivers/base/devtmpfs.c) and the anonymous inode (fs/anon_inodes.c).
 * @internal
 * @packageDocumentation
 */
import { EEXIST, ENOTEMPTY } from '@stackemu/core';
import { dMakeRoot } from '../dentry.js';
import type { FileOperations } from '../file-operations.js';
import type { FileSystemType, FsContext } from '../filesystems.js';
import { newInode, type Inode } from '../inode.js';
import type { InodeOperations } from '../inode-operations.js';
import type { SuperBlock } from '../super.js';
import { S_IFBLK, S_IFDIR, S_IFREG } from '../uapi/stat.js';
import type { BdevInodeInfo } from '../blkdev-file.js';
import type { AddressSpaceOperations, BlockDevice } from './deps.js';

interface DirState {
  readonly entries: Map<string, Inode>;
}

function dirState(inode: Inode): DirState {
  return inode.iPrivate as DirState;
}

/** Directory operations of rootfs: entries kept in memory (`simple_*` / ramfs). */
const rootfsDirIops: InodeOperations = Object.freeze({
  lookup(dir: Inode, name: string): Promise<Inode | undefined> {
    return Promise.resolve(dirState(dir).entries.get(name));
  },
  mkdir(dir: Inode, name: string, mode: number): Promise<Inode | number> {
    const st = dirState(dir);
    if (st.entries.has(name)) return Promise.resolve(-EEXIST);
    const ino = newRamfsDir(dir.iSb, mode);
    st.entries.set(name, ino);
    return Promise.resolve(ino);
  },
  rmdir(dir: Inode, name: string, inode: Inode): Promise<number> {
    if (dirState(inode).entries.size > 0) return Promise.resolve(-ENOTEMPTY);
    dirState(dir).entries.delete(name);
    return Promise.resolve(0);
  },
  unlink(dir: Inode, name: string): Promise<number> {
    dirState(dir).entries.delete(name);
    return Promise.resolve(0);
  },
} satisfies InodeOperations);

function nextIno(sb: SuperBlock): number {
  const st = sb.sFsInfo as { ino: number };
  return ++st.ino;
}

function newRamfsDir(sb: SuperBlock, mode: number): Inode {
  const ino = newInode(sb, nextIno(sb), S_IFDIR | (mode & 0o7777));
  ino.iOp = rootfsDirIops;
  ino.iPrivate = { entries: new Map() } satisfies DirState;
  ino.iNlink = 2;
  return ino;
}

/** rootfs: the in-memory root every namespace starts from; holds directories (mountpoints) only. */
export const rootfsType: FileSystemType = Object.freeze({
  name: 'rootfs',
  fsFlags: 0,
  mount(source: string, flags: number, _data: string, fc: FsContext): Promise<SuperBlock> {
    const sb = fc.allocSuper(rootfsType, source, flags, undefined);
    sb.sFsInfo = { ino: 0 };
    sb.sRoot = dMakeRoot(newRamfsDir(sb, 0o755));
    return Promise.resolve(sb);
  },
} satisfies FileSystemType);

/**
 * devtmpfs: a directory of block-device nodes, one per disk of the block layer, created on lookup. Each node
 * comes with the block device's own inode (`bd_inode`, not linked in any directory), whose page cache holds
 * the device's buffered data.
 * @param bdevFops - the operations of a block-device node (block/fops.c `def_blk_fops`)
 * @param bdevAops - the operations of a block device's page cache (block/fops.c `def_blk_aops`)
 * @param lookupBdev - the block layer's device lookup
 */
export function devtmpfsType(
  bdevFops: FileOperations,
  bdevAops: AddressSpaceOperations,
  lookupBdev: (name: string) => BlockDevice | undefined,
): FileSystemType {
  const nodes = new Map<BlockDevice, Inode>();
  const iops: InodeOperations = {
    lookup(dir: Inode, name: string): Promise<Inode | undefined> {
      const bdev = lookupBdev(name);
      if (bdev === undefined) return Promise.resolve(undefined);
      let node = nodes.get(bdev);
      if (node === undefined) {
        const sb = dir.iSb;
        node = newInode(sb, nextIno(sb), S_IFBLK | 0o660);
        const bdInode = newInode(sb, nextIno(sb), S_IFBLK | 0o600, bdevAops);
        const info: BdevInodeInfo = { bdev, bdInode, openers: 0 };
        node.iFop = bdevFops;
        node.iPrivate = info;
        node.iRdev = bdev.bdDev;
        bdInode.iPrivate = info;
        bdInode.iRdev = bdev.bdDev;
        nodes.set(bdev, node);
      }
      return Promise.resolve(node);
    },
  };
  const t: FileSystemType = {
    name: 'devtmpfs',
    fsFlags: 0,
    mount(source: string, flags: number, _data: string, fc: FsContext): Promise<SuperBlock> {
      const sb = fc.allocSuper(t, source, flags, undefined);
      sb.sFsInfo = { ino: 0 };
      const root = newInode(sb, nextIno(sb), S_IFDIR | 0o755);
      root.iOp = iops;
      root.iNlink = 2;
      sb.sRoot = dMakeRoot(root);
      return Promise.resolve(sb);
    },
  };
  return t;
}

/** anon_inodefs: the superblock of the shared anonymous inode. */
export const anonInodefsType: FileSystemType = Object.freeze({
  name: 'anon_inodefs',
  fsFlags: 0,
  mount(source: string, flags: number, _data: string, fc: FsContext): Promise<SuperBlock> {
    const sb = fc.allocSuper(anonInodefsType, source, flags, undefined);
    sb.sFsInfo = { ino: 0 };
    const root = newInode(sb, nextIno(sb), S_IFREG | 0o600);
    sb.sRoot = dMakeRoot(root);
    return Promise.resolve(sb);
  },
} satisfies FileSystemType);
