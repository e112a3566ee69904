/**
 * Superblocks (`struct super_block`, include/linux/fs.h; fs/super.c).
 * @packageDocumentation
 */
import type { AddressSpace, AddressSpaceOperations, BlockDevice } from './internal/deps.js';
import { bdevBdi, noopBackingDevInfo, type BackingDevInfo } from './backing-dev.js';
import type { Dentry } from './dentry.js';
import type { FileSystemType } from './filesystems.js';
import type { Inode } from './inode.js';
import type { SuperOperations } from './super-operations.js';

/** Models `SB_RDONLY` (include/linux/fs.h): mounted read-only. */
export const SB_RDONLY = 1 << 0;
/** Models `SB_SYNCHRONOUS` (include/linux/fs.h): writes are synced at once. */
export const SB_SYNCHRONOUS = 1 << 4;

/**
 * How a superblock makes page caches for its inodes, and reads the clock; supplied by the vfs (it wraps
 * mm's `createAddressSpace`). Filesystems do not implement it.
 */
export interface MappingFactory {
  /**
   * Creates the page cache of an inode.
   * @param aops - its address-space operations, or undefined for operations that fail with `-EIO`
   * @param host - the inode (the mapping's `host`; its `iSize` bounds faults)
   */
  createMapping(aops: AddressSpaceOperations | undefined, host: Inode): AddressSpace;
  /** Current virtual time in ns (for inode times). */
  now(): number;
  /**
   * Models `truncate_pagecache()` (mm/truncate.c): drops the cached folios beyond `newsize` and zeroes the
   * tail of the one it falls in.
   * @param inode - the inode whose `i_size` became `newsize`
   * @param newsize - the new size in bytes
   */
  truncatePagecache(inode: Inode, newsize: number): Promise<void>;
}

/**
 * Models `struct super_block` (include/linux/fs.h): one mounted filesystem instance.
 *
 * @remarks Allocated by the vfs ({@link FsContext.allocSuper}); the filesystem fills `sOp`, `sRoot`,
 * `sFsInfo`, block size and limits in its `mount`.
 */
export class SuperBlock {
  /** `s_blocksize`: filesystem block size in bytes. */
  sBlocksize = 4096;
  /** `s_blocksize_bits`. */
  sBlocksizeBits = 12;
  /** `s_maxbytes`: largest file size. */
  sMaxbytes = Number.MAX_SAFE_INTEGER;
  /** `s_op`. */
  sOp: SuperOperations = {};
  /** `s_root`: the root dentry, set by the filesystem's `mount`. */
  sRoot: Dentry | undefined = undefined;
  /** `s_fs_info`: the filesystem's private state. */
  sFsInfo: unknown = undefined;
  /** Active mounts of this superblock (`s_active`). */
  sActive = 0;
  /** Open files on this superblock (an unmount with open files fails `EBUSY`). */
  sOpenFiles = 0;
  /** `s_inodes`: every inode of this superblock ({@link newInode} adds them). */
  readonly sInodes = new Set<Inode>();
  /**
   * `s_bdi`: the backing device's info — its disk's bdi when the filesystem sits on a block device
   * (`setup_bdev_super()`), else the no-op bdi until the filesystem calls `superSetupBdi()`.
   */
  sBdi: BackingDevInfo;

  /**
   * @param sType - `s_type`
   * @param sId - `s_id`: the source name (`"nvme0n1"`)
   * @param sFlags - `s_flags`: `SB_*`
   * @param sDev - `s_dev`: device number
   * @param sBdev - `s_bdev`: the block device, for `FS_REQUIRES_DEV` filesystems
   * @param sMappings - page-cache factory (vfs-supplied)
   */
  constructor(
    readonly sType: FileSystemType,
    readonly sId: string,
    public sFlags: number,
    readonly sDev: number,
    readonly sBdev: BlockDevice | undefined,
    readonly sMappings: MappingFactory,
  ) {
    this.sBdi = sBdev !== undefined ? bdevBdi(sBdev) : noopBackingDevInfo;
  }
}

/**
 * Models `sb_set_blocksize()` (fs/super.c): sets the block size (a power of two, 512..65536).
 * @param sb - the superblock
 * @param size - the block size in bytes
 * @returns the size, or 0 if it is not a power of two in range
 */
export function sbSetBlocksize(sb: SuperBlock, size: number): number {
  if (size < 512 || size > 65536 || (size & (size - 1)) !== 0) return 0;
  sb.sBlocksize = size;
  sb.sBlocksizeBits = Math.log2(size);
  return size;
}
